"""The strip above the bottom pane: one tab per pane (command panes carry their key, so the strip
doubles as the key help), then the probes' counts or a hint."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from .panes.controller import PANES

TABS = ("timeline", "details", *PANES)
PANE_TITLES = {"lookup": "lookup", "curl": "curl", "lb": "balance", "dns": "dns"}
PANE_KEYS = {"lookup": "pane.lookup", "curl": "pane.curl", "lb": "pane.balance", "dns": "pane.dns"}


def tab_title(name: str, key: str | None) -> str:
    title = PANE_TITLES.get(name, name)
    return f"{key} {title}" if key is not None else title


class PaneTabs(Static):
    def __init__(self) -> None:
        super().__init__(id="pane-tabs")

    def paint(self, current: str, key_for: Callable[[str], str], focused: bool, probes: Text,
              selected_only: bool) -> None:
        """`focused`: the keys go to the bottom pane (reverse video; the tree's cursor says so otherwise).
        `key_for`: a binding id's key now (the user's keymap over the defaults)."""
        text = Text(" ")
        for i, name in enumerate(TABS):
            on_ = current == name
            title = tab_title(name, key_for(PANE_KEYS[name]) if name in PANE_KEYS else None)
            if i:
                text.append("│", "dim")
            text.append(f"[{title}]" if on_ else f" {title} ",
                        ("bold reverse" if focused else "bold underline") if on_ else "dim")
        if probes:
            text.append_text(probes)
        elif current in PANES:
            text.append(f"  {key_for('probe.toggle')} probe", "dim")
        elif current == "timeline":
            text.append(f"  {'all Services' if not selected_only else 'selected Service'} (t)", "dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)
