"""Lines of Rich Text drawn one line at a time: only the lines its scroll container shows are rendered.

A Static holding the whole timeline turns all of it (hundreds of lines) into strips on every update,
and its update forces a layout pass. Here each line becomes a strip only when it is drawn (and is
cached until it changes), and a new set of lines asks for a layout only when the widget's size
changes (line count or the widest line): otherwise only this widget is repainted.

Looks like a `width: auto; height: auto` Static with the same Text (no wrapping; lines wider than the
container are cropped by it). `render()` returns the whole Text, for tests and inspection.
"""

from __future__ import annotations

from typing import Callable, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static


class Lines(Widget):
    DEFAULT_CSS = """
    Lines {
        width: auto;
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._ln_lines: list[Text] = []
        self._ln_widths: list[int] = []
        self._ln_width = 0
        self._ln_strips: dict[int, Strip] = {}
        self._ln_style_key: object = None
        self.updates = 0  # set_lines calls that changed something (tests and benchmarks look at it)

    @property
    def lines(self) -> list[Text]:
        return self._ln_lines

    def set_lines(self, lines: Sequence[Text]) -> None:
        """Show these lines. Lines that are the same objects as before keep their rendered strips."""
        old = self._ln_lines
        new = list(lines)
        if len(new) == len(old) and all(a is b for a, b in zip(new, old)):
            return
        keep: dict[int, int] = {}
        if self._ln_strips:
            at = {id(t): i for i, t in enumerate(old)}
            for j, t in enumerate(new):
                i = at.get(id(t))
                if i is not None and i in self._ln_strips:
                    keep[j] = i
        self._ln_strips = {j: self._ln_strips[i] for j, i in keep.items()}
        widths = [t.cell_len for t in new]
        width = max(widths, default=0)
        layout = len(new) != len(old) or width != self._ln_width
        self._ln_lines, self._ln_widths, self._ln_width = new, widths, width
        self.updates += 1
        self.refresh(layout=layout)

    # ---- Textual ----

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._ln_width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._ln_lines)

    def render(self) -> Text:
        return Text("\n").join(self._ln_lines)

    def render_line(self, y: int) -> Strip:
        style = self.rich_style
        width = self.size.width
        if style != self._ln_style_key:
            self._ln_strips.clear()
            self._ln_style_key = style
        if not 0 <= y < len(self._ln_lines):
            return Strip.blank(width, style)
        strip = self._ln_strips.get(y)
        if strip is None:
            text = self._ln_lines[y]
            console = self.app.console
            # Text.render leaves out the Text's own style (only spans): it goes under the spans here.
            base = style + console.get_style(text.style) if text.style else style
            segments = Segment.apply_style(text.render(console, end=""), base)
            strip = self._ln_strips[y] = Strip(list(segments), self._ln_widths[y])
        return strip.adjust_cell_length(width, style)


class Pulled(Static):
    """A Static whose text comes from `pull()`: at once while it is on screen, else when it is next
    drawn or asked for (`render()`), so a hidden pane costs nothing per update. A new text asks for a
    layout pass only when its size (lines, widest line) changes."""

    def __init__(self, pull: Callable[[], Text], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._ln_pull = pull
        self._ln_stale = True
        self._ln_size: tuple[int, int] | None = None
        self.updates = 0

    def invalidate(self, shown: bool) -> None:
        if shown:
            self._set(self._ln_pull())
        else:
            self._ln_stale = True

    def _set(self, text: Text, layout: bool | None = None) -> None:
        self._ln_stale = False
        lines = text.plain.split("\n")
        size = (len(lines), max((cell_len(line) for line in lines), default=0))
        if layout is None:
            layout = size != self._ln_size
        self._ln_size = size
        self.updates += 1
        self.update(text, layout=layout)

    def render(self):
        if self._ln_stale:
            self._set(self._ln_pull(), layout=True)
        return super().render()
