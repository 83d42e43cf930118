"""The pods/log and pods/binding subresources.

Logs come from the simulated kubelet (controllers/kubelet.py), which keeps what each container printed; the
apiserver's own checks (which container, option values) are made here first, with its messages.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from . import errors as E
from . import resources as R
from .kinds.pods import bind

if TYPE_CHECKING:
    from .cluster import Cluster
    from .server import Route, SubresourceHandler


def validate_container(pod: dict[str, Any], requested: str) -> str:
    """ValidateContainer from pkg/registry/core/pod/strategy.go."""
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or []]
    init = [c["name"] for c in spec.get("initContainers") or []]
    ephemeral = [c["name"] for c in spec.get("ephemeralContainers") or []]
    if not requested:
        if len(names) == 1:
            return names[0]
        if not names:
            raise E.bad_request(f"a container name must be specified for pod {name}")
        msg = f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
        if init:
            msg += f" or one of the init containers: [{' '.join(init)}]"
        if ephemeral:
            msg += f" or one of the ephemeral containers: [{' '.join(ephemeral)}]"
        raise E.bad_request(msg)
    if requested not in names + init + ephemeral:
        raise E.bad_request(f"container {requested} is not valid for pod {name}")
    return requested


def _int_param(q: Any, key: str, minimum: int) -> int | None:
    raw = q.get(key)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise E.bad_request(f'{key}: Invalid value: "{raw}": must be an integer') from None
    if value < minimum:
        limit = "greater than 0" if minimum == 1 else "greater than or equal to 0"
        raise E.ApiError(422, "Invalid", f'PodLogOptions "" is invalid: {key}: Invalid value: {value}: must be {limit}',
                         {"kind": "PodLogOptions", "causes": [{"reason": "FieldValueInvalid", "field": key,
                                                                "message": f"Invalid value: {value}: must be {limit}"}]})
    return value


def _stamp(t: float) -> str:
    """RFC3339Nano as Go prints it (trailing zeros of the fraction dropped)."""
    dt = datetime.fromtimestamp(t, UTC)
    frac = f"{dt.microsecond:06d}000".rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def _render(lines: list[tuple[float, str]], timestamps: bool) -> bytes:
    return "".join(f"{_stamp(t)} {line}\n" if timestamps else f"{line}\n" for t, line in lines).encode()


def log_handler(cluster: Cluster) -> SubresourceHandler:
    api = cluster.api

    async def handle(request: web.Request, route: Route) -> web.StreamResponse:
        if request.method != "GET":
            raise E.method_not_allowed()
        pod = api.require(R.PODS, route.namespace, route.name or "")
        q = request.query
        container = validate_container(pod, q.get("container", ""))
        tail = _int_param(q, "tailLines", 0)
        since = _int_param(q, "sinceSeconds", 1)
        limit = _int_param(q, "limitBytes", 1)
        if since is not None and q.get("sinceTime"):
            raise E.bad_request("at most one of `sinceTime` or `sinceSeconds` may be specified")
        previous = _flag(q.get("previous"))
        timestamps = _flag(q.get("timestamps"))
        follow = _flag(q.get("follow")) and not previous
        if container in [c["name"] for c in pod["spec"].get("initContainers") or []]:
            return web.Response(body=b"", content_type="text/plain")
        kubelet = api.parts.kubelet
        if kubelet is None:
            raise E.bad_request(f'container "{container}" in pod "{pod["metadata"]["name"]}" is waiting to start: ContainerCreating')
        result = kubelet.container_logs(pod, container, previous)
        if isinstance(result, str):
            raise E.bad_request(result)
        lines, alive = result
        if since is not None:
            cutoff = api.clock.now() - since
            lines = [entry for entry in lines if entry[0] >= cutoff]
        if tail is not None:
            lines = lines[-tail:] if tail else []
        body = _render(lines, timestamps)
        if limit is not None:
            body = body[:limit]
        if not (follow and alive):
            return web.Response(body=body, content_type="text/plain")
        resp = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
        await resp.prepare(request)
        sent = len(body)
        source = result[0]
        printed = len(source)
        try:
            await resp.write(body)
            while alive and (limit is None or sent < limit):
                waiter = kubelet.log_waiter(pod)
                if waiter is None:
                    break
                await waiter.wait()
                again = kubelet.container_logs(pod, container, False)
                if isinstance(again, str) or again[0] is not source:
                    # The container stopped and was replaced (or the pod is gone): a real follow ends here too.
                    break
                new, alive = again[0][printed:], again[1]
                printed += len(new)
                chunk = _render(new, timestamps)
                if limit is not None:
                    chunk = chunk[:limit - sent]
                sent += len(chunk)
                if chunk:
                    await resp.write(chunk)
        except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
            return resp
        await resp.write_eof()
        return resp

    return handle


def _flag(value: str | None) -> bool:
    return value is not None and value.lower() not in ("", "0", "false")


def binding_handler(cluster: Cluster) -> SubresourceHandler:
    api = cluster.api

    async def handle(request: web.Request, route: Route) -> web.Response:
        if request.method != "POST":
            raise E.method_not_allowed()
        try:
            body = orjson.loads(await request.read() or b"{}")
        except orjson.JSONDecodeError as exc:
            raise E.bad_request(f"the object provided is unrecognized (must be of type Binding): {exc}") from None
        target = (body or {}).get("target") or {}
        if target.get("kind") not in (None, "", "Node"):
            raise E.ApiError(422, "Invalid", f'Binding "{route.name}" is invalid: target.kind: Invalid value: '
                             f'"{target.get("kind")}": must be empty or \'Node\'', {"name": route.name, "kind": "Binding"})
        if not target.get("name"):
            raise E.ApiError(422, "Invalid", f'Binding "{route.name}" is invalid: target.name: Required value',
                             {"name": route.name, "kind": "Binding"})
        pod = api.require(R.PODS, route.namespace, route.name or "")
        bind(api, pod, target["name"])
        return web.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
                                 status=201)

    return handle
