"""`?`: every binding with its id, so users know what to remap."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from svctui.model.churnwords import LEGEND
from svctui.model.sanitize import plain


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]], note: str = "") -> None:
        super().__init__()
        # Keys come from SVCTUI_KEYS too: as untrusted as anything else on screen.
        self.rows = [(plain(k), plain(w), plain(b)) for k, w, b in rows]
        self.note = plain(note)

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("Keys", "bold underline")
        text.append("   (esc closes)\n\n")
        width = max((len(k) for k, _, _ in self.rows), default=4)
        for keys, what, bid in self.rows:
            text.append(f"  {keys:<{width}}  ", "bold")
            text.append(what)
            if bid:
                text.append(f"  [{bid}]", "dim")
            text.append("\n")
        if self.note:
            text.append(f"\n{self.note}\n", "yellow")
        text.append(f"\nSigns: {LEGEND}\n", "dim")
        text.append("Remap keys by binding id, e.g. SVCTUI_KEYS='delete=ctrl+x,filter=f'\n", "dim")
        with VerticalScroll(id="help-box"):
            yield Static(text)
