"""Keys go where the user looks: a pane opened by its key takes the typing, esc gives the keys back to
the tree, tab/shift+tab never type into the input they land in. Real path: keys → worker → debug pod on
the sim → pane."""

from __future__ import annotations

from .conftest import make_app, wait_for
from .test_panes import confirm, done, opened

API = ("demo", "api")


async def test_l_then_typing_a_name_looks_it_up(demo):
    sim, cfg = demo
    app = make_app(cfg, service="api", namespace="demo", all_namespaces=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, API)
        await pilot.press("l")
        await confirm(pilot, "demo")
        pane = await done(pilot, "lookup")
        assert app.focused is pane.input
        # The command is selected whole: typing replaces it ("apidb.demo" would be an append).
        await pilot.press(*"db.demo", "enter")
        pane = await done(pilot, "lookup", runs=2)
        out = pane.plain_output()
        assert pane.history[-1] == "db.demo"
        assert "$ nslookup db.demo" in out and "RESOLVES: db.demo" in out, out
        # Hotkeys typed there were text, not the DNS walk and a 20-request balance.
        assert app.query_one("#bottom").current == "lookup-pane"
        assert not app.main.pane("dns").history and not app.main.pane("lb").history
        await pilot.press("escape")
        assert app.focused is app.main.tree
        await pilot.press("d")  # now a hotkey again
        await wait_for(pilot, lambda: app.main.pane("dns").history, what="dns walk")
        assert app.focused is app.main.pane("dns").input


async def test_shift_tab_lands_in_an_input_without_typing_and_esc_leaves_any_pane(demo):
    sim, cfg = demo
    app = make_app(cfg, service="api", namespace="demo", all_namespaces=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, API)
        await pilot.press("shift+tab")
        dns = app.main.pane("dns")
        assert app.focused is dns.input and dns.input.value == ""
        assert "[d dns]" in app.query_one("#pane-tabs").render().plain
        await pilot.press("escape")
        assert app.focused is app.main.tree
        await pilot.press("tab")
        assert app.focused.id == "timeline-pane"
        await pilot.press("escape")  # the timeline has no esc of its own: the app's takes the keys back
        assert app.focused is app.main.tree


async def test_pane_keys_resize_and_maximise(demo):
    sim, cfg = demo
    app = make_app(cfg, service="api", namespace="demo", all_namespaces=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, API)
        bottom = app.query_one("#bottom")
        assert bottom.outer_size.height == 1  # nothing on the timeline yet
        await pilot.press("plus")
        await pilot.pause(0.05)
        assert bottom.outer_size.height == 3
        await pilot.press("minus", "minus", "minus")
        await pilot.pause(0.05)
        assert bottom.outer_size.height == 1
        await pilot.press("z")
        await pilot.pause(0.05)
        assert not app.main.tree.display and bottom.outer_size.height == 24 - 3
        assert app.focused.id == "timeline-pane"  # the tree is hidden: the keys go to the pane
        await pilot.press("escape")
        await pilot.pause(0.05)
        assert app.main.tree.display and app.focused is app.main.tree and bottom.outer_size.height == 1
