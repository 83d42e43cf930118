"""A pane keeps its output when its children are gone: Textual removes a widget's children before the
widget itself at close, and a worker's last line (a debug pod's progress, curl's tail) can arrive in
between. Seen in a clean-clone CI run as NoMatches '#curl-out' turning a quit into a crash."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from svctui.ui.panes.pane import CurlPane


class OnePane(App[None]):
    def compose(self) -> ComposeResult:
        yield CurlPane("curl")


async def test_output_after_the_children_are_removed_is_kept_not_raised():
    app = OnePane()
    async with app.run_test(size=(80, 12)) as pilot:
        pane = app.query_one(CurlPane)
        pane.begin(Text("curl http://web"))
        pane.write("HTTP/1.1 200 OK\n")
        await pilot.pause()
        assert "200 OK" in pane.plain_output()
        await pane.remove_children()
        pane.write("partial tail")  # raised NoMatches before
        pane.line(Text("a line"))
        pane.finish(Text("done"))
        assert pane.plain_output().splitlines()[-3:] == ["partial tail", "a line", "done"]
        assert app.return_code is None and app._exception is None


class OneDetails(App[None]):
    def compose(self) -> ComposeResult:
        from svctui.ui.details_pane import DetailsPane

        yield DetailsPane(lambda: Text("selected: web"))


async def test_details_painted_after_its_text_is_removed_does_not_raise():
    from svctui.ui.details_pane import DetailsPane

    app = OneDetails()
    async with app.run_test(size=(80, 12)) as pilot:
        pane = app.query_one(DetailsPane)
        pane.paint(True)
        await pilot.pause()
        await pane.remove_children()
        pane.paint(True)  # a stream state's repaint during close: raised NoMatches '#details' before
        assert app._exception is None
