"""The bottom pane: a switcher of the timeline, the details and the command panes, with the strip of
tabs above it, sized by layout.PaneSize (one line while it has nothing to say, the tree's blank rows
when the tree is short, the user's +/- and z). It owns which tab is chosen and the size rule; the
screen measures the rows it may have."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widgets import ContentSwitcher

from .layout import PaneSize
from .panes.controller import PaneController
from .panes.pane import CommandPane
from .tabs import PaneTabs
from .timeline import TimelinePane


class BottomPanes(ContentSwitcher):
    def __init__(self, tabs: PaneTabs, timeline: TimelinePane, panes: PaneController) -> None:
        super().__init__(initial="timeline-pane", id="bottom")
        self.tab = "timeline"  # the tab the strip marks (a pane's name without -pane)
        self.pane_size = PaneSize()
        self._tabs = tabs
        self._timeline = timeline
        self._panes = panes  # runs what the command panes ask for; its probes' counts go on the strip

    def show(self, tab: str) -> None:
        self.tab = tab
        self.current = f"{tab}-pane"
        self.paint_tabs()

    def open(self, kind: str) -> None:
        """A command pane shown and focused: the key that opened it meant "I want this", so what is typed
        next edits its command (Input selects it whole on focus: typing replaces it) instead of firing
        hotkeys."""
        self.show(kind)
        self.query_one(f"#{kind}-pane", CommandPane).input.focus()

    # Plain handler names: Textual's @on only registers handlers of the class that carries its metaclass.
    def on_command_pane_submitted(self, m: CommandPane.Submitted) -> None:
        self._panes.run_in(m.pane, m.command)

    def on_command_pane_source_wanted(self, m: CommandPane.SourceWanted) -> None:
        self._panes.pick_source(m.pane)

    def fit(self, shared: int, tree_rows: int) -> None:
        """`shared`: the rows the tree and this pane divide."""
        quiet = self.current == "timeline-pane" and self._timeline.empty
        rows = self.pane_size.rows(shared, tree_rows, quiet)
        if self.styles.height is None or self.styles.height.value != rows:
            self.styles.height = rows

    def paint_tabs(self) -> None:
        if self.is_attached:
            self._tabs.paint(self.tab, self._key_for, self._focus_inside(), self._panes.probe_status(),
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
