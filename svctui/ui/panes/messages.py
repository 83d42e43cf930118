"""What the pane workers tell the controller (worker → PaneController, not bubbling), and what the
controller tells the screen above it (bubbling). Workers never touch widgets."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.message import Message

from svctui.kube.debugpod import Leftover
from svctui.model.probe import ProbeResult

from .pane import Sample


@dataclass(eq=False)
class PaneBegin(Message, bubble=False):
    pane: str
    header: Text


@dataclass(eq=False)
class PaneOutput(Message, bubble=False):
    """A chunk of a command's output (may end mid-line), or whole lines of svctui's own (`line`)."""

    pane: str
    text: str = ""
    style: str = ""
    line: Text | None = None


@dataclass(eq=False)
class PaneDone(Message, bubble=False):
    pane: str
    summary: Text | None = None


@dataclass(eq=False)
class BalanceStarted(Message, bubble=False):
    title: Text
    total: int


@dataclass(eq=False)
class BalanceSample(Message, bubble=False):
    sample: Sample


@dataclass(eq=False)
class ProbeSample(Message, bubble=False):
    result: ProbeResult


@dataclass(eq=False)
class ProbeEnded(Message, bubble=False):
    key: tuple[str, str]
    reason: str


@dataclass(eq=False)
class LeftoversFound(Message, bubble=False):
    items: list[Leftover]


@dataclass(eq=False)
class LeftoversRemoved(Message, bubble=False):
    removed: list[str]
    error: str | None = None
    kept: list[str] = field(default_factory=list)


# ---- up, to the screen ----


@dataclass(eq=False)
class ProbesChanged(Message):
    """A probe started or stopped: the tab strip is out of date, and with `timeline` (a new probe line)
    the timeline too. A pending one that asks no more than the next is dropped for it."""

    timeline: bool = False

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ProbesChanged) and (message.timeline or not self.timeline)


@dataclass(eq=False)
class ProbeAnswered(Message):
    """A probe's request came back. `counted`: the probe was still on, so the result joined the probe
    log and the ledger (its Service's row and findings are out of date); a recording takes it either way."""

    result: ProbeResult
    counted: bool
