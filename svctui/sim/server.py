"""The Kubernetes HTTP API over aiohttp: routing, list/watch, verbs, content negotiation."""

from __future__ import annotations

import asyncio
import base64
import builtins
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import yaml
from aiohttp import web

from . import decode, discovery, impersonation, openapi, protobuf, rbac, rbac_escalation, requestinfo, reviews, tables
from . import errors as E
from . import resources as R
from .apiserver import Api, DeleteOptions
from .frontdoor import unauthorized
from .patch import apply_patch
from .selectors import FieldSelector, LabelSelector, parse_field_selector, parse_label_selector
from .store import ADDED, DELETED, MODIFIED, Compacted, Event, Store
from .tokens import Identity
from .workloads_scale import read_scale, write_scale

log = logging.getLogger("svctui.sim.server")

JSON = "application/json"
# Who every request is without the front door: the kubeconfig's admin, as before there was RBAC.
ADMIN = Identity("svctui-sim", (rbac.MASTERS, rbac.AUTHENTICATED))
# Lists longer than this are streamed in chunks of this many items.
LIST_CHUNK = 500
TOO_LARGE_WAIT = 3.0  # the watch cache's blockTimeout


def _bool(v: str | None) -> bool:
    return v is not None and v.lower() not in ("", "0", "false")


def _json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    data = body if isinstance(body, (bytes, bytearray)) else orjson.dumps(body)
    return web.Response(body=data, status=status, content_type=JSON, headers=headers)


def _error_response(err: E.ApiError) -> web.Response:
    return _json_response(err.status(), status=err.code)


class Wants:
    """What the Accept header asks for."""

    def __init__(self, accept: str | None):
        self.table = False
        self.table_version = "v1"
        self.acceptable = True
        if not accept:
            return
        any_json = False
        for part in accept.split(","):
            fields = [f.strip() for f in part.split(";")]
            media = fields[0]
            params = dict(f.split("=", 1) for f in fields[1:] if "=" in f)
            if media in ("application/json", "*/*", "application/*", "application/yaml", ""):
                if params.get("as") == "Table" and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
                    if not self.table:
                        self.table = True
                        self.table_version = params["v"]
                elif "as" not in params:
                    any_json = True
        if not self.table and not any_json:
            self.acceptable = False


class Payload:
    """An object shared by the watchers of one event; its JSON is made once."""

    __slots__ = ("obj", "_json")

    def __init__(self, obj: dict[str, Any]):
        self.obj = obj
        self._json: bytes | None = None

    def json(self) -> bytes:
        if self._json is None:
            self._json = orjson.dumps(self.obj)
        return self._json


class Watcher:
    __slots__ = ("rt", "namespace", "labels", "fields", "queue", "closed")

    def __init__(self, rt: R.ResourceType, namespace: str | None, labels: LabelSelector, fields: FieldSelector):
        self.rt = rt
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.closed = False

    def matches(self, obj: dict[str, Any] | None) -> bool:
        if obj is None:
            return False
        md = obj["metadata"]
        if self.namespace and md.get("namespace") != self.namespace:
            return False
        return self.labels.matches(md.get("labels")) and self.fields.matches(obj)

    def translate(self, ev: Event) -> str | None:
        new = self.matches(ev.obj)
        if ev.type == ADDED:
            return ADDED if new else None
        if ev.type == DELETED:
            return DELETED if self.matches(ev.old) else None
        old = self.matches(ev.old)
        if new and old:
            return MODIFIED
        if new:
            return ADDED
        if old:
            return DELETED
        return None


class WatchHub:
    """Fans store events out to the open watches of each resource."""

    MAX_QUEUE = 200_000

    def __init__(self, store: Store):
        self.watchers: dict[tuple[str, str], set[Watcher]] = {}
        store.subscribe(self._on_event)

    def add(self, w: Watcher) -> None:
        self.watchers.setdefault(w.rt.key, set()).add(w)

    def remove(self, w: Watcher) -> None:
        self.watchers.get(w.rt.key, set()).discard(w)
        w.closed = True

    def _on_event(self, ev: Event) -> None:
        ws = self.watchers.get(ev.rt.key)
        if not ws:
            return
        payload = Payload(ev.obj)
        for w in list(ws):
            t = w.translate(ev)
            if t is None:
                continue
            if w.queue.qsize() > self.MAX_QUEUE:
                # A client this far behind is cut off, as the apiserver does with slow watchers.
                self.remove(w)
                w.queue.put_nowait(("CLOSE", None))
                continue
            w.queue.put_nowait((t, payload))

    def count(self) -> int:
        return sum(len(s) for s in self.watchers.values())


class ContinueCache:
    """Snapshots behind continue tokens, so every page of a list is served at the first page's RV."""

    def __init__(self, ttl: float = 300.0, max_entries: int = 64):
        self.ttl = ttl
        self.max_entries = max_entries
        self._snaps: dict[str, tuple[float, int, list[dict[str, Any]]]] = {}

    def put(self, rv: int, items: list[dict[str, Any]]) -> str:
        self._expire()
        sid = base64.urlsafe_b64encode(random.randbytes(9)).decode()
        self._snaps[sid] = (time.monotonic(), rv, items)
        while len(self._snaps) > self.max_entries:
            self._snaps.pop(next(iter(self._snaps)))
        return sid

    def get(self, sid: str) -> tuple[int, list[dict[str, Any]]] | None:
        self._expire()
        snap = self._snaps.get(sid)
        return None if snap is None else (snap[1], snap[2])

    def _expire(self) -> None:
        now = time.monotonic()
        for sid in [s for s, v in self._snaps.items() if now - v[0] > self.ttl]:
            del self._snaps[sid]


def _encode_continue(sid: str, rv: int, offset: int) -> str:
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": rv, "sid": sid, "start": offset})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
        if not isinstance(data, dict) or "sid" not in data:
            raise ValueError
        return data
    except (ValueError, orjson.JSONDecodeError):
        raise E.bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)") from None


_CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of the "
    "results. Continuing with the provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may show up in the list."
)


class Route:
    __slots__ = ("rt", "namespace", "name", "sub")

    def __init__(self, rt: R.ResourceType, namespace: str | None, name: str | None, sub: str | None):
        self.rt = rt
        self.namespace = namespace
        self.name = name
        self.sub = sub


# What another module serves for one subresource (pods/log, pods/exec, ...): the request and its route in.
SubresourceHandler = Callable[[web.Request, Route], Awaitable[web.StreamResponse]]


def parse_path(path: str) -> Route | None | E.ApiError:
    parts = [p for p in path.split("/") if p]
    if not parts:
        return None
    if parts[0] == "api":
        if len(parts) < 3 or parts[1] != "v1":
            return None
        group, version, rest = "", "v1", parts[2:]
    elif parts[0] == "apis":
        if len(parts) < 4:
            return None
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3 and R.lookup(group, version, rest[2]) is not None:
        namespace = rest[1]
        rest = rest[2:]
    rt = R.lookup(group, version, rest[0])
    if rt is None:
        return None
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if len(rest) > 3:
        return None
    if namespace is not None and not rt.namespaced:
        return None
    if rt.namespaced and namespace is None and name is not None:
        return None
    if sub is not None and rt.subresource(sub) is None:
        return None
    return Route(rt, namespace, name, sub)


class ApiServer:
    def __init__(self, api: Api, *, bookmark_interval: float = 60.0, server_address: str = "127.0.0.1:6443",
                 watch_timeout: float | None = None):
        self.api = api
        # kube-apiserver's --min-request-timeout (1800 s by default): a watch without timeoutSeconds ends
        # after a random time in [S, 2S).
        self.min_request_timeout = watch_timeout if watch_timeout is not None else 1800.0
        # The front door (frontdoor.FrontDoor) when the sim authenticates requests; None lets all in.
        self.frontdoor: Any = None
        self.store = api.store
        self.hub = WatchHub(api.store)
        self.continues = ContinueCache()
        self.bookmark_interval = bookmark_interval
        self.server_address = server_address
        self.request_count = 0
        # subresource handlers added by other modules: (plural, sub) -> handler(request, route)
        self.subresource_handlers: dict[tuple[str, str], SubresourceHandler] = {}
        # Test hook standing in for RBAC: (verb, plural, namespace or None for cluster scope) tuples
        # answered with the apiserver's 403, e.g. {("list", "endpointslices", None)}; subresources as
        # "pods/portforward" (exec, attach and portforward with verb "create").
        self.forbid: set[tuple[str, str, str | None]] = set()
        # Test hook standing in for a validating admission webhook (Gatekeeper, Kyverno...): (verb,
        # plural, namespace) → (webhook name, message). The message is the webhook's own text, which
        # the apiserver passes on verbatim: whatever a policy author wrote, markup and escapes included.
        self.deny: dict[tuple[str, str, str | None], tuple[str, str]] = {}
        self.authorizer = rbac.Authorizer(api.store)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    # ---- entry ----
    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        self.request_count += 1
        who = ADMIN if self.frontdoor is None else self.frontdoor.identify(request)
        if who is None:
            return unauthorized()
        try:
            if "Impersonate-User" in request.headers or "Impersonate-Group" in request.headers:
                who = impersonation.apply(self.authorizer, who, request.headers)
            if not rbac.is_privileged(who):
                self._authorize(who, request)
            rbac_escalation.REQUESTER.set(who)
            return await self._dispatch(request, who)
        except E.ApiError as err:
            return _error_response(err)
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as exc:  # a bug in the sim must not kill the server: report it as a 500
            log.exception("internal error on %s %s", request.method, request.path)
            return _error_response(E.ApiError(500, "InternalError", f"Internal error occurred: {exc}"))

    async def _dispatch(self, request: web.Request, who: Identity = ADMIN) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        method = request.method
        if method == "GET":
            static = self._static(path, request)
            if static is not None:
                return static
        route = parse_path(path)
        if isinstance(route, E.ApiError):
            raise route
        if route is None:
            return _json_response(E.ApiError(404, "NotFound", "the server could not find the requested resource", {}).status(), 404)
        if self.forbid:
            self._check_forbidden(method, route, request.query, who.user)
        if self.deny and method in ("POST", "PUT", "PATCH", "DELETE"):
            self._check_denied(method, route)
        if route.rt in R.REVIEWS:
            if method != "POST" or route.name is not None:
                raise E.method_not_allowed()
            body = await self._body(request)
            if isinstance(body, dict):
                # A review's status is the server's to fill; protobuf clients send an empty one.
                body.pop("status", None)
                decode.enforce(route.rt, body, request.query.get("fieldValidation"))
            return _json_response(reviews.answer(route.rt, self.authorizer, who, body), status=201)
        if route.sub is not None:
            handler = self.subresource_handlers.get((route.rt.plural, route.sub))
            if handler is not None:
                return await handler(request, route)
        wants = Wants(request.headers.get("Accept"))
        q = request.query
        if route.name is None:
            if method == "GET":
                if _bool(q.get("watch")):
                    return await self.watch(request, route, wants)
                return await self.list(request, route, q, wants)
            if method == "POST":
                return await self.create(request, route)
            if method == "DELETE":
                return await self.delete_collection(request, route)
            raise E.method_not_allowed()
        if route.sub in ("scale",):
            return await self.scale(request, route)
        if route.sub in ("log", "exec", "attach", "portforward", "eviction", "binding", "proxy", "finalize"):
            if route.sub == "eviction" and method == "POST":
                return await self.evict(request, route)
            raise E.ApiError(501, "NotImplemented", f"{route.rt.plural}/{route.sub} is not served by the simulated cluster yet")
        if method == "GET":
            return self.get(route, q, wants)
        if method == "PUT":
            return await self.update(request, route)
        if method == "PATCH":
            return await self.patch(request, route)
        if method == "DELETE" and route.sub is None:
            return await self.delete(request, route)
        raise E.method_not_allowed()

    def _authorize(self, who: Identity, request: web.Request) -> None:
        attrs = requestinfo.attributes(request.method, request.path, request.query)
        decision = self.authorizer.authorize(who, attrs)
        if not decision.allowed:
            raise E.ApiError(403, "Forbidden", rbac.forbidden_message(who, attrs, decision.reason),
                             rbac.forbidden_details(attrs))

    def _check_forbidden(self, method: str, route: Route, q: Any, user: str = "svctui-sim") -> None:
        named = route.name is not None
        verb = {"GET": "get" if named else ("watch" if _bool(q.get("watch")) else "list"), "POST": "create",
                "PUT": "update", "PATCH": "patch", "DELETE": "delete" if named else "deletecollection"}.get(method, method.lower())
        rt = route.rt
        resource = rt.plural + (f"/{route.sub}" if route.sub else "")
        if route.sub in ("exec", "attach", "portforward"):
            # Since 1.31 a websocket GET on these is authorized as `create` (AuthorizePodWebsocketUpgradeCreatePermission).
            verb = "create"
        # Subresources are authorized separately: ("create", "pods/portforward", ns) forbids only port-forward.
        if (verb, resource, route.namespace) not in self.forbid:
            return
        what = f'{rt.qualified} "{route.name}"' if named else rt.qualified
        scope = f'in the namespace "{route.namespace}"' if route.namespace else "at the cluster scope"
        details: dict[str, Any] = {"name": route.name} if named else {}
        if rt.group:
            details["group"] = rt.group
        details["kind"] = rt.plural
        raise E.ApiError(403, "Forbidden", f'{what} is forbidden: User "{user}" cannot {verb} resource '
                                           f'"{resource}" in API group "{rt.group}" {scope}', details)

    def _check_denied(self, method: str, route: Route) -> None:
        verb = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[method]
        hit = self.deny.get((verb, route.rt.plural, route.namespace))
        if hit is None or route.sub is not None:
            return
        webhook, message = hit
        # The apiserver's wording for a webhook's denial (admission/plugin/webhook/errors.ToStatusErr),
        # with the code the webhook chose: policy engines answer 403.
        raise E.ApiError(403, "Forbidden", f'admission webhook "{webhook}" denied the request: {message}', {})

    def _static(self, path: str, request: web.Request) -> web.Response | None:
        if path == "/version":
            return _json_response(discovery.KUBE_VERSION)
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok", content_type="text/plain")
        if path == "/api":
            return _json_response(discovery.api_versions(self.server_address))
        if path == "/apis":
            return _json_response(discovery.api_group_list())
        if path == "/api/v1":
            return _json_response(discovery.resource_list("", "v1"))
        if path == "/openapi/v3":
            return _json_response(openapi.index())
        if path.startswith("/openapi/v3/"):
            gv = path[len("/openapi/v3/"):].split("/")
            doc = None
            if len(gv) == 2 and gv[0] == "api":
                doc = openapi.document("", gv[1])
            elif len(gv) == 3 and gv[0] == "apis":
                doc = openapi.document(gv[1], gv[2])
            if doc is None:
                return web.Response(status=404, text="404 page not found\n", content_type="text/plain")
            return _json_response(doc, headers={"Cache-Control": "public, immutable"})
        if path == "/openapi/v2":
            return web.Response(status=404, text="404 page not found\n", content_type="text/plain")
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "apis":
            g = discovery.api_group(parts[1])
            return _json_response(g) if g else None
        if len(parts) == 3 and parts[0] == "apis":
            rl = discovery.resource_list(parts[1], parts[2])
            return _json_response(rl) if rl else None
        return None

    # ---- reading ----
    def _selectors(self, route: Route, q: Any) -> tuple[LabelSelector, FieldSelector]:
        labels = parse_label_selector(q.get("labelSelector"))
        fields = parse_field_selector(q.get("fieldSelector"), route.rt.plural, route.rt.kind)
        return labels, fields

    def _select(self, route: Route, labels: LabelSelector, fields: FieldSelector) -> list[dict[str, Any]]:
        rt = route.rt
        name = fields.name()
        if name is not None:
            if route.namespace or not rt.namespaced:
                one = self.store.get(rt, route.namespace, name)
                candidates = [one] if one is not None else []
            else:
                candidates = [o for o in self.store.list(rt) if o["metadata"]["name"] == name]
        elif route.namespace and labels.equality_pairs():
            candidates = self.store.by_labels(rt, route.namespace, labels.equality_pairs()) or []
        else:
            candidates = self.store.list(rt, route.namespace)
        if labels.is_empty() and not fields.reqs:
            out = list(candidates)
        else:
            out = [o for o in candidates if labels.matches(o["metadata"].get("labels")) and fields.matches(o)]
        out.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        return out

    def _check_list_options(self, q: Any, watch: bool) -> None:
        rv = q.get("resourceVersion")
        match = q.get("resourceVersionMatch")
        cont = q.get("continue")
        causes = []
        if match:
            if match not in ("NotOlderThan", "Exact"):
                causes.append(("resourceVersionMatch", f'Unsupported value: "{match}": supported values: "Exact", "NotOlderThan"'))
            elif not rv and not (watch and _bool(q.get("sendInitialEvents"))):
                causes.append(("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"))
            elif cont:
                causes.append(("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden when continue is provided"))
            elif match == "Exact" and rv == "0":
                causes.append(("resourceVersionMatch", 'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
        if watch and _bool(q.get("sendInitialEvents")):
            if match != "NotOlderThan":
                causes.append(("resourceVersionMatch", "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
            if not _bool(q.get("allowWatchBookmarks")):
                causes.append(("allowWatchBookmarks", "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true"))
        elif q.get("sendInitialEvents") is not None and not watch:
            causes.append(("sendInitialEvents", "Forbidden: sendInitialEvents is forbidden for list"))
        if rv and rv != "0":
            try:
                int(rv)
            except ValueError:
                raise E.bad_request(f"invalid resource version: {rv}") from None
        if causes:
            msg = "ListOptions.meta.k8s.io \"\" is invalid: " + (
                f"{causes[0][0]}: {causes[0][1]}" if len(causes) == 1 else "[" + ", ".join(f"{c}: {m}" for c, m in causes) + "]")
            raise E.ApiError(422, "Invalid", msg, {"group": "meta.k8s.io", "kind": "ListOptions",
                                                   "causes": [{"reason": "FieldValueForbidden", "message": m, "field": c} for c, m in causes]})

    async def list(self, request: web.Request, route: Route, q: Any, wants: Wants) -> web.StreamResponse:
        if not wants.acceptable:
            raise E.ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json, application/yaml")
        self._check_list_options(q, watch=False)
        rt = route.rt
        limit = int(q.get("limit") or 0)
        cont = q.get("continue")
        if cont:
            if q.get("resourceVersion") not in (None, "", "0"):
                raise E.bad_request("specifying resource version is not allowed when using continue")
            token = _decode_continue(cont)
            snap = self.continues.get(token["sid"])
            if snap is None:
                raise E.expired(_CONTINUE_EXPIRED)
            list_rv, items = snap
            start = int(token.get("start", 0))
            sid = token["sid"]
        else:
            rv = q.get("resourceVersion")
            if rv and rv != "0" and q.get("resourceVersionMatch") == "Exact" and int(rv) < self.store.compacted:
                raise E.expired(f"too old resource version: {rv} ({self.store.compacted + 1})")
            labels, fields = self._selectors(route, q)
            items = self._select(route, labels, fields)
            list_rv = self.store.rv
            start = 0
            sid = ""
        page = items[start:start + limit] if limit > 0 else items[start:]
        next_token = None
        remaining = None
        if limit > 0 and start + limit < len(items):
            if not sid:
                sid = self.continues.put(list_rv, items)
            next_token = _encode_continue(sid, list_rv, start + limit)
            remaining = len(items) - start - limit
        if wants.table:
            body = tables.table(rt, page, self.api.clock, include=q.get("includeObject", "Metadata"),
                                rv=str(list_rv), cont=next_token, remaining=remaining)
            if wants.table_version != "v1":
                body["apiVersion"] = "meta.k8s.io/v1beta1"
            return _json_response(body)
        meta: dict[str, Any] = {"resourceVersion": str(list_rv)}
        if next_token:
            meta["continue"] = next_token
            meta["remainingItemCount"] = remaining
        body = {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta, "items": page}
        if len(page) <= LIST_CHUNK:
            return _json_response(body)
        return await self._stream_list(request, body)

    async def _stream_list(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        """Send a big list in chunks: serialising 100k pods at once would hold the event loop (and every
        watch) for seconds and a second copy of the body in memory. The page is a snapshot of stored
        objects, which are never mutated, so serialising it across awaits is consistent."""
        items = body.pop("items")
        resp = web.StreamResponse(status=200, headers={"Content-Type": JSON})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        await resp.write(orjson.dumps(body)[:-1] + b',"items":[')
        for i in range(0, len(items), LIST_CHUNK):
            chunk = orjson.dumps(items[i:i + LIST_CHUNK])[1:-1]
            await resp.write(chunk if i == 0 else b"," + chunk)
            # write() only yields when the client falls behind; let watches and writes in between chunks.
            await asyncio.sleep(0)
        await resp.write(b"]}")
        await resp.write_eof()
        return resp

    def get(self, route: Route, q: Any, wants: Wants) -> web.Response:
        rt = route.rt
        obj = self.api.require(rt, route.namespace, route.name or "")
        if route.sub == "status" or route.sub == "ephemeralcontainers" or route.sub is None:
            if wants.table:
                return _json_response(tables.table(rt, [obj], self.api.clock, include=q.get("includeObject", "Metadata"),
                                                   rv=obj["metadata"]["resourceVersion"]))
            return _json_response(obj)
        raise E.method_not_allowed()

    # ---- watch ----
    async def watch(self, request: web.Request, route: Route, wants: Wants) -> web.StreamResponse:
        q = request.query
        self._check_list_options(q, watch=True)
        rt = route.rt
        labels, fields = self._selectors(route, q)
        w = Watcher(rt, route.namespace, labels, fields)
        rv_param = q.get("resourceVersion")
        initial = _bool(q.get("sendInitialEvents"))
        bookmarks = _bool(q.get("allowWatchBookmarks"))
        timeout = q.get("timeoutSeconds")
        try:
            duration = float(timeout) if timeout else 0.0
        except ValueError:
            raise E.bad_request(f"invalid timeoutSeconds: {timeout}") from None
        if duration <= 0:
            # timeoutSeconds absent or 0: the apiserver's minRequestTimeout * (1 + rand) rule.
            duration = self.min_request_timeout * (1.0 + random.random())
        replay: list[tuple[str, Any]] = []
        error: E.ApiError | None = None
        if not rv_param or rv_param == "0" or initial:
            for obj in self._select(route, labels, fields):
                replay.append((ADDED, Payload(obj)))
            if initial:
                replay.append(("BOOKMARK", ("initial-end", self.store.rv)))
        else:
            try:
                since = int(rv_param)
            except ValueError:
                raise E.bad_request(f"invalid resource version: {rv_param}") from None
            # An RV the store has not reached (a client of a cluster restored from backup, or
            # recreated, on the same address): the watch cache waits up to 3 s for it, then fails.
            waited = time.monotonic() + TOO_LARGE_WAIT
            while since > self.store.rv and time.monotonic() < waited:
                await asyncio.sleep(0.05)
            if since > self.store.rv:
                error = E.too_large_rv(since, self.store.rv)
            else:
                try:
                    for ev in self.store.history_since(rt, since):
                        t = w.translate(ev)
                        if t is not None:
                            replay.append((t, Payload(ev.obj)))
                except Compacted as c:
                    error = E.expired(str(c))
        # Register before the first await so no event slips between replay and live.
        if error is None:
            self.hub.add(w)
        resp = web.StreamResponse(status=200, headers={"Content-Type": JSON, "Cache-Control": "no-cache, private"})
        resp.enable_chunked_encoding()
        deadline = time.monotonic() + duration
        first_table = [True]
        try:
            await resp.prepare(request)
            if error is not None:
                await resp.write(orjson.dumps({"type": "ERROR", "object": error.status()}) + b"\n")
                return resp
            for item in replay:
                await self._write_event(resp, rt, item, wants, q, first_table)
            next_bookmark = time.monotonic() + self.bookmark_interval
            while True:
                now = time.monotonic()
                if now >= deadline:
                    break
                if not w.queue.empty():
                    item = w.queue.get_nowait()
                elif bookmarks and now >= next_bookmark:
                    # A bookmark at RV B promises every change up to B was sent, so only with nothing
                    # queued, and B read in the same step (no await between): anything queued later
                    # is newer. One sent on a timeout could pass events queued while wait_for
                    # cancelled its get (with a timeout of 0, always), and the client saw the RV go
                    # backwards.
                    await self._write_event(resp, rt, ("BOOKMARK", ("", self.store.rv)), wants, q, first_table)
                    next_bookmark = time.monotonic() + self.bookmark_interval
                    continue
                else:
                    wait = deadline - now
                    if bookmarks:
                        wait = min(wait, next_bookmark - now)
                    try:
                        item = await asyncio.wait_for(w.queue.get(), timeout=wait)
                    except TimeoutError:
                        continue
                if item[0] == "CLOSE":
                    break
                await self._write_event(resp, rt, item, wants, q, first_table)
                # Drain what is already queued without waking up per event.
                while not w.queue.empty():
                    item = w.queue.get_nowait()
                    if item[0] == "CLOSE":
                        return resp
                    await self._write_event(resp, rt, item, wants, q, first_table)
        except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.hub.remove(w)
        try:
            await resp.write_eof()
        except (ConnectionResetError, ConnectionError, RuntimeError):
            pass
        return resp

    async def _write_event(self, resp: web.StreamResponse, rt: R.ResourceType, item: tuple[str, Any], wants: Wants,
                           q: Any, first_table: builtins.list[bool]) -> None:
        etype, payload = item
        if etype == "BOOKMARK":
            kind, rv = payload
            md: dict[str, Any] = {"resourceVersion": str(rv)}
            if kind == "initial-end":
                md["annotations"] = {"k8s.io/initial-events-end": "true"}
            line = orjson.dumps({"type": "BOOKMARK", "object": {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": md}})
        elif wants.table:
            t = tables.table(rt, [payload.obj], self.api.clock, include=q.get("includeObject", "Metadata"),
                             columns=first_table[0], rv=payload.obj["metadata"].get("resourceVersion"))
            first_table[0] = False
            line = orjson.dumps({"type": etype, "object": t})
        else:
            line = b'{"type":"' + etype.encode() + b'","object":' + payload.json() + b"}"
        await resp.write(line + b"\n")

    # ---- writing ----
    async def _body(self, request: web.Request) -> Any:
        raw = await request.read()
        ctype = request.headers.get("Content-Type", JSON).split(";")[0].strip()
        if not raw:
            return None
        try:
            if protobuf.is_protobuf(ctype):
                return protobuf.decode(raw)
            if ctype in ("application/yaml", "application/x-yaml", "text/yaml"):
                return yaml.safe_load(raw)
            return orjson.loads(raw)
        except (orjson.JSONDecodeError, yaml.YAMLError, protobuf.ProtobufError) as exc:
            raise E.bad_request(f"the object provided is unrecognized (must be of type {ctype}): {exc}") from None

    def _dry_run(self, q: Any) -> bool:
        values = q.getall("dryRun", [])
        for v in values:
            if v != "All":
                raise E.bad_request(f'dryRun: Unsupported value: "{v}": supported values: "All"')
        return bool(values)

    def _created(self, obj: dict[str, Any], warnings: builtins.list[str], status: int) -> web.Response:
        # A warn-text is an HTTP quoted-string: clients drop a warning whose inner quotes are not escaped.
        headers = {"Warning": ", ".join('299 - "' + w.replace("\\", "\\\\").replace('"', '\\"') + '"' for w in warnings)} if warnings else None
        return _json_response(obj, status=status, headers=headers)

    async def create(self, request: web.Request, route: Route) -> web.Response:
        body = await self._body(request)
        if not isinstance(body, dict):
            raise E.bad_request("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")
        if body.get("kind") not in (None, route.rt.kind) or body.get("apiVersion") not in (None, route.rt.api_version):
            raise E.bad_request(f"the API version in the data ({body.get('apiVersion')}) does not match the expected API version ({route.rt.api_version})"
                                if body.get("apiVersion") not in (None, route.rt.api_version)
                                else f"the kind in the data ({body.get('kind')}) does not match the expected kind ({route.rt.kind})")
        warnings = decode.enforce(route.rt, body, request.query.get("fieldValidation"))
        obj = self.api.create(route.rt, route.namespace, body, dry_run=self._dry_run(request.query))
        return self._created(obj, warnings, 201)

    async def update(self, request: web.Request, route: Route) -> web.Response:
        body = await self._body(request)
        if not isinstance(body, dict):
            raise E.bad_request("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")
        warnings = decode.enforce(route.rt, body, request.query.get("fieldValidation"))
        obj = self.api.update(route.rt, route.namespace, route.name or "", body, subresource=route.sub,
                              dry_run=self._dry_run(request.query))
        return self._created(obj, warnings, 200)

    async def patch(self, request: web.Request, route: Route) -> web.Response:
        raw = await request.read()
        ctype = request.headers.get("Content-Type", "")
        obj, warnings = self.api.patch(route.rt, route.namespace, route.name or "", ctype, raw, subresource=route.sub,
                                       dry_run=self._dry_run(request.query),
                                       field_validation=request.query.get("fieldValidation"))
        return self._created(obj, warnings, 200)

    async def _delete_options(self, request: web.Request) -> DeleteOptions:
        body = await self._body(request) or {}
        q = request.query
        grace = body.get("gracePeriodSeconds")
        if q.get("gracePeriodSeconds") is not None:
            try:
                grace = int(q["gracePeriodSeconds"])
            except ValueError:
                raise E.bad_request(f"invalid gracePeriodSeconds: {q['gracePeriodSeconds']}") from None
        propagation = q.get("propagationPolicy") or body.get("propagationPolicy")
        if body.get("orphanDependents") is True and not propagation:
            propagation = "Orphan"
        if propagation and propagation not in ("Orphan", "Background", "Foreground"):
            raise E.ApiError(422, "Invalid", f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "{propagation}": supported values: "Foreground", "Background", "Orphan", "nil"')
        dry = self._dry_run(q) or body.get("dryRun") == ["All"]
        return DeleteOptions(grace=grace, propagation=propagation, preconditions=body.get("preconditions"), dry_run=dry)

    async def delete(self, request: web.Request, route: Route) -> web.Response:
        opts = await self._delete_options(request)
        obj = self.api.delete(route.rt, route.namespace, route.name or "", opts)
        return _json_response(obj, status=200)

    async def delete_collection(self, request: web.Request, route: Route) -> web.Response:
        q = request.query
        opts = await self._delete_options(request)
        labels, fields = self._selectors(route, q)
        for obj in self._select(route, labels, fields):
            try:
                self.api.delete(route.rt, obj["metadata"].get("namespace"), obj["metadata"]["name"], opts)
            except E.ApiError as err:
                if err.code != 404:
                    raise
        return _json_response({"kind": route.rt.list_kind, "apiVersion": route.rt.api_version,
                               "metadata": {"resourceVersion": str(self.store.rv)}, "items": []})

    # ---- subresources ----
    async def scale(self, request: web.Request, route: Route) -> web.Response:
        rt = route.rt
        obj = self.api.require(rt, route.namespace, route.name or "")
        if request.method == "GET":
            return _json_response(read_scale(rt, obj))
        if request.method == "PUT":
            body = await self._body(request) or {}
            new = write_scale(self.api, rt, obj, body)
            return _json_response(read_scale(rt, new))
        if request.method == "PATCH":
            raw = await request.read()
            scale = apply_patch(rt, read_scale(rt, obj), request.headers.get("Content-Type", ""), raw)
            new = write_scale(self.api, rt, obj, scale)
            return _json_response(read_scale(rt, new))
        raise E.method_not_allowed()

    async def evict(self, request: web.Request, route: Route) -> web.Response:
        body = await self._body(request) or {}
        opts = body.get("deleteOptions") or {}
        self.api.delete(route.rt, route.namespace, route.name or "",
                        DeleteOptions(grace=opts.get("gracePeriodSeconds"), propagation=opts.get("propagationPolicy")))
        return _json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}, 201)
