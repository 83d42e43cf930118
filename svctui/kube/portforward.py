"""Port-forward to a pod with the sync `kubernetes` client (kubernetes_asyncio has no helper), in a thread.

`kubernetes.stream.portforward` speaks the kubelet's v4 channel protocol and hands back a socketpair end
per port, pumped by its own thread; callers do blocking socket I/O on it, so async code runs them with
`asyncio.to_thread`. The sync client needs its own Configuration: `sync_configuration` builds it from
the target's transport and current credential (transport.py), so both talk to the same context the same
way, proxy included; `open_forward` retries once with a fresh credential after a 401, as REST does.
"""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any

from kubernetes.client import ApiClient as SyncApiClient
from kubernetes.client import Configuration as SyncConfiguration
from kubernetes.client import CoreV1Api
from kubernetes.client.rest import ApiException
from kubernetes.stream import portforward as _portforward

from .api import ApiError
from .transport import KubeApiClient, sync_configuration_for


class PortForwardError(Exception):
    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code

    @property
    def forbidden(self) -> bool:
        return self.code == 403


async def sync_configuration(api: KubeApiClient) -> SyncConfiguration:
    """The current credential (a due plugin run happens here, on the loop) in a sync Configuration."""
    try:
        return sync_configuration_for(api, await api.material())
    except ApiError as exc:
        raise PortForwardError(f"port-forward: {exc.message}", exc.code) from None


async def open_forward(api: KubeApiClient, namespace: str, pod: str, port: int, timeout: float = 10.0) -> Forward:
    """A Forward opened in a thread; a 401 is retried once with a fresh credential."""
    for attempt in (0, 1):
        try:
            m = await api.material()
        except ApiError as exc:
            raise PortForwardError(f"port-forward: {exc.message}", exc.code) from None
        cfg = sync_configuration_for(api, m)
        try:
            return await asyncio.to_thread(Forward, cfg, namespace, pod, port, timeout)
        except PortForwardError as exc:
            if exc.code != 401:
                raise
            try:
                again = attempt == 0 and await api.retry_after_401(m)
            except ApiError as err:
                raise PortForwardError(f"port-forward: {err.message}", err.code) from None
            if not again:
                raise PortForwardError(f"port-forward refused: {api.credentials.rejected_message()}", 401) from None
    raise AssertionError("unreachable")


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
        said: str | None = self._pf.error(self.port)  # kubernetes.stream's PortForward is unannotated
        return said

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
