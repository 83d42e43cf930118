"""paint_now: a plain repaint reaches the terminal before the call returns; anything that needs
Textual's own frame (a layout, a batch) is left to it and still painted."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from svctui.ui.paint import paint_now
from svctui.ui.widgets.lines import Lines

from .grid import ScreenGrid

SIZE = (40, 8)


class One(App):
    CSS = "Lines { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Static("header", id="hdr")
        yield Lines(id="lines")


async def settled(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def test_a_repaint_is_on_the_terminal_when_paint_now_returns():
    app = One()
    async with app.run_test(size=SIZE) as pilot:
        grid = ScreenGrid(app, SIZE)
        lines = app.query_one(Lines)
        lines.set_lines([Text("first")])
        await settled(pilot)
        assert "first" in grid.text()
        lines.set_lines([Text("second"), Text("first")])
        assert "second" not in grid.text()  # Textual alone paints a frame later
        assert paint_now(app.screen, [lines]) is True
        assert "second" in grid.text()
        assert paint_now(app.screen, [lines]) is False  # nothing left to paint
        await settled(pilot)
        assert "second" in grid.text()


async def test_a_layout_or_a_batch_is_left_to_textuals_frame():
    app = One()
    async with app.run_test(size=SIZE) as pilot:
        grid = ScreenGrid(app, SIZE)
        lines = app.query_one(Lines)
        hdr = app.query_one("#hdr", Static)
        await settled(pilot)
        hdr.update("a longer header")  # Static.update asks for a layout
        lines.set_lines([Text("one")])
        assert paint_now(app.screen, [lines, hdr]) is False
        assert "one" not in grid.text()
        await settled(pilot)
        assert "one" in grid.text() and "a longer header" in grid.text()
        with app.batch_update():
            lines.set_lines([Text("two")])
            assert paint_now(app.screen, [lines]) is False
        await settled(pilot)
        assert "two" in grid.text()
