"""curl 8.11 (curlimages/curl, netshoot, nginx images): the options the tutorials use and its error lines.

-s -S -i -I -v -f -L -o FILE -O -w FORMAT -m/--max-time --connect-timeout -H -X -d -k. The progress meter
is shown on stderr when the body does not go to a terminal and -s is absent, as curl does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import Ctx
from .httpclient import Url, fetch, parse_url

VERSION = "8.11.1"
METER_HEAD = ("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
              "                                 Dload  Upload   Total   Spent    Left  Speed\n")


def _meter(size: int) -> str:
    return (METER_HEAD + "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
            f"\r100 {size:>5}  100 {size:>5}    0     0   {_speed(size)}      0 --:--:-- --:--:-- --:--:-- {_speed(size)}\n")


def _speed(size: int) -> str:
    return f"{size * 500 // 1024}k".rjust(5) if size >= 2048 else f"{size * 500}".rjust(5)[:5]


async def curl(ctx: Ctx, argv: list[str]) -> int:
    opts: dict[str, str | bool] = {}
    headers: list[str] = []
    urls: list[str] = []
    args = argv[1:]
    takes = {"-o": "output", "--output": "output", "-w": "write", "--write-out": "write", "-m": "max",
             "--max-time": "max", "--connect-timeout": "connect", "-H": "header", "--header": "header",
             "-X": "method", "--request": "method", "-d": "data", "--data": "data", "--data-raw": "data",
             "-A": "agent", "--user-agent": "agent", "--resolve": "resolve", "-u": "user", "--retry": "retry"}
    flags = {"-s": "silent", "--silent": "silent", "-S": "show", "--show-error": "show", "-i": "include",
             "--include": "include", "-I": "head", "--head": "head", "-v": "verbose", "--verbose": "verbose",
             "-f": "fail", "--fail": "fail", "-L": "location", "--location": "location", "-k": "insecure",
             "--insecure": "insecure", "-O": "remote", "--remote-name": "remote", "-4": "v4", "-6": "v6"}
    i = 0
    while i < len(args):
        a = args[i]
        if a in takes:
            if i + 1 >= len(args):
                ctx.stderr.write(f"curl: option {a}: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information\n")
                return 2
            if takes[a] == "header":
                headers.append(args[i + 1])
            else:
                opts[takes[a]] = args[i + 1]
            i += 2
            continue
        if a in flags:
            opts[flags[a]] = True
        elif a.startswith("--") or (a.startswith("-") and len(a) > 1 and not all(f"-{c}" in flags for c in a[1:])):
            if a.startswith("-") and len(a) > 2 and a[1] in "omwHXd" and f"-{a[1]}" in takes:
                opts[takes[f"-{a[1]}"]] = a[2:]
            else:
                ctx.stderr.write(f"curl: option {a}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n")
                return 2
        elif a.startswith("-") and len(a) > 1:
            for c in a[1:]:
                opts[flags[f"-{c}"]] = True
        else:
            urls.append(a)
        i += 1
    silent, show = bool(opts.get("silent")), bool(opts.get("show"))

    def fail(code: int, msg: str, resp: Any = None, ip: str = "") -> int:
        # curl writes -w's output for a failed transfer too: %{http_code} is 000 when no response came.
        if opts.get("write") and url is not None:
            ctx.stdout.write(_write_out(str(opts["write"]), resp, ip, url))
        if not silent or show:
            ctx.stderr.write(f"curl: ({code}) {msg}\n")
        return code

    if not urls:
        ctx.stderr.write("curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    status = 0
    for text in urls:
        url = parse_url(text)
        if url is None:
            scheme = text.split("://", 1)[0]
            status = fail(1, f'Protocol "{scheme}" not supported') if "://" in text else fail(3, "URL rejected: Bad hostname")
            continue
        status = await _one(ctx, url, opts, headers, fail)
    return status


async def _one(ctx: Ctx, url: Url, opts: dict[str, Any], headers: list[str], fail: Callable[..., int]) -> int:
    method = str(opts.get("method") or ("HEAD" if opts.get("head") else "POST" if opts.get("data") else "GET"))
    lines = [f"{method} {url.path} HTTP/1.1", f"Host: {url.host_header}", f"User-Agent: {opts.get('agent') or 'curl/' + VERSION}",
             "Accept: */*"]
    body = str(opts["data"]).encode() if opts.get("data") else b""
    custom = {h.split(":", 1)[0].strip().lower(): h for h in headers}
    lines = [line for line in lines if line.split(":", 1)[0].lower() not in custom] + list(custom.values())
    if body:
        lines += [f"Content-Length: {len(body)}", "Content-Type: application/x-www-form-urlencoded"]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    verbose = bool(opts.get("verbose"))
    limit = None
    for key in ("connect", "max"):
        if opts.get(key):
            try:
                value = float(str(opts[key]))
            except ValueError:
                ctx.stderr.write(f"curl: option --{'max-time' if key == 'max' else 'connect-timeout'}: expected a proper numerical parameter\n")
                return 2
            limit = value if limit is None else min(limit, value)
    ex = await fetch(ctx, url, request, connect_timeout=limit)
    if ex.error == "resolve":
        if verbose:
            ctx.stderr.write(f"* Could not resolve host: {url.host}\n* shutting down connection #0\n")
        return fail(6, f"Could not resolve host: {url.host}")
    if verbose:
        ctx.stderr.write(f"* Host {url.host}:{url.port} was resolved.\n* IPv6: (none)\n* IPv4: {ex.ip}\n"
                         f"*   Trying {ex.ip}:{url.port}...\n")
    if ex.error == "refused":
        if verbose:
            ctx.stderr.write(f"* connect to {ex.ip} port {url.port} from {(ctx.pod.get('status') or {}).get('podIP', '')} port 48572 failed: Connection refused\n"
                             f"* Failed to connect to {url.host} port {url.port} after 1 ms: Couldn't connect to server\n"
                             "* closing connection #0\n")
        return fail(7, f"Failed to connect to {url.host} port {url.port} after 1 ms: Couldn't connect to server")
    if ex.error == "timeout":
        if limit is not None:
            return fail(28, f"Connection timed out after {ex.elapsed_ms + 1} milliseconds")
        return fail(28, f"Failed to connect to {url.host} port {url.port} after {ex.elapsed_ms} ms: Timeout was reached")
    if verbose:
        ctx.stderr.write(f"* Connected to {url.host} ({ex.ip}) port {url.port}\n")
    if ex.error == "tls":
        return fail(35, "OpenSSL/3.3.2: error:0A00010B:SSL routines::wrong version number", ip=ex.ip)
    if verbose:
        ctx.stderr.write("* using HTTP/1.x\n" + "".join(f"> {line}\n" for line in request.decode("latin-1").split("\r\n")[:-2])
                         + "> \n* Request completely sent off\n")
    if ex.error == "empty":
        if verbose:
            ctx.stderr.write("* Empty reply from server\n* shutting down connection #0\n")
        return fail(52, "Empty reply from server", ip=ex.ip)
    resp = ex.response
    assert resp is not None
    if verbose:
        ctx.stderr.write("".join(f"< {line}\n" for line in resp.raw_head.split("\r\n")) + "< \n")
    if opts.get("fail") and resp.status >= 400:
        return fail(22, f"The requested URL returned error: {resp.status}", resp, ex.ip)
    out = b""
    if opts.get("include") or opts.get("head"):
        out += resp.raw_head.encode("latin-1") + b"\r\n\r\n"
    if method != "HEAD":
        out += resp.body
    target = opts.get("output") or (url.path.rsplit("/", 1)[-1] or "index.html" if opts.get("remote") else None)
    to_file = target is not None and target != "-"
    if to_file:
        if target != "/dev/null":
            problem = ctx.fs.write(ctx.path(str(target)), out)
            if problem:
                return fail(23, f"Failure writing output to destination, passed {len(out)} returned 0")
    else:
        ctx.stdout.write(out)
    if not opts.get("silent") and not verbose and (to_file or not ctx.tty):
        ctx.stderr.write(_meter(len(resp.body)))
    if verbose:
        ctx.stderr.write(f"{{ [{len(resp.body)} bytes data]\n* Connection #0 to host {url.host} left intact\n")
    if opts.get("write"):
        ctx.stdout.write(_write_out(str(opts["write"]), resp, ex.ip, url))
    return 0


def _write_out(fmt: str, resp: Any, ip: str, url: Url) -> str:
    status = resp.status if resp is not None else 0
    values = {"http_code": f"{status:03d}", "response_code": f"{status:03d}", "remote_ip": ip,
              "remote_port": str(url.port) if ip else "0", "size_download": str(len(resp.body) if resp is not None else 0), "time_total": "0.002154",
              "time_connect": "0.000512", "time_namelookup": "0.000201", "url_effective": f"{url.scheme}://{url.host_header}{url.path}",
              "content_type": next((v for k, v in resp.headers if k.lower() == "content-type"), "") if resp is not None else ""}
    out = fmt.replace("\\n", "\n").replace("\\t", "\t")
    for k, v in values.items():
        out = out.replace("%{" + k + "}", v)
    return out
