"""What an emulated process sees: its pod and container, environment, files, standard streams and clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..podfs import PodFS, fs_for

if TYPE_CHECKING:
    from ..cluster import Cluster


class Programs(Protocol):
    """What a process can start by name (programs.py holds the one table): tools and the shell run other
    commands through this, so no tool imports the table that lists it."""

    def exists(self, ctx: Ctx, argv0: str) -> bool: ...

    async def run(self, ctx: Ctx, argv: list[str], shell: bool = False) -> int: ...


class Input:
    """A process's stdin: bytes fed from outside (a websocket, a pipe), EOF once closed."""

    def __init__(self, data: bytes = b"", closed: bool = True):
        self.buffer = bytearray(data)
        self.eof = closed
        self._more = asyncio.Event() if not closed else None
        self._interrupt: asyncio.Event | None = None
        # ctrl-d's on a terminal not yet seen by a reader: each ends one read, the terminal stays open.
        self._eofs = 0

    def feed(self, data: bytes) -> None:
        self.buffer += data
        if self._more is not None:
            self._more.set()

    def close(self) -> None:
        self.eof = True
        if self._more is not None:
            self._more.set()

    def end_of_file(self) -> None:
        """ctrl-d on its terminal's empty line: the reader of the moment (`cat`, or the shell) sees end of
        file; the next one reads on."""
        self._eofs += 1
        if self._more is not None:
            self._more.set()

    def _take_eof(self) -> bool:
        if self._eofs:
            self._eofs -= 1
            return True
        return False

    def interrupt(self) -> None:
        """ctrl-c on its terminal: what was typed ahead is dropped and the foreground command gives way."""
        self.buffer.clear()
        self._eofs = 0
        self.interrupts().set()

    def interrupts(self) -> asyncio.Event:
        if self._interrupt is None:
            self._interrupt = asyncio.Event()
        return self._interrupt

    async def _wait(self) -> bool:
        if self.eof or self._more is None:
            return False
        self._more.clear()
        await self._more.wait()
        return True

    async def readline(self) -> bytes:
        while b"\n" not in self.buffer:
            if self._take_eof() or not await self._wait():
                break
        i = self.buffer.find(b"\n")
        end = len(self.buffer) if i < 0 else i + 1
        line = bytes(self.buffer[:end])
        del self.buffer[:end]
        return line

    async def read(self) -> bytes:
        while not self._take_eof() and await self._wait():
            pass
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


class Output:
    """Collects what a process writes, or hands it on as it comes (sink)."""

    def __init__(self, sink: Callable[[bytes], None] | None = None):
        self.sink = sink
        self.data = bytearray()

    def write(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        if self.sink is not None:
            self.sink(data)
        else:
            self.data += data


@dataclass
class Ctx:
    cluster: Cluster
    pod: dict[str, Any]
    container: str
    env: dict[str, str]
    stdin: Input
    stdout: Output
    stderr: Output
    programs: Programs
    # virtual: nothing waits for real; sleeps and timeouts only add to `elapsed` (a container's own command,
    # run to completion when it starts).
    virtual: bool = False
    elapsed: float = 0.0
    tty: bool = False
    cwd: str = "/"
    last_status: int = 0
    positional: list[str] = field(default_factory=list)
    steps: int = 0
    # Files a redirection of this command writes to: what it printed is appended when it ends.
    open_files: list[tuple[Output, str]] = field(default_factory=list)

    @property
    def fs(self) -> PodFS:
        return fs_for(self.cluster, self.pod, self.container)

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.pod.get("spec") or {}
        for c in (spec.get("containers") or []) + (spec.get("ephemeralContainers") or []) + (spec.get("initContainers") or []):
            if c.get("name") == self.container:
                return c
        return {}

    @property
    def image(self) -> str:
        return self.spec.get("image", "")

    async def sleep(self, seconds: float) -> None:
        """Sleep in cluster time (scaled by the sim's speed)."""
        if seconds <= 0:
            return
        if self.virtual:
            self.elapsed += seconds
            return
        await asyncio.sleep(self.cluster.clock.scaled(seconds))

    def child(self, stdin: Input | None = None, stdout: Output | None = None, stderr: Output | None = None) -> Ctx:
        return Ctx(self.cluster, self.pod, self.container, self.env, stdin or self.stdin, stdout or self.stdout,
                   stderr or self.stderr, self.programs, self.virtual, self.elapsed, self.tty, self.cwd, self.last_status,
                   self.positional, self.steps)

    async def run(self, argv: list[str], shell: bool = False) -> int:
        """Start argv in this process's context (`env CMD`, the shell's simple commands)."""
        return await self.programs.run(self, argv, shell)

    def absorb(self, other: Ctx) -> None:
        """Take over the clock of a child context."""
        self.elapsed = other.elapsed
        self.steps = other.steps

    def path(self, p: str) -> str:
        if not p.startswith("/"):
            p = self.cwd.rstrip("/") + "/" + p
        parts: list[str] = []
        for piece in p.split("/"):
            if piece in ("", "."):
                continue
            if piece == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(piece)
        return "/" + "/".join(parts)
