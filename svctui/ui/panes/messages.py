"""What the pane workers tell the screen. Workers never touch widgets; the app routes these to the panes."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message

from svctui.kube.debugpod import Leftover
from svctui.model.probe import ProbeResult

from .pane import Sample


class PaneBegin(Message):
    def __init__(self, pane: str, header: Text) -> None:
        super().__init__()
        self.pane = pane
        self.header = header


class PaneOutput(Message):
    """A chunk of a command's output (may end mid-line), or whole lines of svctui's own (`line`)."""

    def __init__(self, pane: str, text: str = "", style: str = "", line: Text | None = None) -> None:
        super().__init__()
        self.pane = pane
        self.text = text
        self.style = style
        self.line = line


class PaneDone(Message):
    def __init__(self, pane: str, summary: Text | None = None) -> None:
        super().__init__()
        self.pane = pane
        self.summary = summary


class BalanceStarted(Message):
    def __init__(self, title: Text, total: int) -> None:
        super().__init__()
        self.title = title
        self.total = total


class BalanceSample(Message):
    def __init__(self, sample: Sample) -> None:
        super().__init__()
        self.sample = sample


class ProbeSample(Message):
    def __init__(self, result: ProbeResult) -> None:
        super().__init__()
        self.result = result


class ProbeEnded(Message):
    def __init__(self, key: tuple[str, str], reason: str) -> None:
        super().__init__()
        self.key = key
        self.reason = reason


class LeftoversFound(Message):
    def __init__(self, items: list[Leftover]) -> None:
        super().__init__()
        self.items = items


class LeftoversRemoved(Message):
    def __init__(self, removed: list[str], error: str | None = None, kept: list[str] | None = None) -> None:
        super().__init__()
        self.removed = removed
        self.error = error
        self.kept = kept or []
