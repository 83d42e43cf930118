"""The one table of what the emulator can run (shell builtins, busybox applets, tools), and running a name
from it as exec and the shell do. Tools start other commands through their Ctx (ctx.run), never by
importing this module, so the table can import every tool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from . import builtins, coreutils, curl, dig, nslookup, sh, wget
from .catalog import SHELL_BUILTINS, image_kind, tools
from .context import Ctx

Command = Callable[[Ctx, list[str]], Awaitable[int]]

TABLE: Mapping[str, Command] = {
    # shell builtins (also what busybox has as applets of the same name)
    "echo": builtins.echo, "printf": builtins.printf, "true": builtins.true, ":": builtins.true,
    "false": builtins.false, "exit": builtins.exit_, "cd": builtins.cd, "pwd": builtins.pwd,
    "export": builtins.export, "unset": builtins.unset, "set": builtins.set_, "read": builtins.read,
    "type": builtins.which, "command": builtins.which, "which": builtins.which,
    "test": builtins.test, "[": builtins.test,
    # the shells
    "sh": sh.shell_command, "ash": sh.shell_command, "bash": sh.shell_command,
    # coreutils / busybox applets
    "cat": coreutils.cat, "sleep": coreutils.sleep, "seq": coreutils.seq, "env": coreutils.env,
    "printenv": coreutils.env, "hostname": coreutils.hostname, "grep": coreutils.grep, "head": coreutils.head,
    "tail": coreutils.tail, "wc": coreutils.wc, "ls": coreutils.ls, "mkdir": coreutils.mkdir,
    "touch": coreutils.touch, "rm": coreutils.rm, "id": coreutils.id_, "whoami": coreutils.whoami,
    "uname": coreutils.uname, "date": coreutils.date, "basename": coreutils.basename,
    "dirname": coreutils.dirname, "sort": coreutils.sort, "uniq": coreutils.uniq, "tr": coreutils.tr,
    "cut": coreutils.cut, "ps": coreutils.ps,
    # network tools
    "curl": curl.curl, "dig": dig.dig, "nslookup": nslookup.nslookup, "wget": wget.wget,
}


def _base(argv0: str) -> str:
    return argv0.rsplit("/", 1)[-1]


class Programs:
    """The commands of TABLE, as far as a container's image has them (catalog.py)."""

    def __init__(self, table: Mapping[str, Command] = TABLE):
        self.table = table

    def exists(self, ctx: Ctx, argv0: str) -> bool:
        """Whether exec can start argv0 in the container (an executable on PATH or at that path)."""
        return _base(argv0) in tools(ctx.image)

    async def run(self, ctx: Ctx, argv: list[str], shell: bool = False) -> int:
        """Run argv; inside a shell, builtins first and `sh: x: not found` (127) for what the image lacks."""
        name = argv[0]
        base = _base(name)
        if shell and name in SHELL_BUILTINS:
            return await self.table[name](ctx, argv)
        if base not in tools(ctx.image) or base not in self.table:
            if base in tools(ctx.image):
                ctx.stderr.write(f"{base}: this command is not emulated by the simulated cluster\n")
                return 127
            _not_found(ctx, name)
            return 127
        return await self.table[base](ctx, argv)


def _not_found(ctx: Ctx, argv0: str) -> None:
    if image_kind(ctx.image).startswith("debian"):
        ctx.stderr.write(f"sh: 1: {argv0}: not found\n")
    else:
        ctx.stderr.write(f"sh: {argv0}: not found\n")


PROGRAMS = Programs()
