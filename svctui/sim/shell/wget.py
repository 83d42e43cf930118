"""busybox 1.36 wget: `-q`, `-O FILE|-`, `-S`, `--spider`, `-T SEC`, `-U`, `--header`; its messages on stderr."""

from __future__ import annotations

from .context import Ctx
from .httpclient import fetch, parse_url

DEFAULT_TIMEOUT = 900.0


async def wget(ctx: Ctx, argv: list[str]) -> int:
    quiet, output, spider, show_headers, timeout = False, None, False, False, DEFAULT_TIMEOUT
    headers: list[str] = []
    agent = "Wget"
    urls = []
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            key, _, val = a[2:].partition("=")
            needs = key in ("output-document", "timeout", "header", "user-agent")
            if needs and not val and i + 1 < len(args):
                i += 1
                val = args[i]
            if key == "quiet":
                quiet = True
            elif key == "output-document":
                output = val
            elif key == "spider":
                spider = True
            elif key == "server-response":
                show_headers = True
            elif key == "timeout":
                timeout = float(val)
            elif key == "header":
                headers.append(val)
            elif key == "user-agent":
                agent = val
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                if c in "OTUP":
                    val = a[j + 1:] or (args[i + 1] if i + 1 < len(args) else "")
                    if not a[j + 1:]:
                        i += 1
                    if c == "O":
                        output = val
                    elif c == "T":
                        timeout = float(val or 0)
                    elif c == "U":
                        agent = val
                    break
                if c == "q":
                    quiet = True
                elif c == "S":
                    show_headers = True
                j += 1
        else:
            urls.append(a)
        i += 1
    if not urls:
        ctx.stderr.write("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n")
        return 1
    for text in urls:
        url = parse_url(text)
        if url is None:
            ctx.stderr.write(f"wget: not an http or ftp url: {text}\n")
            return 1
        method = "HEAD" if spider else "GET"
        lines = [f"{method} {url.path} HTTP/1.1", f"Host: {url.host_header}", f"User-Agent: {agent}"] + headers + ["Connection: close"]
        ex = await fetch(ctx, url, ("\r\n".join(lines) + "\r\n\r\n").encode(), connect_timeout=timeout)
        if ex.error == "resolve":
            ctx.stderr.write(f"wget: bad address '{url.host}'\n")
            return 1
        if not quiet:
            ctx.stderr.write(f"Connecting to {url.host_header} ({ex.ip}:{url.port})\n")
        if ex.error == "refused":
            ctx.stderr.write(f"wget: can't connect to remote host ({ex.ip}): Connection refused\n")
            return 1
        if ex.error == "timeout":
            if timeout < 130:
                ctx.stderr.write("wget: download timed out\n")
            else:
                ctx.stderr.write(f"wget: can't connect to remote host ({ex.ip}): Connection timed out\n")
            return 1
        if ex.error == "tls":
            ctx.stderr.write("wget: TLS error from peer (alert code 80): 80\nwget: error getting response: Connection reset by peer\n")
            return 1
        if ex.error == "empty" or ex.response is None:
            ctx.stderr.write("wget: error getting response: Connection reset by peer\n")
            return 1
        resp = ex.response
        if show_headers:
            ctx.stderr.write("".join(f"  {line}\n" for line in resp.raw_head.split("\r\n")))
        if resp.status >= 400:
            ctx.stderr.write(f"wget: server returned error: {resp.version} {resp.status} {resp.reason}\n")
            return 1
        if spider:
            if not quiet:
                ctx.stderr.write("remote file exists\n")
            continue
        target = output if output is not None else (url.path.rsplit("/", 1)[-1].split("?")[0] or "index.html")
        size = len(resp.body)
        bar = f"{'-' if target == '-' else target[:20]:<20} 100% |********************************| {_size(size):>5}  0:00:00 ETA\n"
        if target == "-":
            if not quiet:
                ctx.stderr.write("writing to stdout\n")
            ctx.stdout.write(resp.body)
            if not quiet:
                ctx.stderr.write(bar + "written to stdout\n")
        else:
            path = ctx.path(target)
            if ctx.fs.read(path) is not None and output is None:
                ctx.stderr.write(f"wget: can't open '{target}': File exists\n")
                return 1
            if not quiet:
                ctx.stderr.write(f"saving to '{target}'\n")
            problem = ctx.fs.write(path, resp.body)
            if problem:
                ctx.stderr.write(f"wget: can't open '{target}': {'Is a directory' if problem == 'Is a directory' else 'No such file or directory'}\n")
                return 1
            if not quiet:
                ctx.stderr.write(bar + f"'{target}' saved\n")
    return 0


def _size(n: int) -> str:
    return str(n) if n < 100000 else f"{n // 1024}k"
