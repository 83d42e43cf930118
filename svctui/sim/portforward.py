"""pods/portforward over websockets, the kubelet's v4 channel protocol (what the Python clients speak).

Subprotocols "", `v4.channel.k8s.io` (binary) and `v4.base64.channel.k8s.io`; v4 is chosen even when v5 is
offered first, as the kubelet has no v5 port-forward. For the i-th requested port, channel 2i carries data
both ways and 2i+1 errors; each starts with the port as 2 little-endian bytes (one message per channel).
Each port is one TCP connection into the pod's network namespace, made at once: to whatever listens there
(backends.py; CoreDNS port 53 speaks DNS over TCP), or, when nothing does, containerd's error text on the
error channel. kubectl's form (SPDY/3.1 inside the websocket, no ports in the query) is portforward_tunnel.py.
"""

from __future__ import annotations

import asyncio
import base64
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import errors as E
from . import resources as R
from .backends import open_stream, refused
from .exec import is_websocket, offered
from .portforward_tunnel import TUNNEL_PROTOCOL, tunnel

if TYPE_CHECKING:
    from .cluster import Cluster
    from .server import Route, SubresourceHandler

PROTOCOLS = ["v4.channel.k8s.io", "v4.base64.channel.k8s.io"]


def _ports(q: Any) -> list[int]:
    raw = [p for value in q.getall("ports", []) for p in value.split(",") if p.strip()]
    if not raw:
        raise E.bad_request("at least one port must be specified")
    ports = []
    for p in raw:
        try:
            n = int(p)
        except ValueError:
            raise E.bad_request(f'invalid port "{p}"') from None
        if not 1 <= n <= 65535:
            raise E.bad_request(f"port {n} must be > 0 and <= 65535")
        ports.append(n)
    return ports


def handler(cluster: Cluster) -> SubresourceHandler:
    api = cluster.api

    async def handle(request: web.Request, route: Route) -> web.StreamResponse:
        if request.method not in ("GET", "POST"):
            raise E.method_not_allowed()
        pod = api.require(R.PODS, route.namespace, route.name or "")
        md = pod["metadata"]
        tunnelled = is_websocket(request) and TUNNEL_PROTOCOL in offered(request)
        if not is_websocket(request):
            # kubectl falls back to a SPDY upgrade only when the websocket tunnel failed; the ports are in
            # its streams' headers, so complaining about the query's would mislead.
            raise E.bad_request("the simulated cluster serves pods/portforward over websockets only "
                                f"({TUNNEL_PROTOCOL} as kubectl speaks it, or v4.channel.k8s.io); "
                                "SPDY upgrades are not supported")
        ports = [] if tunnelled else _ports(request.query)
        if (pod.get("status") or {}).get("phase") != "Running":
            return web.Response(status=500, content_type="text/plain",
                                text=f'pod not found ("{md["name"]}_{md.get("namespace")}")')
        if tunnelled:
            return await tunnel(cluster, request, route)
        client = offered(request)
        chosen = next((p for p in client if p in PROTOCOLS), None)
        if client and chosen is None and "" not in client:
            return web.Response(status=400, content_type="text/plain",
                                text=f"unable to upgrade: requested protocol(s) are not supported: {client}; "
                                     f"supports {['', *PROTOCOLS]}")
        b64 = chosen is not None and "base64" in chosen
        ws = web.WebSocketResponse(protocols=[chosen] if chosen else (), autoping=True, max_msg_size=0)
        await ws.prepare(request)

        async def send(channel: int, data: bytes) -> None:
            if b64:
                await ws.send_str(chr(ord("0") + channel) + base64.b64encode(data).decode())
            else:
                await ws.send_bytes(bytes([channel]) + data)

        streams: dict[int, Any] = {}
        try:
            for i, port in enumerate(ports):
                prefix = port.to_bytes(2, "little")
                await send(2 * i, prefix)
                await send(2 * i + 1, prefix)
            sandbox = f"{cluster.rng.getrandbits(256):064x}"
            for i, port in enumerate(ports):
                current = api.store.get(R.PODS, route.namespace, md["name"]) or pod
                stream = open_stream(cluster, current, port)
                if stream is None:
                    await send(2 * i + 1, refused(sandbox, port).encode())
                else:
                    streams[i] = stream
            async for msg in ws:
                if msg.type == WSMsgType.BINARY:
                    data = bytes(msg.data)
                    if b64:
                        data = bytes([data[0] - ord("0")]) + base64.b64decode(data[1:])
                elif msg.type == WSMsgType.TEXT:
                    if b64:
                        data = bytes([ord(msg.data[0]) - ord("0")]) + base64.b64decode(msg.data[1:])
                    else:
                        data = msg.data.encode("latin-1", errors="replace")
                else:
                    continue
                if not data or data[0] % 2:
                    continue
                i = data[0] // 2
                stream = streams.get(i)
                if stream is None or stream.closed:
                    continue
                reply = stream.feed(data[1:])
                if reply:
                    await send(2 * i, reply)
                if stream.closed and all(s.closed for s in streams.values()):
                    break
            await ws.close(code=1000)
        except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
            pass
        return ws

    return handle


def register(cluster: Cluster) -> None:
    cluster.server.subresource_handlers[("pods", "portforward")] = handler(cluster)
