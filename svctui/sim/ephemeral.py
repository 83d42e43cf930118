"""The pods/ephemeralcontainers subresource (get, patch, update): takes and returns a whole Pod, of which
only spec.ephemeralContainers is read; containers can only be added, never changed or removed. The
kubelet starts new ones and reports status.ephemeralContainerStatuses (controllers/kubelet.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from . import errors as E
from . import resources as R
from .apiserver import deep_copy
from .kinds.pods import pull_policy
from .patch import apply_patch
from .strategy import DNS1123_LABEL, LABEL_MSG

if TYPE_CHECKING:
    from .cluster import Cluster
    from .server import Route, SubresourceHandler

_NOT_ALLOWED = ("ports", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "resources", "resizePolicy")


def _validate(pod: dict[str, Any], wanted: list[dict[str, Any]]) -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    old = {c["name"]: c for c in pod["spec"].get("ephemeralContainers") or []}
    names = {c["name"] for c in (pod["spec"].get("containers") or []) + (pod["spec"].get("initContainers") or [])}
    seen: set[str] = set()
    for i, c in enumerate(wanted):
        path = f"spec.ephemeralContainers[{i}]"
        name = c.get("name") or ""
        if name in old:
            if c != old[name]:
                errs.append(E.forbidden("spec.ephemeralContainers", f'existing ephemeral containers "{name}" may not be changed'))
            seen.add(name)
            continue
        if not name:
            errs.append(E.required(f"{path}.name"))
        elif not DNS1123_LABEL.match(name) or len(name) > 63:
            errs.append(E.invalid(f"{path}.name", name, LABEL_MSG))
        elif name in names or name in seen:
            errs.append(E.duplicate(f"{path}.name", name))
        seen.add(name)
        if not c.get("image"):
            errs.append(E.required(f"{path}.image"))
        for key in _NOT_ALLOWED:
            if c.get(key):
                errs.append(E.forbidden(f"{path}.{key}", "cannot be set for an Ephemeral Container"))
    for name in old:
        if name not in seen:
            errs.append(E.forbidden("spec.ephemeralContainers", f'existing ephemeral containers "{name}" may not be removed'))
    return errs


def _default(c: dict[str, Any]) -> None:
    c.setdefault("imagePullPolicy", pull_policy(c.get("image") or ""))
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if c.get("resources") is None:
        c["resources"] = {}


def handler(cluster: Cluster) -> SubresourceHandler:
    api = cluster.api

    async def handle(request: web.Request, route: Route) -> web.Response:
        pod = api.require(R.PODS, route.namespace, route.name or "")
        if request.method == "GET":
            return web.json_response(pod, dumps=lambda o: orjson.dumps(o).decode())
        raw = await request.read()
        if request.method == "PATCH":
            new = apply_patch(R.PODS, deep_copy(pod), request.headers.get("Content-Type", ""), raw)
        elif request.method == "PUT":
            try:
                new = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise E.bad_request(f"the object provided is unrecognized (must be of type Pod): {exc}") from None
            rv = ((new or {}).get("metadata") or {}).get("resourceVersion")
            if rv and rv != pod["metadata"]["resourceVersion"]:
                raise E.conflict(R.PODS, pod["metadata"]["name"])
        else:
            raise E.method_not_allowed()
        if not isinstance(new, dict):
            raise E.bad_request("the patch did not produce an object")
        wanted = [c for c in ((new.get("spec") or {}).get("ephemeralContainers") or []) if isinstance(c, dict)]
        for c in wanted:
            if c.get("name") not in {o["name"] for o in pod["spec"].get("ephemeralContainers") or []}:
                _default(c)
        errs = _validate(pod, wanted)
        if errs:
            raise E.invalid_error(R.PODS, pod["metadata"]["name"], errs)
        updated = deep_copy(pod)
        updated["spec"]["ephemeralContainers"] = wanted
        stored = api.write(R.PODS, updated)
        return web.json_response(stored, dumps=lambda o: orjson.dumps(o).decode())

    return handle


def register(cluster: Cluster) -> None:
    cluster.server.subresource_handlers[("pods", "ephemeralcontainers")] = handler(cluster)
