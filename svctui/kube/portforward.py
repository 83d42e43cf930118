"""Port-forward to a pod with the sync `kubernetes` client (kubernetes_asyncio has no helper), in a thread.

`kubernetes.stream.portforward` speaks the kubelet's v4 channel protocol and hands back a socketpair end
per port, pumped by its own thread; callers do blocking socket I/O on it, so async code runs them with
`asyncio.to_thread`. The sync client needs its own Configuration: `sync_configuration` copies the
asyncio one (server, TLS files, current bearer token) so both talk to the same context.
"""

from __future__ import annotations

import re
import socket
from typing import Any

from kubernetes.client import ApiClient as SyncApiClient
from kubernetes.client import Configuration as SyncConfiguration
from kubernetes.client import CoreV1Api
from kubernetes.client.rest import ApiException
from kubernetes.stream import portforward as _portforward
from kubernetes_asyncio.client import ApiClient


class PortForwardError(Exception):
    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code

    @property
    def forbidden(self) -> bool:
        return self.code == 403


async def sync_configuration(api: ApiClient) -> SyncConfiguration:
    src = api.configuration
    cfg = SyncConfiguration()
    cfg.host = src.host  # type: ignore[assignment]  # Optional in kubernetes_asyncio's types; set once loaded
    auth = await src.auth_settings()  # may refresh an expiring token (exec plugins)
    if "BearerToken" in auth:
        cfg.api_key = {"BearerToken": auth["BearerToken"]["value"]}  # the value carries its "Bearer " prefix
    for attr in ("username", "password", "ssl_ca_cert", "cert_file", "key_file", "verify_ssl", "assert_hostname",
                 "tls_server_name", "proxy", "proxy_headers", "no_proxy"):
        if hasattr(src, attr) and hasattr(cfg, attr):
            setattr(cfg, attr, getattr(src, attr))
    return cfg


_HANDSHAKE = re.compile(r"Handshake status (\d{3})")


def _describe(exc: ApiException) -> PortForwardError:
    """The websocket client folds the refused upgrade into one string: status line, headers, body."""
    text = str(exc.reason or exc)
    m = _HANDSHAKE.search(text)
    code = int(m.group(1)) if m else (exc.status or 0)
    body = re.search(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
    message = body.group(1).encode().decode("unicode_escape") if body else text.split(" -+-+- ")[0]
    return PortForwardError(f"port-forward refused: {message}", code)


class Forward:
    """An open port-forward to one port of one pod: `.socket` is a connected stream. Close when done."""

    def __init__(self, cfg: SyncConfiguration, namespace: str, pod: str, port: int, timeout: float = 10.0):
        self._client = SyncApiClient(cfg)
        try:
            core = CoreV1Api(self._client)
            self._pf = _portforward(core.connect_get_namespaced_pod_portforward, pod, namespace, ports=str(port),
                                    _request_timeout=timeout)
        except ApiException as exc:
            self._client.close()
            raise _describe(exc) from None
        except Exception as exc:
            self._client.close()
            raise PortForwardError(f"port-forward to {namespace}/{pod}:{port} failed: {exc}") from None
        self.port = port
        self.socket: Any = self._pf.socket(port)
        self.socket.settimeout(timeout)

    def error(self) -> str | None:
        """What the kubelet said on the error channel (nothing listening, ...), if anything."""
        return self._pf.error(self.port)

    def close(self) -> None:
        try:
            self._pf.close()
        finally:
            self._client.close()

    def __enter__(self) -> Forward:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("the forwarded connection closed")
        buf += chunk
    return buf
