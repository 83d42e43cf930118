"""ReusingStylesCache: the styled line of a content strip seen before is handed back, and what it hands
back is what Textual's own StylesCache makes, with borders, padding and a restyle in play."""

from __future__ import annotations

from rich.text import Text
from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.containers import Horizontal

from svctui.ui.widgets.lines import Lines

CSS = """
Lines { width: 1fr; height: 1fr; }
.boxed { border: round red; padding: 1 2; background: $panel; }
"""


class Pair(App):
    CSS = CSS

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Lines(id="ref", classes="boxed")
            yield Lines(id="ours", classes="boxed")

    def on_mount(self) -> None:
        self.query_one("#ref", Lines)._styles_cache = StylesCache()  # Textual's, as the reference


def texts(n: int, first: int = 0) -> list[Text]:
    return [Text.assemble((f"entry {i:03d}", "bold"), "  ", ("added", "green")) for i in range(first, first + n)]


async def same_screen(app, pilot) -> None:
    await pilot.pause()
    await pilot.pause()
    ref, ours = app.query_one("#ref", Lines), app.query_one("#ours", Lines)
    want = ref.render_lines(ref.region.reset_offset)
    got = ours.render_lines(ours.region.reset_offset)
    assert [list(s) for s in got] == [list(s) for s in want]


async def test_styled_lines_equal_textuals_through_shifts_and_a_restyle():
    app = Pair()
    async with app.run_test(size=(60, 12)) as pilot:
        ref, ours = app.query_one("#ref", Lines), app.query_one("#ours", Lines)
        lines = texts(20)
        for view in (ref, ours):
            view.set_lines(lines)
        await same_screen(app, pilot)
        lines = texts(2, 100) + lines  # two new on top: the rest move down
        for view in (ref, ours):
            view.set_lines(lines)
        await same_screen(app, pilot)
        for view in (ref, ours):
            view.styles.tint = "blue 30%"  # inline: Textual clears no style cache for it
        await same_screen(app, pilot)
        for view in (ref, ours):
            view.set_lines(texts(1, 200) + lines)
            view.styles.padding = (0, 1)
        await same_screen(app, pilot)


async def test_a_line_that_moved_is_not_styled_again():
    app = Pair()
    async with app.run_test(size=(60, 12)) as pilot:
        ours = app.query_one("#ours", Lines)
        lines = texts(20)
        ours.set_lines(lines)
        await pilot.pause()
        await pilot.pause()
        styled: list[int] = []
        original = StylesCache.render_line

        def counting(self, styles, y, *args):
            if self is ours._styles_cache:
                styled.append(y)
            return original(self, styles, y, *args)

        StylesCache.render_line = counting
        try:
            ours.set_lines(texts(1, 100) + lines)
            await pilot.pause()
            await pilot.pause()
        finally:
            StylesCache.render_line = original
        # the new first line (y 2: below the border and the padding) and nothing else of the content
        content = [y for y in styled if 2 <= y < ours.size.height - 2]
        assert content == [2], styled
