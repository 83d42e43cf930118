"""How the rows between the header and the footer are shared by the tree and the bottom pane.

The tree comes first: at 80×24 a namespace of five Services must fit with their findings, so a pane
with nothing to say (no endpoint changes yet) takes one line. Rows the tree does not need (160×45 and
a small namespace) go to the pane. The user may size the pane (+/-) or give it the screen (z).
"""

from __future__ import annotations

from dataclasses import dataclass

TREE_MIN = 5  # the tree never gets less, except when the pane is maximised
PANE_MIN = 3  # a pane with something in it: its command bar and two lines
PANE_SHARE = 0.35  # of the shared rows, by default, capped at PANE_CAP
PANE_CAP = 16
STEP = 2  # rows per +/-


@dataclass
class PaneSize:
    user_rows: int | None = None  # set by +/-; None: automatic
    maximized: bool = False

    def rows(self, shared: int, tree_rows: int, quiet: bool) -> int:
        """The pane's height, given the rows shared with the tree and the lines the tree would draw."""
        if shared <= 0:
            return 1
        if self.maximized:
            return shared
        room = max(1, shared - TREE_MIN)
        if self.user_rows is not None:
            return max(1, min(self.user_rows, room))
        if quiet:
            return 1
        usual = max(PANE_MIN, min(PANE_CAP, round(shared * PANE_SHARE)))
        spare = shared - tree_rows  # rows the tree leaves blank: the pane's
        return max(1, min(room, max(usual, spare)))

    def grow(self, current: int, step: int, shared: int) -> None:
        self.maximized = False
        self.user_rows = max(1, min(current + step, max(1, shared - TREE_MIN)))

    def reset(self) -> None:
        self.user_rows = None
        self.maximized = False
