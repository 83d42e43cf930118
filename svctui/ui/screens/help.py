"""`?`: the keys and what they do, in groups, as k9s shows them; `i` switches to the keymap view (each
binding's id, for SVCTUI_KEYS remapping), which is for people remapping, not for reading."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from svctui.model.churnwords import LEGEND
from svctui.model.sanitize import plain

# Binding id → group; ids not listed go under "General".
GROUPS = {
    "cursor.down": "Tree", "cursor.up": "Tree", "tree.toggle": "Tree", "filter": "Tree", "namespace": "Tree",
    "context": "Tree", "delete": "Tree", "yaml": "Tree",
    "pane.next": "Panes", "pane.prev": "Panes", "pane.lookup": "Panes", "pane.curl": "Panes", "pane.balance": "Panes",
    "pane.dns": "Panes", "probe.toggle": "Panes", "timeline.scope": "Panes", "pane.grow": "Panes",
    "pane.shrink": "Panes", "pane.max": "Panes", "filter.clear": "Panes",
}
ORDER = ("Tree", "Panes", "General")


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
                Binding("i", "ids", "Keymap (binding ids)", id="help.ids")]

    def __init__(self, rows: list[tuple[str, str, str]], note: str = "") -> None:
        super().__init__()
        # Keys come from SVCTUI_KEYS too: as untrusted as anything else on screen.
        self.rows = [(plain(k), plain(w), plain(b)) for k, w, b in rows]
        self.note = plain(note)
        self.show_ids = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._text(), id="help-text")

    def action_ids(self) -> None:
        self.show_ids = not self.show_ids
        self.query_one("#help-text", Static).update(self._text())

    def _text(self) -> Text:
        return self._keymap() if self.show_ids else self._keys()

    def _keys(self) -> Text:
        text = Text()
        text.append("Keys", "bold underline")
        text.append("   esc closes · i keymap (binding ids)\n", "dim")
        width = max((len(k) for k, _, _ in self.rows), default=4)
        for group in ORDER:
            rows = [(k, w) for k, w, b in self.rows if GROUPS.get(b, "General") == group]
            if not rows:
                continue
            text.append(f"\n{group}\n", "bold")
            for keys, what in rows:
                text.append(f"  {keys:>{width}}  ", "bold cyan")
                text.append(f"{what}\n")
        if self.note:
            text.append(f"\n{self.note}\n", "yellow")
        text.append(f"\nSigns: {LEGEND}\n", "dim")
        return text

    def _keymap(self) -> Text:
        text = Text()
        text.append("Keymap", "bold underline")
        text.append("   i back to the keys · esc closes\n\n", "dim")
        width = max((len(b) for _, _, b in self.rows), default=4)
        for keys, _what, bid in self.rows:
            if bid:
                text.append(f"  {bid:<{width}}  ", "bold")
                text.append(f"{keys}\n")
        text.append("\nRemap keys by binding id, e.g. SVCTUI_KEYS='delete=ctrl+x,filter=f'\n", "dim")
        return text
