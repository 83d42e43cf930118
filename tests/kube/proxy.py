"""A small HTTP forward proxy for tests, on its own thread (kubectl blocking the test's loop must not stall it).

It tunnels CONNECT (what clients send for https:// and wss://, and websocket-client for ws:// too) and
forwards absolute-form requests (plain http:// through a proxy). Each request's target and the
Proxy-Authorization it carried are recorded; with `credentials` set, anything else gets 407. `hosts`
resolves names nothing else can: a client that bypasses the proxy cannot reach such a server at all.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Seen:
    method: str
    target: str
    proxy_authorization: str | None


@dataclass
class Proxy:
    credentials: tuple[str, str] | None = None
    hosts: dict[str, str] = field(default_factory=dict)  # names only the proxy can resolve
    seen: list[Seen] = field(default_factory=list)
    refused: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="test-proxy")
        self._server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_with_credentials(self) -> str:
        assert self.credentials
        return f"http://{self.credentials[0]}:{self.credentials[1]}@127.0.0.1:{self.port}"

    def start(self) -> Proxy:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    def _authorized(self, header: str | None) -> bool:
        if self.credentials is None:
            return True
        want = "Basic " + base64.b64encode(f"{self.credentials[0]}:{self.credentials[1]}".encode()).decode()
        return header == want

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = [ln for ln in lines[1:] if ln]
        auth = next((ln.split(":", 1)[1].strip() for ln in headers if ln.lower().startswith("proxy-authorization:")), None)
        self.seen.append(Seen(method, target, auth))
        if not self._authorized(auth):
            self.refused += 1
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                         b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            host = host.strip("[]")
            up_r, up_w = await asyncio.open_connection(self.hosts.get(host, host), int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:  # absolute-form: to the origin in origin-form, without our header
            u = urlsplit(target)
            up_r, up_w = await asyncio.open_connection(self.hosts.get(u.hostname, u.hostname), u.port or 80)
            path = (u.path or "/") + (f"?{u.query}" if u.query else "")
            kept = [ln for ln in headers if not ln.lower().startswith("proxy-")]
            up_w.write(f"{method} {path} {version}\r\n".encode("latin-1") + "\r\n".join(kept).encode("latin-1")
                       + b"\r\n\r\n")
        await asyncio.gather(_pipe(reader, up_w), _pipe(up_r, writer), return_exceptions=True)


async def _pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    try:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
    finally:
        try:
            w.close()
        except Exception:  # noqa: BLE001 - the other side may be gone already
            pass
