"""SPDY/3.1 framing (sim/spdy.py) and the port-forward tunnel's control frames, driven without kubectl."""

from __future__ import annotations

import asyncio
import struct
import zlib

import aiohttp

from svctui.sim import spdy

from .simshell import wait_ready


class _Client:
    """The client end as spdystream writes it: one compression context for every header block."""

    def __init__(self) -> None:
        self.deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, zdict=spdy.DICTIONARY)

    def syn_stream(self, sid: int, headers: dict[str, list[str]]) -> bytes:
        block = self.deflate.compress(spdy.encode_headers(headers)) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        return spdy.Writer.control(spdy.SYN_STREAM, 0, struct.pack(">IIBB", sid, 0, 0, 0) + block)


def test_reader_takes_frames_in_any_chunks_with_one_header_context():
    c = _Client()
    wire = (c.syn_stream(1, {"streamtype": ["error"], "port": ["80"], "requestid": ["0"]})
            + c.syn_stream(3, {"streamtype": ["data"], "port": ["80"], "requestid": ["0"]})
            + spdy.Writer.data(3, b"GET / HTTP/1.1\r\n\r\n") + spdy.Writer.data(3, b"", fin=True))
    reader = spdy.Reader()
    frames = [f for b in wire for f in reader.feed(bytes([b]))]
    assert [type(f).__name__ for f in frames] == ["SynStream", "SynStream", "Data", "Data"]
    # The second block is compressed against the first: a fresh context per frame could not read it.
    assert frames[1].headers == {"streamtype": ["data"], "port": ["80"], "requestid": ["0"]}
    assert frames[2] == spdy.Data(3, 0, b"GET / HTTP/1.1\r\n\r\n") and frames[3] == spdy.Data(3, spdy.FLAG_FIN, b"")
    c2 = _Client()
    c2.syn_stream(1, {"x": ["y"]})
    try:
        spdy.Reader().feed(c2.syn_stream(3, {"streamtype": ["data"]}))
    except spdy.ProtocolError:
        pass
    else:
        raise AssertionError("a header block read without its predecessors' context decoded")


def test_tunnel_echoes_ping_and_rejects_a_stream_without_port(demo_sim):
    nginx = wait_ready(demo_sim, "default", "app", "nginx", 1)[0]["metadata"]["name"]
    url = f"{demo_sim.url}/api/v1/namespaces/default/pods/{nginx}/portforward"

    async def go() -> list:
        c, reader = _Client(), spdy.Reader()
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url, protocols=["SPDY/3.1+portforward.k8s.io"]) as ws:
                assert ws.protocol == "SPDY/3.1+portforward.k8s.io"
                await ws.send_bytes(spdy.Writer.control(spdy.PING, 0, struct.pack(">I", 7))
                                    + c.syn_stream(1, {"streamtype": ["data"], "requestid": ["0"]}))
                frames: list = []
                while len(frames) < 2:
                    msg = await asyncio.wait_for(ws.receive(), 10)
                    assert msg.type == aiohttp.WSMsgType.BINARY
                    frames += reader.feed(msg.data)
                return frames

    ping, reply = asyncio.run(go())
    assert ping == spdy.Control(spdy.PING, 0, struct.pack(">I", 7))
    assert reply.type == spdy.SYN_REPLY and reply.flags == spdy.FLAG_FIN and reply.payload[:4] == struct.pack(">I", 1)
