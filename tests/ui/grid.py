"""What a terminal would show after each update the app sends it (not a fresh render): the app's
`_display`, through which Textual hands every compositor update to its driver, is wrapped on one
instance and each update is applied to a character grid. A widget that forgets to repaint a line
leaves the old characters here, where a screenshot (a full render) would hide the mistake.
benchmarks/_painted.py builds its PaintedScreen on this."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.cells import cell_len
from textual._compositor import ChopsUpdate, LayoutUpdate


class ScreenGrid:
    def __init__(self, app, size: tuple[int, int], before: Callable[[object], None] | None = None,
                 after: Callable[[object], None] | None = None) -> None:
        """`before(update)` runs before an update is applied; `after(update)` after it (`stamp` is when it
        was handed over, time.monotonic; `touched` lists the rows it wrote)."""
        self.width, self.height = size
        self.rows = [[" "] * self.width for _ in range(self.height)]
        self.touched: list[int] = []
        self.stamp = 0.0
        original = app._display

        def display(screen, update) -> None:
            original(screen, update)
            if update is None or app._batch_count:
                return
            if before is not None:
                before(update)
            self.stamp = time.monotonic()
            self.touched = self._apply(update)
            if after is not None:
                after(update)

        app._display = display  # instance attribute: shadows the method for this app only

    def _put(self, y: int, x: int, strip) -> None:
        if not 0 <= y < self.height:
            return
        row = self.rows[y]
        for seg in strip:
            for ch in seg.text:
                if 0 <= x < self.width:
                    row[x] = ch
                w = cell_len(ch) if ch > "~" else 1
                if w == 2 and 0 <= x + 1 < self.width:
                    row[x + 1] = ""
                x += w

    def _apply(self, update) -> list[int]:
        touched: list[int] = []
        if isinstance(update, LayoutUpdate):
            for y, strips in enumerate(update.strips, update.region.y):
                x = update.region.x
                for strip in strips:
                    self._put(y, x, strip)
                    x += strip.cell_length
                touched.append(y)
        elif isinstance(update, ChopsUpdate):
            for y, _x1, _x2 in update.spans:
                for x, strip in update.chops[y].items():
                    if strip is not None:
                        self._put(y, x, strip)
                touched.append(y)
        return [y for y in touched if 0 <= y < self.height]

    def line(self, y: int) -> str:
        return "".join(self.rows[y])

    def lines(self) -> list[str]:
        return [self.line(y).rstrip() for y in range(self.height)]

    def text(self) -> str:
        return "\n".join(self.line(y) for y in range(self.height))
