"""What the pane workers tell the controller (worker → PaneController, not bubbling), and what the
controller tells the screen above it (bubbling). Workers never touch widgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual.message import Message

from svctui.kube.debugpod import Leftover
from svctui.model.probe import ProbeResult

from .pane import Sample


@dataclass
class PaneBegin(Message):
    bubble: ClassVar[bool] = False
    pane: str
    header: Text


@dataclass
class PaneOutput(Message):
    """A chunk of a command's output (may end mid-line), or whole lines of svctui's own (`line`)."""

    bubble: ClassVar[bool] = False
    pane: str
    text: str = ""
    style: str = ""
    line: Text | None = None


@dataclass
class PaneDone(Message):
    bubble: ClassVar[bool] = False
    pane: str
    summary: Text | None = None


@dataclass
class BalanceStarted(Message):
    bubble: ClassVar[bool] = False
    title: Text
    total: int


@dataclass
class BalanceSample(Message):
    bubble: ClassVar[bool] = False
    sample: Sample


@dataclass
class ProbeSample(Message):
    bubble: ClassVar[bool] = False
    result: ProbeResult


@dataclass
class ProbeEnded(Message):
    bubble: ClassVar[bool] = False
    key: tuple[str, str]
    reason: str


@dataclass
class LeftoversFound(Message):
    bubble: ClassVar[bool] = False
    items: list[Leftover]


@dataclass
class LeftoversRemoved(Message):
    bubble: ClassVar[bool] = False
    removed: list[str]
    error: str | None = None
    kept: list[str] = field(default_factory=list)


# ---- up, to the screen ----


@dataclass
class ProbesChanged(Message):
    """A probe started or stopped: the tab strip is out of date, and with `timeline` (a new probe line)
    the timeline too. A pending one that asks no more than the next is dropped for it."""

    timeline: bool = False

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ProbesChanged) and (message.timeline or not self.timeline)


@dataclass
class ProbeAnswered(Message):
    """A probe's request came back. `counted`: the probe was still on, so the result joined the probe
    log and the ledger (its Service's row and findings are out of date); a recording takes it either way."""

    result: ProbeResult
    counted: bool
