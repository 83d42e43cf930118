"""`y` on a row: the selected object's fields as svctui holds them (model/describe.py), read-only."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from svctui.model.sanitize import plain


class DescribeScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,y", "dismiss", "Close", id="describe.close")]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = plain(title, 200)
        # Names, labels and messages come from the cluster: each line literal, controls stripped.
        self.lines = [plain(line, 2000) for line in lines]

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(self.title_text, "bold underline")
        text.append("   (what svctui watches; esc closes)\n\n", "dim")
        for line in self.lines:
            key, sep, value = line.partition(": ")
            if sep:
                text.append(key, "bold cyan")
                text.append(sep + value + "\n")
            else:
                text.append(line + "\n", "bold cyan" if line.endswith(":") else "")
        with VerticalScroll(id="describe-box"):
            yield Static(text, id="describe-text")
