"""What curl and wget share: URL parsing, name resolution, connecting through the emulated network, one
HTTP/1.1 exchange, and the kernel's connect timeout."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..kubeproxy import REFUSED
from ..stub_resolver import RESOLV_ATTEMPTS, RESOLV_TIMEOUT, TIMEOUT, Lookup, lookup_host
from .context import Ctx

# A SYN nobody answers: Linux gives up after its retries (about 130 s).
CONNECT_TIMEOUT = 130.0


@dataclass
class Url:
    scheme: str
    host: str
    port: int
    path: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def parse_url(text: str) -> Url | None:
    scheme = "http"
    rest = text
    if "://" in text:
        scheme, rest = text.split("://", 1)
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            return None
    hostport, slash, path = rest.partition("/")
    path = "/" + path if slash else "/"
    if "?" in hostport:
        hostport, _, query = hostport.partition("?")
        path = "/?" + query
    if "@" in hostport:
        hostport = hostport.rsplit("@", 1)[1]
    host, port = hostport, 443 if scheme == "https" else 80
    if hostport.startswith("["):
        host, _, after = hostport[1:].partition("]")
        if after.startswith(":") and after[1:].isdigit():
            port = int(after[1:])
    elif ":" in hostport:
        host, _, p = hostport.rpartition(":")
        if not p.isdigit():
            return None
        port = int(p)
    if not host:
        return None
    return Url(scheme, host, port, path)


@dataclass
class Response:
    status: int = 0
    reason: str = ""
    version: str = "HTTP/1.1"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    raw_head: str = ""


@dataclass
class Exchange:
    """The outcome of one request: error is resolve | refused | timeout | empty | tls, else response."""
    error: str | None = None
    ip: str = ""
    response: Response | None = None
    elapsed_ms: int = 0


def parse_response(data: bytes) -> Response | None:
    if b"\r\n\r\n" not in data:
        return None
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code, _, reason = rest.partition(" ")
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
    return Response(int(code), reason, version, headers, body, head.decode("latin-1"))


async def resolve(ctx: Ctx, name: str, family: int = 0) -> Lookup:
    """lookup_host for a process, waiting out the resolver's timeouts in its clock."""
    result = lookup_host(ctx.cluster, ctx.pod, name, ctx.container, family)
    if result.error == TIMEOUT:
        await ctx.sleep(RESOLV_TIMEOUT * RESOLV_ATTEMPTS)
    return result


async def fetch(ctx: Ctx, url: Url, request: bytes, connect_timeout: float | None = None) -> Exchange:
    result = await resolve(ctx, url.host)
    if not result.addresses:
        return Exchange("resolve")
    ip = next((a for a in result.addresses if ":" not in a), result.addresses[0])
    stream = ctx.cluster.parts.kubeproxy.open(ctx.pod, ip, url.port)
    if stream == REFUSED:
        return Exchange("refused", ip, elapsed_ms=1)
    if isinstance(stream, str):
        wait = CONNECT_TIMEOUT if connect_timeout is None else min(connect_timeout, CONNECT_TIMEOUT)
        await ctx.sleep(wait)
        return Exchange("timeout", ip, elapsed_ms=int(wait * 1000))
    if url.scheme == "https":
        return Exchange("tls", ip)
    data = stream.feed(request)
    response = parse_response(data)
    if response is None:
        return Exchange("empty", ip)
    return Exchange(None, ip, response, 1)
