"""Lines of Rich Text that scroll themselves: only the lines on screen are rendered, and only once.

A Static holding the whole timeline turns all of it (hundreds of lines) into strips on every update,
and its update forces a layout of the screen; so does a `height: auto` widget that grows inside a
scrolling container (twice: its size, then the container's). Here the widget is its own scroll view:
each line becomes a strip only when it is drawn (cached until it changes), and a new line count
moves the scrollbar without a screen layout: only this widget is repainted.

Scrolls vertically like a VerticalScroll (lines wider than it are cropped). `render()` returns the
whole Text, for tests and inspection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from .styled_lines import ReusingStylesCache


class Lines(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    Lines {
        overflow-x: hidden;
        overflow-y: auto;
    }
    """
    # The scrollbar follows the line count (watch below); no screen layout is needed for it.
    virtual_size = Reactive(Size(0, 0), layout=False, repaint=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._ln_lines: list[Text] = []
        self._ln_widths: list[int] = []
        self._ln_strips: dict[int, Strip] = {}
        self._ln_style_key: object = None
        self._ln_frame: tuple | None = None
        self.updates = 0  # set_lines calls that changed something (tests and benchmarks look at it)
        self._styles_cache = ReusingStylesCache()

    @property
    def lines(self) -> list[Text]:
        return self._ln_lines

    def watch_virtual_size(self, size: Size) -> None:
        if self.is_mounted:
            self._scroll_update(size)

    def set_lines(self, lines: Sequence[Text]) -> None:
        """Show these lines. Lines that are the same objects as before keep their rendered strips."""
        old = self._ln_lines
        new = list(lines)
        if len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True)):
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
        self._ln_lines, self._ln_widths = new, widths
        self.updates += 1
        self.virtual_size = Size(max(widths, default=0), len(new))
        self.refresh()

    # ---- Textual ----

    def render(self) -> Text:
        return Text("\n").join(self._ln_lines)

    def render_lines(self, crop):
        # rich_style walks every ancestor's styles: once per render here, not once per line.
        self._ln_frame = (self.rich_style, self.size.width)
        try:
            return super().render_lines(crop)
        finally:
            self._ln_frame = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        y += scroll_y
        style, width = self._ln_frame or (self.rich_style, self.size.width)
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
        return strip.crop_extend(scroll_x, scroll_x + width, style)


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
