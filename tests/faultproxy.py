"""A fault-injecting TCP forwarder between a client and the sim, on loopback only.

    proxy = FaultProxy(target_port)      # on its own thread, like SimThread
    proxy.url                            # point the kubeconfig here
    proxy.cut()                          # reset every open connection (the client sees it at once)
    proxy.stall()                        # blackhole: keep every socket open, forward nothing, accept
                                         # new connections and forward nothing on them either
    proxy.resume()                       # forward again (stalled connections stay dead: their bytes
                                         # were "lost", as after a dead NAT entry; new ones work)
    proxy.stop()

A stall is what a dead NAT entry, a slept laptop or a dropped VPN look like from the client: no FIN,
no RST, nothing. Bounded: at most `max_conns` connections, and a stop closes everything.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from typing import Any


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1", max_conns: int = 200):
        assert target_host in ("127.0.0.1", "::1", "localhost"), "loopback only"
        self.target = (target_host, target_port)
        self.max_conns = max_conns
        self.url = ""
        self.port = 0
        self.accepted = 0
        self._stalled = False
        # Connections that were open when a stall began: they never carry data again.
        self._dead: set[int] = set()
        self._conns: dict[int, tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = {}
        self._next = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="faultproxy", daemon=True)

    # ---- control (from any thread) ----

    def start(self) -> FaultProxy:
        self._thread.start()
        if not self._ready.wait(10) or not self.url:
            raise RuntimeError("fault proxy did not start")
        return self

    def stall(self) -> None:
        self._call(self._stall)

    def resume(self) -> None:
        self._call(self._resume)

    def cut(self) -> int:
        return self._call(self._cut)

    def open_connections(self) -> int:
        return self._call(lambda: len(self._conns))

    def stop(self) -> None:
        if self.loop is not None and self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(5)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)

    async def _shutdown(self) -> None:
        self._cut()
        if self._server is not None:
            self._server.close()
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _call(self, fn: Any) -> Any:
        assert self.loop is not None
        done = threading.Event()
        out: list[Any] = []

        def run() -> None:
            out.append(fn())
            done.set()

        self.loop.call_soon_threadsafe(run)
        if not done.wait(5):
            raise RuntimeError("fault proxy did not answer")
        return out[0]

    # ---- on the proxy's loop ----

    def _main(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self._open())
            self._ready.set()
            self.loop.run_forever()
        finally:
            if self._server is not None:
                self._server.close()
            self.loop.close()
            self._ready.set()

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def _stall(self) -> None:
        self._stalled = True
        self._dead |= set(self._conns)

    def _resume(self) -> None:
        self._stalled = False

    def _cut(self) -> int:
        n = len(self._conns)
        for a, b in list(self._conns.values()):
            for w in (a, b):
                _reset(w)
        self._conns.clear()
        self._dead.clear()
        return n

    def _blocked(self, cid: int) -> bool:
        return self._stalled or cid in self._dead

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            pass  # stop(): asyncio's server would log a cancelled connection task as an error

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._conns) >= self.max_conns:
            _reset(writer)
            return
        self.accepted += 1
        cid = self._next
        self._next += 1
        if self._stalled:
            # A connection made during the blackhole: the handshake succeeds (the proxy's kernel
            # answers), nothing after it does; it stays dead after the resume, as a SYN-ACK from a
            # box whose forwarding then vanished would.
            self._dead.add(cid)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(writer)
            return
        self._conns[cid] = (writer, up_writer)
        pipes = {asyncio.ensure_future(self._pipe(cid, reader, up_writer)),
                 asyncio.ensure_future(self._pipe(cid, up_reader, writer))}
        try:
            done, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            if pending and not self._blocked(cid):
                await asyncio.wait(pending)  # a half-close: the other direction may still talk
        finally:
            for p in pipes:
                p.cancel()
            self._conns.pop(cid, None)
            self._dead.discard(cid)
            for w in (writer, up_writer):
                w.close()

    async def _pipe(self, cid: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if self._blocked(cid):
                    continue  # vanished on the wire: neither delivered nor refused
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            if not self._blocked(cid):
                try:
                    writer.write_eof()
                except (OSError, RuntimeError):
                    pass


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0), as a middlebox dropping the connection does."""
    sock = writer.get_extra_info("socket")
    try:
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()
