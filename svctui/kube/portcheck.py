"""Does anything listen on a pod's port? One port-forward, for `svctui doctor`'s targetPort check.

A refused connection is what the kubelet reports on the port-forward's error channel ("dial tcp4
127.0.0.1:8008: connect: connection refused") before it closes the stream; a listener accepts and
waits for the client to speak. Read-only: nothing is created (pods/portforward is a subresource
request, as `kubectl port-forward` makes).
"""

from __future__ import annotations

import asyncio

from .portforward import Forward, PortForwardError, sync_configuration
from .transport import KubeApiClient

REFUSED = "connection refused"


async def refused_text(api: KubeApiClient, namespace: str, pod: str, port: int, wait: float = 1.0) -> str | None:
    """The kubelet's refusal text when nothing listens on pod:port; None when something accepted.
    Raises PortForwardError when the port-forward itself is not possible (forbidden, pod gone)."""
    cfg = await sync_configuration(api)

    def run() -> str | None:
        with Forward(cfg, namespace, pod, port, timeout=wait) as fwd:
            try:
                fwd.socket.recv(1)  # b"" when the kubelet closes the refused stream; a listener stays silent
            except (TimeoutError, OSError):
                pass
            err = fwd.error()
            return err.strip() if err and REFUSED in err else None

    try:
        return await asyncio.to_thread(run)
    except PortForwardError:
        raise
    except OSError as exc:
        raise PortForwardError(f"port-forward to {namespace}/{pod}:{port} failed: {exc}") from None
