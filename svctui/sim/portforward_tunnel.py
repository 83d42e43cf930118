"""kubectl port-forward (1.31+): SPDY/3.1 tunnelled in a websocket, subprotocol `SPDY/3.1+portforward.k8s.io`.

client-go's tunneling dialer opens the websocket (no `ports` in the query) and runs a SPDY client over its
binary messages, chunked anyhow. For every local connection it creates two streams with headers
`streamtype` (error, then data), `port` and `requestid`, each waiting for our SYN_REPLY before going on.
As the kubelet's httpstream handler does, once both of a request's streams exist the pod's port is dialled:
bytes go both ways on the data stream; when either side ends (client's FIN on data, or the backend hangs up)
both our streams are closed with FIN. A port nothing listens on gets containerd's message on the error
stream, which kubectl prints as `an error occurred forwarding 8080 -> 80: ...`. PINGs are echoed.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import resources as R
from . import spdy
from .backends import Stream, open_stream, refused

if TYPE_CHECKING:
    from .cluster import Cluster
    from .server import Route

log = logging.getLogger("svctui.sim.portforward")

TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io"


@dataclass
class _Request:
    port: int
    error_id: int | None = None
    data_id: int | None = None
    backend: Stream | None = None
    done: bool = False
    streams: set[int] = field(default_factory=set)


class _Session:
    def __init__(self, cluster: Cluster, route: Route, ws: web.WebSocketResponse):
        self.cluster = cluster
        self.route = route
        self.ws = ws
        self.reader = spdy.Reader()
        self.writer = spdy.Writer()
        self.requests: dict[str, _Request] = {}
        self.by_stream: dict[int, _Request] = {}
        self.out: list[bytes] = []

    async def run(self) -> None:
        async for msg in self.ws:
            if msg.type != WSMsgType.BINARY:
                # client-go's TunnelingConnection sends binary messages only.
                continue
            try:
                frames = self.reader.feed(bytes(msg.data))
            except spdy.ProtocolError as exc:
                log.info("port-forward tunnel closed: %s", exc)
                return
            for frame in frames:
                if not self.handle(frame):
                    await self.flush()
                    return
            await self.flush()

    async def flush(self) -> None:
        if self.out:
            data, self.out = b"".join(self.out), []
            await self.ws.send_bytes(data)

    def handle(self, frame: Any) -> bool:
        if isinstance(frame, spdy.SynStream):
            self.open(frame)
        elif isinstance(frame, spdy.Data):
            self.data(frame)
        elif frame.type == spdy.PING:
            self.out.append(self.writer.control(spdy.PING, 0, frame.payload))
        elif frame.type == spdy.RST_STREAM and len(frame.payload) >= 4:
            req = self.by_stream.get(struct.unpack_from(">I", frame.payload)[0] & 0x7FFFFFFF)
            if req is not None:
                req.done = True
        elif frame.type == spdy.GOAWAY:
            return False
        return True

    def open(self, frame: spdy.SynStream) -> None:
        h = {k: v[0] if v else "" for k, v in frame.headers.items()}
        kind, rid = h.get("streamtype", ""), h.get("requestid", "")
        try:
            port = int(h.get("port", ""))
            valid = 0 < port <= 65535
        except ValueError:
            valid = False
        if kind not in ("error", "data") or not valid:
            # The kubelet rejects such a stream: a reply with FIN, then it is gone.
            self.out.append(self.writer.syn_reply(frame.stream_id, fin=True))
            return
        self.out.append(self.writer.syn_reply(frame.stream_id))
        req = self.requests.setdefault(rid, _Request(port))
        req.streams.add(frame.stream_id)
        self.by_stream[frame.stream_id] = req
        if kind == "error":
            req.error_id = frame.stream_id
        else:
            req.data_id = frame.stream_id
        if req.error_id is not None and req.data_id is not None:
            self.dial(req)

    def dial(self, req: _Request) -> None:
        api = self.cluster.api
        pod = api.store.get(R.PODS, self.route.namespace, self.route.name or "")
        req.backend = open_stream(self.cluster, pod, req.port) if pod is not None else None
        if req.backend is None:
            sandbox = f"{self.cluster.rng.getrandbits(256):064x}"
            self.out.append(self.writer.data(req.error_id or 0, refused(sandbox, req.port).encode()))
            self.finish(req)

    def data(self, frame: spdy.Data) -> None:
        req = self.by_stream.get(frame.stream_id)
        if req is None or req.done or frame.stream_id != req.data_id:
            return  # the client's FIN on its error stream (it never writes there), or a stream already ended
        if frame.data and req.backend is not None:
            reply = req.backend.feed(frame.data)
            if reply:
                self.out.append(self.writer.data(frame.stream_id, reply))
        if frame.flags & spdy.FLAG_FIN or (req.backend is not None and req.backend.closed):
            self.finish(req)

    def finish(self, req: _Request) -> None:
        if req.done:
            return
        req.done = True
        for sid in (req.data_id, req.error_id):
            if sid is not None:
                self.out.append(self.writer.data(sid, b"", fin=True))
        for sid in req.streams:
            self.by_stream.pop(sid, None)
        self.requests = {k: v for k, v in self.requests.items() if v is not req}


async def tunnel(cluster: Cluster, request: web.Request, route: Route) -> web.StreamResponse:
    ws = web.WebSocketResponse(protocols=[TUNNEL_PROTOCOL], autoping=True, max_msg_size=0)
    await ws.prepare(request)
    try:
        await _Session(cluster, route, ws).run()
        await ws.close(code=1000)
    except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
        pass
    return ws
