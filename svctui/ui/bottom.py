"""The bottom pane: a switcher of the timeline, the details and the command panes, with the strip of
tabs above it, sized by layout.PaneSize (one line while it has nothing to say, the tree's blank rows
when the tree is short, the user's +/- and z). It owns which tab is chosen and the size rule; the
screen measures the rows it may have."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.dom import DOMNode
from textual.widgets import ContentSwitcher

from .layout import PaneSize
from .tabs import PaneTabs
from .timeline import TimelinePane


class BottomPanes(ContentSwitcher):
    def __init__(self, tabs: PaneTabs, timeline: TimelinePane, probes: Callable[[], Text]) -> None:
        super().__init__(initial="timeline-pane", id="bottom")
        self.tab = "timeline"  # the tab the strip marks (a pane's name without -pane)
        self.pane_size = PaneSize()
        self._tabs = tabs
        self._timeline = timeline
        self._probes = probes  # the probes' counts, for the strip

    def show(self, tab: str) -> None:
        self.tab = tab
        self.current = f"{tab}-pane"
        self.paint_tabs()

    def fit(self, shared: int, tree_rows: int) -> None:
        """`shared`: the rows the tree and this pane divide."""
        quiet = self.current == "timeline-pane" and self._timeline.empty
        rows = self.pane_size.rows(shared, tree_rows, quiet)
        if self.styles.height is None or self.styles.height.value != rows:
            self.styles.height = rows

    def paint_tabs(self) -> None:
        if self.is_attached:
            self._tabs.paint(self.tab, self._key_for, self._focus_inside(), self._probes(),
                             self._timeline.selected_only)

    def _key_for(self, binding_id: str) -> str:
        key_for = getattr(self.app, "key_for", None)  # the user's keymap over the App's defaults
        return key_for(binding_id) if key_for is not None else "?"

    def _focus_inside(self) -> bool:
        node: DOMNode | None = self.app.focused
        while node is not None:
            if node is self:
                return True
            node = node.parent
        return False
