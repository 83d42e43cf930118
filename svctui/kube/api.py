"""Raw HTTP through the kubernetes_asyncio ApiClient: its config, auth and TLS, none of its models.

`call_api(..., _preload_content=False)` hands back the aiohttp response, so bodies are read as bytes
and parsed with orjson, and watch streams are split into lines here rather than by the client's
`Watch` (which retries a 410 with the stale RV and fails on lines over ~4 MiB).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from kubernetes_asyncio.client import ApiClient

from svctui.model.store import DEPLOYMENT, ENDPOINTSLICE, POD, REPLICASET, SERVICE, STATEFULSET


@dataclass(frozen=True, slots=True)
class Resource:
    kind: str  # the model's kind name
    plural: str
    prefix: str  # "/api/v1" or "/apis/<group>/<version>"

    def path(self, namespace: str | None) -> str:
        if namespace is None:
            return f"{self.prefix}/{self.plural}"
        return f"{self.prefix}/namespaces/{namespace}/{self.plural}"


SERVICES = Resource(SERVICE, "services", "/api/v1")
ENDPOINTSLICES = Resource(ENDPOINTSLICE, "endpointslices", "/apis/discovery.k8s.io/v1")
PODS = Resource(POD, "pods", "/api/v1")
# The workloads pods belong to: their spec.replicas is what a Service is meant to have (model/intent.py).
DEPLOYMENTS = Resource(DEPLOYMENT, "deployments", "/apis/apps/v1")
REPLICASETS = Resource(REPLICASET, "replicasets", "/apis/apps/v1")
STATEFULSETS = Resource(STATEFULSET, "statefulsets", "/apis/apps/v1")
WORKLOADS = (DEPLOYMENTS, REPLICASETS, STATEFULSETS)
# What snapshots (svctui doctor) list; the TUI watches WATCHED.
RESOURCES = (SERVICES, ENDPOINTSLICES, PODS)
WATCHED = RESOURCES + WORKLOADS


class ApiError(Exception):
    """A non-2xx answer (or a watch ERROR event), carrying the Status message for the user."""

    def __init__(self, code: int, reason: str, message: str):
        super().__init__(message or f"HTTP {code} {reason}")
        self.code = code
        self.reason = reason
        self.message = message or f"HTTP {code} {reason}"

    @classmethod
    def from_status(cls, status: Any, http_code: int = 0, http_reason: str = "") -> ApiError:
        st = status if isinstance(status, dict) else {}
        code = st.get("code")
        code = code if isinstance(code, int) else http_code
        return cls(code, str(st.get("reason") or http_reason or ""), str(st.get("message") or ""))

    @property
    def expired(self) -> bool:
        # client-go's rule: reason Expired or code 410 (Gone) both mean "re-list".
        return self.code == 410 or self.reason in ("Expired", "Gone")

    @property
    def forbidden(self) -> bool:
        return self.code == 403

    @property
    def transient(self) -> bool:
        """Worth retrying soon: overload, throttling, server errors, request timeouts."""
        return self.code in (0, 408, 429) or self.code >= 500


def _timeout(read: float | None, connect: float = 10.0) -> aiohttp.ClientTimeout:
    # No `total`: a watch is meant to be open for minutes. `sock_read` catches a half-open connection.
    return aiohttp.ClientTimeout(total=None, connect=connect, sock_connect=connect, sock_read=read)


async def _request(api: ApiClient, path: str, query: list[tuple[str, str]], read_timeout: float | None,
                   ) -> aiohttp.ClientResponse:
    resp = await api.call_api(
        path, "GET", query_params=query, header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"], _preload_content=False, _request_timeout=_timeout(read_timeout),
    )
    if resp.status >= 300:
        try:
            body = await resp.read()
        finally:
            resp.release()
        try:
            status = orjson.loads(body)
        except orjson.JSONDecodeError:
            status = {"message": body[:200].decode("utf-8", "replace").strip()}
        raise ApiError.from_status(status, resp.status, resp.reason or "")
    return resp


async def get_bytes(api: ApiClient, path: str, query: list[tuple[str, str]], read_timeout: float = 60.0) -> bytes:
    resp = await _request(api, path, query, read_timeout)
    try:
        return await resp.read()
    finally:
        resp.release()


async def get_json(api: ApiClient, path: str, query: list[tuple[str, str]], read_timeout: float = 60.0) -> Any:
    return orjson.loads(await get_bytes(api, path, query, read_timeout))


async def open_watch(api: ApiClient, path: str, query: list[tuple[str, str]], read_timeout: float,
                     ) -> aiohttp.ClientResponse:
    return await _request(api, path, query, read_timeout)


async def read_batches(resp: aiohttp.ClientResponse) -> AsyncIterator[list[bytes]]:
    """Complete lines of a watch body, grouped: each batch is everything already received.

    Waits for data once, then takes what else is buffered without waiting, so a burst that arrived
    together is handled (and handed to the UI) together. Lines of any length are fine.
    """
    content = resp.content
    pending: list[bytes] = []  # an unterminated line, in pieces (joined once, not per chunk)
    while True:
        chunk = await content.readany()
        if not chunk:
            break
        got = [chunk]
        while True:
            more = content.read_nowait()
            if not more:
                break
            got.append(more)
        if not any(b"\n" in g for g in got):
            pending.extend(got)
            continue
        data = b"".join(pending + got)
        lines = data.split(b"\n")
        tail = lines.pop()  # the unterminated rest (b"" when data ended on a newline)
        pending = [tail] if tail else []
        lines = [ln for ln in lines if ln.strip()]
        if lines:
            yield lines
    rest = b"".join(pending)
    if rest.strip():
        yield [rest]
