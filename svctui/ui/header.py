"""The header line: svctui, context, namespace, cluster DNS health, connection, recording, read-only,
the filter; the clock on the right. The screen hands it the text (it knows the state); the header
keeps what it last drew so an unchanged clock costs nothing."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from svctui.model.sanitize import plain

from .clock import hms


def header_text(context: str, namespace: str, dns: Text | None, connection: Text, recording: Text,
                read_only: bool, filter_text: str) -> Text:
    left = Text.assemble(("svctui", "bold"), " ─ ctx ", (plain(context), "bold"),
                         " ─ ns ", (plain(namespace), "bold"), " ─ ")
    if dns:  # cluster-wide (no Service name resolves): before the connection state, to survive 80 columns
        left.append_text(dns)
        left.append(" ─ ")
    left.append_text(connection)
    left.append_text(recording)
    if read_only:
        left.append("  read-only", "bold magenta")
    if filter_text:
        left.append("  filter: ", "dim")
        left.append(plain(filter_text), "bold")
    left.no_wrap = True
    left.overflow = "ellipsis"
    return left


class HeaderBar(Horizontal):
    def __init__(self) -> None:
        super().__init__(id="header")
        self._left = Static(id="hdr-left")
        self._clock = Static(id="hdr-clock")
        self._clock_text: str | None = None

    def compose(self) -> ComposeResult:
        yield self._left
        yield self._clock

    def show(self, left: Text, now: float) -> None:
        self._left.update(left, layout=False)  # 1fr × 1: its size is fixed
        self.show_clock(now)

    def show_clock(self, now: float) -> None:
        text = hms(now)
        if text != self._clock_text:
            layout = self._clock_text is None or len(text) != len(self._clock_text)
            self._clock_text = text
            self._clock.update(Text(text), layout=layout)
