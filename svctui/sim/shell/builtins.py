"""Shell builtins (echo, printf, test, cd, export, exit, ...), with busybox ash's behaviour and messages."""

from __future__ import annotations

import re

from .catalog import SHELL_BUILTINS, tools
from .context import Ctx
from .sh import ExitShell


async def echo(ctx: Ctx, argv: list[str]) -> int:
    args = argv[1:]
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline = newline and "n" not in args[0]
        escapes = "e" in args[0]
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text = _escapes(text)
    ctx.stdout.write(text + ("\n" if newline else ""))
    return 0


def _escapes(s: str) -> str:
    return (s.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r").replace("\\\\", "\\")
             .replace("\\a", "\a").replace("\\033", "\033").replace("\\e", "\033"))


async def printf(ctx: Ctx, argv: list[str]) -> int:
    if len(argv) < 2:
        ctx.stderr.write("printf: usage: printf FORMAT [ARGUMENT...]\n")
        return 1
    fmt, args = _escapes(argv[1]), argv[2:]
    out = []
    specs = re.compile(r"%(-?\d*)(?:\.(\d+))?([sdibxXoc%])")
    while True:
        used = 0

        def sub(m: re.Match) -> str:
            nonlocal used
            if m.group(3) == "%":
                return "%"
            # re.sub calls this before the loop moves `args` on: it reads this round's.
            value = args[used] if used < len(args) else ""  # noqa: B023
            used += 1
            width, conv = m.group(1), m.group(3)
            if conv in "di":
                try:
                    value = str(int(value or 0))
                except ValueError:
                    value = "0"
            elif conv in "xX":
                value = format(int(value or 0), conv)
            elif conv == "o":
                value = format(int(value or 0), "o")
            elif conv == "b":
                value = _escapes(value)
            elif conv == "c":
                value = value[:1]
            if m.group(2) and conv == "s":
                value = value[: int(m.group(2))]
            if width:
                value = value.ljust(int(width[1:])) if width.startswith("-") else value.rjust(int(width))
            return value

        out.append(specs.sub(sub, fmt))
        args = args[used:]
        if not args or not used:
            break
    ctx.stdout.write("".join(out))
    return 0


async def true(ctx: Ctx, argv: list[str]) -> int:
    return 0


async def false(ctx: Ctx, argv: list[str]) -> int:
    return 1


async def exit_(ctx: Ctx, argv: list[str]) -> int:
    code = ctx.last_status
    if len(argv) > 1:
        try:
            code = int(argv[1]) % 256
        except ValueError:
            ctx.stderr.write(f"sh: exit: Illegal number: {argv[1]}\n")
            code = 2
    raise ExitShell(code)


async def cd(ctx: Ctx, argv: list[str]) -> int:
    target = ctx.path(argv[1] if len(argv) > 1 else ctx.env.get("HOME", "/root"))
    if not ctx.fs.is_dir(target):
        ctx.stderr.write(f"sh: cd: can't cd to {argv[1] if len(argv) > 1 else target}: No such file or directory\n")
        return 2
    ctx.cwd = target
    return 0


async def pwd(ctx: Ctx, argv: list[str]) -> int:
    ctx.stdout.write(ctx.cwd + "\n")
    return 0


async def export(ctx: Ctx, argv: list[str]) -> int:
    for arg in argv[1:]:
        if "=" in arg:
            name, value = arg.split("=", 1)
            ctx.env[name] = value
    if len(argv) == 1:
        for k in sorted(ctx.env):
            ctx.stdout.write(f"export {k}='{ctx.env[k]}'\n")
    return 0


async def unset(ctx: Ctx, argv: list[str]) -> int:
    for name in argv[1:]:
        ctx.env.pop(name, None)
    return 0


async def set_(ctx: Ctx, argv: list[str]) -> int:
    return 0


async def read(ctx: Ctx, argv: list[str]) -> int:
    names = [a for a in argv[1:] if not a.startswith("-")] or ["REPLY"]
    line = await ctx.stdin.readline()
    if not line:
        return 1
    words = line.decode(errors="replace").rstrip("\n").split(None, len(names) - 1)
    for k, name in enumerate(names):
        ctx.env[name] = words[k] if k < len(words) else ""
    return 0


async def which(ctx: Ctx, argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("-")]
    status = 0
    for name in args:
        if argv[0] == "type" and name in SHELL_BUILTINS:
            ctx.stdout.write(f"{name} is a shell builtin\n")
        elif name in tools(ctx.image):
            where = "/usr/bin/" if name in ("curl", "dig", "host") else "/bin/"
            ctx.stdout.write(f"{name} is {where}{name}\n" if argv[0] == "type" else f"{where}{name}\n")
        else:
            if argv[0] == "type":
                ctx.stdout.write(f"{name}: not found\n")
            status = 1
    return status


async def test(ctx: Ctx, argv: list[str]) -> int:
    args = argv[1:]
    if argv[0] == "[":
        if not args or args[-1] != "]":
            ctx.stderr.write("sh: [: missing ]\n")
            return 2
        args = args[:-1]
    return 0 if _test(ctx, args) else 1


def _test(ctx: Ctx, a: list[str]) -> bool:
    if not a:
        return False
    if a[0] == "!":
        return not _test(ctx, a[1:])
    if len(a) == 1:
        return a[0] != ""
    if len(a) == 2:
        op, x = a
        if op == "-z":
            return x == ""
        if op == "-n":
            return x != ""
        if op in ("-f", "-e", "-s", "-r"):
            data = ctx.fs.read(ctx.path(x))
            return (data is not None and (op != "-s" or bool(data))) or (op == "-e" and ctx.fs.is_dir(ctx.path(x)))
        if op == "-d":
            return ctx.fs.is_dir(ctx.path(x))
        return False
    x, op, y = a[0], a[1], a[2]
    if op in ("=", "=="):
        return x == y
    if op == "!=":
        return x != y
    try:
        xi, yi = int(x), int(y)
    except ValueError:
        return False
    return {"-eq": xi == yi, "-ne": xi != yi, "-lt": xi < yi, "-le": xi <= yi, "-gt": xi > yi, "-ge": xi >= yi}.get(op, False)
