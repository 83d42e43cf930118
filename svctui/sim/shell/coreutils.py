"""File and text applets (busybox flavour): cat, sleep, seq, env, hostname, grep, head, tail, wc, ls, ..."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..podfs import hostname as pod_hostname
from .context import Ctx


async def _inputs(ctx: Ctx, name: str, files: list[str]) -> tuple[list[bytes], int]:
    if not files or files == ["-"]:
        return [await ctx.stdin.read()], 0
    out, status = [], 0
    for f in files:
        path = ctx.path(f)
        data = ctx.fs.read(path)
        if data is None:
            if ctx.fs.is_dir(path):
                ctx.stderr.write(f"{name}: read error: Is a directory\n")
            else:
                ctx.stderr.write(f"{name}: can't open '{f}': No such file or directory\n")
            status = 1
            continue
        out.append(data)
    return out, status


async def cat(ctx: Ctx, argv: list[str]) -> int:
    datas, status = await _inputs(ctx, "cat", [a for a in argv[1:] if a != "-u"])
    for d in datas:
        ctx.stdout.write(d)
    return status


async def sleep(ctx: Ctx, argv: list[str]) -> int:
    total = 0.0
    for arg in argv[1:]:
        if arg in ("inf", "infinity"):
            total += 10**9
            continue
        m = re.fullmatch(r"(\d+(?:\.\d*)?)([smhd]?)", arg)
        if not m:
            ctx.stderr.write(f"sleep: invalid number '{arg}'\n")
            return 1
        total += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if len(argv) < 2:
        ctx.stderr.write("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: sleep [N]...\n")
        return 1
    await ctx.sleep(total)
    return 0


async def seq(ctx: Ctx, argv: list[str]) -> int:
    nums = argv[1:]
    try:
        values = [int(n) for n in nums]
    except ValueError:
        ctx.stderr.write(f"seq: invalid number '{nums[0] if nums else ''}'\n")
        return 1
    if len(values) == 1:
        first, step, last = 1, 1, values[0]
    elif len(values) == 2:
        first, step, last = values[0], 1, values[1]
    elif len(values) == 3:
        first, step, last = values
    else:
        ctx.stderr.write("Usage: seq [-w] [-s SEP] [FIRST [INC]] LAST\n")
        return 1
    out = []
    k = first
    while (step > 0 and k <= last) or (step < 0 and k >= last):
        out.append(f"{k}\n")
        k += step
        if len(out) > 100000:
            break
    ctx.stdout.write("".join(out))
    return 0


async def env(ctx: Ctx, argv: list[str]) -> int:
    args = argv[1:]
    if argv[0].endswith("printenv") and args:
        status = 0
        for name in args:
            if name in ctx.env:
                ctx.stdout.write(ctx.env[name] + "\n")
            else:
                status = 1
        return status
    extra = {}
    while args and "=" in args[0]:
        k, v = args.pop(0).split("=", 1)
        extra[k] = v
    if args:
        sub = ctx.child()
        sub.env = {**ctx.env, **extra}
        return await sub.run(args)
    ctx.stdout.write("".join(f"{k}={v}\n" for k, v in {**ctx.env, **extra}.items()))
    return 0


async def hostname(ctx: Ctx, argv: list[str]) -> int:
    if "-i" in argv:
        ctx.stdout.write(((ctx.pod.get("status") or {}).get("podIP") or "") + "\n")
    else:
        ctx.stdout.write(pod_hostname(ctx.pod) + "\n")
    return 0


async def grep(ctx: Ctx, argv: list[str]) -> int:
    flags: set[str] = set()
    args: list[str] = []
    for a in argv[1:]:
        if a.startswith("-") and len(a) > 1 and not args:
            flags |= set(a[1:])
        else:
            args.append(a)
    if not args:
        ctx.stderr.write("Usage: grep [-HhnlLoqvsrRiwFE] PATTERN [FILE]...\n")
        return 2
    pattern, files = args[0], args[1:]
    text = pattern if "E" in flags else _bre(pattern)
    if "F" in flags:
        text = re.escape(pattern)
    try:
        rx = re.compile(text, re.I if "i" in flags else 0)
    except re.error:
        ctx.stderr.write(f"grep: bad regex '{pattern}'\n")
        return 2
    datas, status = await _inputs(ctx, "grep", files)
    matched = 0
    for data in datas:
        for line in data.decode(errors="replace").splitlines():
            found = rx.search(line) is not None
            if found == ("v" in flags):
                continue
            matched += 1
            if "q" in flags or "c" in flags:
                continue
            if "o" in flags and "v" not in flags:
                for m in rx.finditer(line):
                    ctx.stdout.write(m.group(0) + "\n")
            else:
                ctx.stdout.write(line + "\n")
    if "c" in flags:
        ctx.stdout.write(f"{matched}\n")
    return 0 if matched else (status or 1)


def _bre(p: str) -> str:
    """A basic regular expression in Python syntax: \\( \\) \\| \\+ are the operators, ( ) | + literals."""
    out, i = [], 0
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p):
            n = p[i + 1]
            out.append(n if n in "()|+?{}" else "\\" + n)
            i += 2
            continue
        out.append("\\" + c if c in "()|+?{}" else c)
        i += 1
    return "".join(out)


async def _lines_cmd(ctx: Ctx, argv: list[str], tail: bool) -> int:
    n, files, args = 10, [], argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-n" and i + 1 < len(args):
            n = int(args[i + 1].lstrip("+-") or 10)
            i += 2
            continue
        if re.fullmatch(r"-\d+", a):
            n = int(a[1:])
        elif a.startswith("-n"):
            n = int(a[2:])
        else:
            files.append(a)
        i += 1
    datas, status = await _inputs(ctx, argv[0], files)
    for data in datas:
        lines = data.decode(errors="replace").splitlines(keepends=True)
        ctx.stdout.write("".join(lines[-n:] if tail else lines[:n]) if n else "")
    return status


async def head(ctx: Ctx, argv: list[str]) -> int:
    return await _lines_cmd(ctx, argv, False)


async def tail(ctx: Ctx, argv: list[str]) -> int:
    return await _lines_cmd(ctx, argv, True)


async def wc(ctx: Ctx, argv: list[str]) -> int:
    flags = "".join(a[1:] for a in argv[1:] if a.startswith("-"))
    files = [a for a in argv[1:] if not a.startswith("-")]
    datas, status = await _inputs(ctx, "wc", files)
    data = b"".join(datas)
    counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
    chosen = [k for k in "lwc" if k in flags] or ["l", "w", "c"]
    if len(chosen) == 1:
        ctx.stdout.write(f"{counts[chosen[0]]}\n")
    else:
        ctx.stdout.write(" ".join(f"{counts[k]:>9}" for k in chosen) + "\n")
    return status


async def ls(ctx: Ctx, argv: list[str]) -> int:
    paths = [a for a in argv[1:] if not a.startswith("-")] or [ctx.cwd]
    status = 0
    for p in paths:
        full = ctx.path(p)
        if ctx.fs.is_dir(full):
            names = ctx.fs.listdir(full)
            if names:
                ctx.stdout.write("\n".join(names) + "\n")
        elif ctx.fs.read(full) is not None:
            ctx.stdout.write(p + "\n")
        else:
            ctx.stderr.write(f"ls: {p}: No such file or directory\n")
            status = 1
    return status


async def mkdir(ctx: Ctx, argv: list[str]) -> int:
    for p in argv[1:]:
        if p.startswith("-"):
            continue
        full = ctx.path(p)
        parts = full.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            ctx.fs.dirs.add("/" + "/".join(parts[:i]))
    return 0


async def touch(ctx: Ctx, argv: list[str]) -> int:
    for p in argv[1:]:
        if not p.startswith("-") and ctx.fs.read(ctx.path(p)) is None:
            ctx.fs.write(ctx.path(p), b"")
    return 0


async def rm(ctx: Ctx, argv: list[str]) -> int:
    force = any(a.startswith("-") and "f" in a for a in argv[1:])
    status = 0
    for p in argv[1:]:
        if p.startswith("-"):
            continue
        if ctx.fs.files.pop(ctx.path(p), None) is None and not force:
            ctx.stderr.write(f"rm: can't remove '{p}': No such file or directory\n")
            status = 1
    return status


async def id_(ctx: Ctx, argv: list[str]) -> int:
    uid = ((ctx.spec.get("securityContext") or {}).get("runAsUser")
           or ((ctx.pod.get("spec") or {}).get("securityContext") or {}).get("runAsUser") or 0)
    name = "root" if uid == 0 else ("nobody" if uid == 65534 else str(uid))
    if "-u" in argv:
        ctx.stdout.write(f"{uid}\n")
    else:
        ctx.stdout.write(f"uid={uid}({name}) gid={uid}({name}) groups={uid}({name})\n")
    return 0


async def whoami(ctx: Ctx, argv: list[str]) -> int:
    uid = (ctx.spec.get("securityContext") or {}).get("runAsUser") or 0
    ctx.stdout.write(("root" if uid == 0 else "nobody" if uid == 65534 else str(uid)) + "\n")
    return 0


async def uname(ctx: Ctx, argv: list[str]) -> int:
    if "-a" in argv:
        ctx.stdout.write(f"Linux {pod_hostname(ctx.pod)} 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64 GNU/Linux\n")
    elif "-r" in argv:
        ctx.stdout.write("6.1.0-28-amd64\n")
    else:
        ctx.stdout.write("Linux\n")
    return 0


async def date(ctx: Ctx, argv: list[str]) -> int:
    now = datetime.fromtimestamp(ctx.cluster.clock.now() + ctx.elapsed, UTC)
    ctx.stdout.write(now.strftime("%a %b %e %H:%M:%S UTC %Y") + "\n")
    return 0


async def basename(ctx: Ctx, argv: list[str]) -> int:
    ctx.stdout.write((argv[1].rstrip("/").rsplit("/", 1)[-1] if len(argv) > 1 else "") + "\n")
    return 0


async def dirname(ctx: Ctx, argv: list[str]) -> int:
    p = argv[1].rstrip("/") if len(argv) > 1 else "."
    ctx.stdout.write((p.rsplit("/", 1)[0] or "/" if "/" in p else ".") + "\n")
    return 0


async def sort(ctx: Ctx, argv: list[str]) -> int:
    datas, status = await _inputs(ctx, "sort", [a for a in argv[1:] if not a.startswith("-")])
    lines = b"".join(datas).decode(errors="replace").splitlines()
    ctx.stdout.write("".join(f"{line}\n" for line in sorted(lines, reverse="-r" in argv)))
    return status


async def uniq(ctx: Ctx, argv: list[str]) -> int:
    datas, status = await _inputs(ctx, "uniq", [a for a in argv[1:] if not a.startswith("-")])
    counts: list[list] = []
    for line in b"".join(datas).decode(errors="replace").splitlines():
        if counts and counts[-1][0] == line:
            counts[-1][1] += 1
        else:
            counts.append([line, 1])
    if "-c" in argv:
        ctx.stdout.write("".join(f"{n:>7} {line}\n" for line, n in counts))
    else:
        ctx.stdout.write("".join(f"{line}\n" for line, _ in counts))
    return status


async def tr(ctx: Ctx, argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("-")]
    data = (await ctx.stdin.read()).decode(errors="replace")
    if "-d" in argv and args:
        data = "".join(c for c in data if c not in args[0])
    elif len(args) == 2:
        src, dst = args
        dst = (dst * len(src))[: len(src)] if dst else dst
        data = data.translate(str.maketrans(src, dst[: len(src)].ljust(len(src), dst[-1:] or " ")))
    ctx.stdout.write(data)
    return 0


async def cut(ctx: Ctx, argv: list[str]) -> int:
    delim, fields = "\t", "1"
    i = 1
    files = []
    while i < len(argv):
        a = argv[i]
        if a.startswith("-d"):
            delim = a[2:] or argv[i + 1]
            i += 0 if a[2:] else 1
        elif a.startswith("-f"):
            fields = a[2:] or argv[i + 1]
            i += 0 if a[2:] else 1
        else:
            files.append(a)
        i += 1
    wanted = {int(f) for f in fields.split(",") if f.isdigit()}
    datas, status = await _inputs(ctx, "cut", files)
    for line in b"".join(datas).decode(errors="replace").splitlines():
        parts = line.split(delim)
        ctx.stdout.write(delim.join(p for k, p in enumerate(parts, 1) if k in wanted) + "\n")
    return status


async def ps(ctx: Ctx, argv: list[str]) -> int:
    ctx.stdout.write("PID   USER     TIME  COMMAND\n    1 root      0:00 " + " ".join(
        (ctx.spec.get("command") or []) + (ctx.spec.get("args") or []) or ["sh"]) + "\n")
    return 0
