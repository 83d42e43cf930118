"""Which commands a container's image has, and running one (shell builtins, busybox applets, tools).

Images (by repository name; see image_kind):
  busybox, alpine and unknown images  busybox applets (nslookup, wget, ...), ash
  curlimages/curl                      busybox + curl
  nginx (-alpine tags)                 busybox + curl;  nginx (Debian tags): coreutils + curl, dash
  postgres, httpd, debian, ubuntu      coreutils, dash (no curl, wget, nslookup)
  nicolaka/netshoot                    busybox + curl + dig + bind's nslookup
  coredns, pause (distroless)          nothing at all, not even sh
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..containers import image_name
from .context import Ctx

Command = Callable[[Ctx, list[str]], Awaitable[int]]

BUSYBOX = {
    "sh", "ash", "echo", "printf", "cat", "true", "false", "sleep", "seq", "env", "printenv", "hostname",
    "nslookup", "wget", "grep", "head", "tail", "wc", "ls", "id", "whoami", "uname", "date", "mkdir", "touch",
    "rm", "test", "[", "pwd", "tr", "cut", "sort", "uniq", "which", "yes", "basename", "dirname", "ps",
}
COREUTILS = BUSYBOX - {"nslookup", "wget"} | {"bash"}
SHELL_BUILTINS = {"echo", "printf", "true", "false", ":", "exit", "cd", "pwd", "export", "test", "[", "unset",
                  "read", "set", "type", "command"}

_COMMANDS: dict[str, Command] = {}


def command(*names: str) -> Callable[[Command], Command]:
    def deco(fn: Command) -> Command:
        for n in names:
            _COMMANDS[n] = fn
        return fn
    return deco


def image_kind(image: str) -> str:
    name, tag = image_name(image)
    base = name.rsplit("/", 1)[-1]
    if base in ("coredns", "pause", "kube-proxy", "etcd", "kube-apiserver", "distroless") or "distroless" in name:
        return "distroless"
    if base == "netshoot":
        return "netshoot"
    if base == "nginx":
        return "alpine+curl" if "alpine" in tag else "debian+curl"
    if base == "curl":
        return "alpine+curl"
    if base in ("postgres", "httpd", "debian", "ubuntu", "redis", "python", "node") and "alpine" not in tag:
        return "debian"
    return "alpine"


def tools(image: str) -> set[str]:
    kind = image_kind(image)
    if kind == "distroless":
        return set()
    if kind == "debian":
        return set(COREUTILS)
    if kind == "debian+curl":
        return COREUTILS | {"curl"}
    if kind == "alpine+curl":
        return BUSYBOX | {"curl"}
    if kind == "netshoot":
        return BUSYBOX | {"curl", "dig", "host", "bash"}
    return set(BUSYBOX)


def _base(argv0: str) -> str:
    return argv0.rsplit("/", 1)[-1]


def exists(ctx: Ctx, argv0: str) -> bool:
    """Whether exec can start argv0 in the container (an executable on PATH or at that path)."""
    return _base(argv0) in tools(ctx.image)


def not_found(ctx: Ctx, argv0: str) -> None:
    if image_kind(ctx.image).startswith("debian"):
        ctx.stderr.write(f"sh: 1: {argv0}: not found\n")
    else:
        ctx.stderr.write(f"sh: {argv0}: not found\n")


async def run(ctx: Ctx, argv: list[str], shell: bool = False) -> int:
    """Run argv; inside a shell, builtins first and `sh: x: not found` (127) for what the image lacks."""
    _load()
    name = argv[0]
    base = _base(name)
    if shell and name in SHELL_BUILTINS:
        return await _COMMANDS[name](ctx, argv)
    if base not in tools(ctx.image) or base not in _COMMANDS:
        if base in tools(ctx.image):
            ctx.stderr.write(f"{base}: this command is not emulated by the simulated cluster\n")
            return 127
        not_found(ctx, name)
        return 127
    return await _COMMANDS[base](ctx, argv)


def _load() -> None:
    if _COMMANDS:
        return
    from . import builtins, coreutils, curl, dig, nslookup, wget  # noqa: F401  (they register themselves)
    from .sh import interactive, run_script

    async def sh(ctx: Ctx, argv: list[str]) -> int:
        args = argv[1:]
        while args and args[0] in ("-e", "-x", "-l", "-i", "-eu", "-ex"):
            args = args[1:]
        if args and args[0] == "-c":
            if len(args) < 2:
                ctx.stderr.write("sh: -c requires an argument\n")
                return 2
            sub = ctx.child()
            sub.positional = args[3:]
            status = await run_script(sub, args[1])
            ctx.absorb(sub)
            return status
        if args:
            data = ctx.fs.read(ctx.path(args[0]))
            if data is None:
                ctx.stderr.write(f"sh: can't open '{args[0]}': No such file or directory\n")
                return 2
            return await run_script(ctx, data.decode(errors="replace"))
        return await interactive(ctx, _base(argv[0]))

    _COMMANDS["sh"] = _COMMANDS["ash"] = _COMMANDS["bash"] = sh
