"""Raw HTTP through the kubernetes_asyncio ApiClient: its config, auth and TLS, none of its models.

`call_api(..., _preload_content=False)` hands back the aiohttp response, so bodies are read as bytes
and parsed with orjson, and watch streams are split into lines here rather than by the client's
`Watch` (which retries a 410 with the stale RV and fails on lines over ~4 MiB).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Mapping
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

    def __init__(self, code: int, reason: str, message: str, causes: tuple[str, ...] = ()):
        super().__init__(message or f"HTTP {code} {reason}")
        self.code = code
        self.reason = reason
        self.message = message or f"HTTP {code} {reason}"
        self.causes = causes  # details.causes[].reason

    @classmethod
    def from_status(cls, status: Any, http_code: int = 0, http_reason: str = "") -> ApiError:
        st = status if isinstance(status, dict) else {}
        raw_code, raw_details = st.get("code"), st.get("details")
        code = raw_code if isinstance(raw_code, int) else http_code
        details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
        causes = tuple(str(c.get("reason")) for c in details.get("causes") or () if isinstance(c, dict))
        return cls(code, str(st.get("reason") or http_reason or ""), str(st.get("message") or ""), causes)

    @property
    def too_large(self) -> bool:
        """Our RV is ahead of the server's: it lost history we saw (etcd restore, a recreated
        cluster) or it lags behind another apiserver. kube-apiserver's watch cache answers 504
        "Too large resource version" after waiting 3 s for the RV."""
        return "ResourceVersionTooLarge" in self.causes or (
            self.code == 504 and "too large resource version" in self.message.lower())

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
    # With _preload_content=False the (unannotated) client hands back aiohttp's response unread.
    resp: aiohttp.ClientResponse = await api.call_api(
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
            status = {"message": not_api_server(resp.status, resp.content_type, body)}
        raise response_error(api, status, resp.status, resp.reason or "")
    _keepalive(resp)
    return resp


def response_error(api: ApiClient, status: Any, http_code: int, http_reason: str) -> ApiError:
    """The ApiError for a non-2xx answer; a 401 names the context and user whose credential was refused
    (the client already retried once with a fresh one, transport.py)."""
    creds = getattr(api, "credentials", None)
    if http_code == 401 and creds is not None:
        return ApiError(401, "Unauthorized", creds.rejected_message())
    return ApiError.from_status(status, http_code, http_reason)


@dataclass(frozen=True, slots=True)
class Reply:
    """A whole answer, read: its connection is back in the pool."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes

    def json(self, excerpt: int = 300) -> Any:
        """The body as JSON (None when empty); a body that is not JSON becomes a Status-like
        {"message": its first `excerpt` bytes}, so an error from a proxy still reads as one line."""
        if not self.body:
            return None
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return {"message": self.body[:excerpt].decode("utf-8", "replace").strip()}


async def send(api: ApiClient, method: str, path: str, *, timeout: aiohttp.ClientTimeout,
               query: list[tuple[str, str]] | None = None, body: Any = None,
               content_type: str = "application/json") -> Reply:
    """One request through the ApiClient (its auth, TLS and credential refresh), the answer read whole.
    Network errors raise as aiohttp's; the status is the caller's to judge."""
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = content_type
    # With _preload_content=False the (unannotated) client hands back aiohttp's response unread.
    resp: aiohttp.ClientResponse = await api.call_api(
        path, method, query_params=query or [], header_params=headers, body=body, auth_settings=["BearerToken"],
        _preload_content=False, _request_timeout=timeout)
    try:
        data = await resp.read()
    finally:
        resp.release()
    return Reply(resp.status, resp.reason or "", resp.headers, data)


NOT_API_SERVER = "not a Kubernetes API server"


def not_api_server(status: int, content_type: str | None, body: bytes) -> str:
    """What a non-JSON answer says, for a user who pointed the kubeconfig at the wrong thing."""
    snippet = " ".join(body[:80].decode("utf-8", "replace").split())
    what = "non-JSON" if content_type is None else content_type or "no content type"
    return f"{NOT_API_SERVER}: HTTP {status} {what} answer: {snippet!r}"


# Probes of an idle connection, so one whose peer vanished (a dead NAT entry, a dropped VPN) errors
# within about a minute at the TCP level even where nothing else would notice.
KEEPALIVE = {"TCP_KEEPIDLE": 15, "TCP_KEEPINTVL": 5, "TCP_KEEPCNT": 4}


def _keepalive(resp: aiohttp.ClientResponse) -> None:
    # Set on the connection a response came in on: the client library makes its own connector and
    # offers no socket options; a pooled connection gets them again, which is harmless.
    conn = resp.connection
    sock = conn.transport.get_extra_info("socket") if conn is not None and conn.transport is not None else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in KEEPALIVE.items():
            if hasattr(socket, name):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    except OSError:
        pass


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
