"""Commands run inside simulated containers: a small shell and the tools the tutorials use, one module each.

Entry points: `run_argv(ctx, argv)` (exec of argv, as the runtime does: no shell unless argv[0] is one) and
`run_virtual(...)` (a container's own command, run to completion in simulated time when it starts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .context import Ctx, Input, Output
from .environ import environment
from .programs import PROGRAMS
from .sh import MAX_STEPS, VIRTUAL_LIMIT, ExitShell

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["Ctx", "Input", "Output", "exists", "run_argv", "run_virtual", "make_ctx"]


def make_ctx(cluster: Cluster, pod: dict[str, Any], container: str, stdin: Input, stdout: Output, stderr: Output,
             tty: bool = False, virtual: bool = False) -> Ctx:
    spec = next((c for c in _containers(pod) if c.get("name") == container), {})
    env = environment(cluster, pod, spec)
    cwd = spec.get("workingDir") or "/"
    return Ctx(cluster, pod, container, env, stdin, stdout, stderr, PROGRAMS, virtual=virtual, tty=tty, cwd=cwd)


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod.get("spec") or {}
    return (spec.get("containers") or []) + (spec.get("ephemeralContainers") or []) + (spec.get("initContainers") or [])


def exists(ctx: Ctx, argv0: str) -> bool:
    """Whether exec can start argv0 in the container (an executable on PATH or at that path)."""
    return ctx.programs.exists(ctx, argv0)


async def run_argv(ctx: Ctx, argv: list[str]) -> int:
    try:
        return await ctx.run(argv)
    except ExitShell as e:
        return e.code


def run_virtual(cluster: Cluster, pod: dict[str, Any], container: str, argv: list[str]) -> tuple[list[tuple[float, str]], int | None, float] | None:
    """Run a container's command to completion without waiting: ([(seconds after start, line)], exit code,
    runtime). Exit code None: it would still be running after a simulated hour (a server loop); only what it
    printed before its first sleep is kept. None when argv is not something the emulator runs."""
    lines: list[tuple[float, str]] = []
    pending = {"out": b""}
    holder: dict[str, Ctx] = {}

    def sink(data: bytes) -> None:
        pending["out"] += data
        *done, rest = pending["out"].split(b"\n")
        pending["out"] = rest
        at = holder["ctx"].elapsed if "ctx" in holder else 0.0
        lines.extend((at, d.decode(errors="replace")) for d in done)

    out = Output(sink)
    ctx = make_ctx(cluster, pod, container, Input(), out, out, virtual=True)
    holder["ctx"] = ctx
    if not exists(ctx, argv[0]):
        return None
    coro = run_argv(ctx, argv)
    code: int | None
    try:
        while True:
            yielded = coro.send(None)
            if yielded is not None:  # something really waited: not a self-contained command
                coro.close()
                return None
            if ctx.elapsed > VIRTUAL_LIMIT:
                coro.close()
                break
    except StopIteration as stop:
        code = stop.value
    else:
        code = None
    if pending["out"]:
        lines.append((ctx.elapsed, pending["out"].decode(errors="replace")))
    if code is None or ctx.steps > MAX_STEPS or ctx.elapsed > VIRTUAL_LIMIT:
        return [line for line in lines if line[0] <= 0], None, 0.0
    return lines, code, ctx.elapsed
