"""A small chooser (namespace, context): type to narrow, enter picks, esc cancels."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from svctui.model.sanitize import plain


class PickScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick.cancel")]

    def __init__(self, title: str, choices: list[str], current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-box"):
            yield Static(Text(plain(self.title_text), "bold"))
            yield Input(placeholder="type to narrow", id="pick-input")
            yield OptionList(*self._options(""), id="pick-list")

    def _options(self, needle: str) -> list[Option]:
        out = []
        for c in self.choices:
            if needle.lower() in c.lower():
                label = Text(plain(c))
                if c == self.current:
                    label.append("  (current)", "dim")
                out.append(Option(label, id=c))
        return out

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        if self.current in self.choices:
            idx = [o.id for o in self._options("")].index(self.current)
            ol.highlighted = idx
        elif self.choices:
            ol.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options(self._options(event.value))
        if ol.option_count:
            ol.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None and ol.option_count:
            self.dismiss(ol.get_option_at_index(ol.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event) -> None:
        # Up/down in the input move the list, so the keyboard never has to leave the input.
        if event.key in ("down", "up") and self.focused is self.query_one(Input):
            ol = self.query_one(OptionList)
            if event.key == "down":
                ol.action_cursor_down()
            else:
                ol.action_cursor_up()
            event.stop()

    def action_cancel(self) -> None:
        self.dismiss(None)
