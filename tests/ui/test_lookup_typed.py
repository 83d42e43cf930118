"""Issue 15's "l then typing db.demo + Enter looks it up", from the first screen at 80×24: the
cursor is on no Service there, so there is no name to take from a row."""

from __future__ import annotations

from .conftest import make_app, wait_for
from .test_panes import confirm, debug_pods, done
from .test_snapshots import drain


async def test_l_on_the_namespace_row_opens_an_empty_lookup_for_a_typed_name(demo):
    sim, cfg = demo
    app = make_app(cfg, namespace="demo", all_namespaces=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.services_shown(), what="tree")
        await drain(pilot, sim)
        # On the first screen the cursor is on no row yet (or the namespace's, after a key): no Service.
        assert app.main.tree.selected_data() in (None, ("ns", "demo"))
        await pilot.press("l")
        pane = app.main.panes.pane("lookup")
        await wait_for(pilot, lambda: app.focused is pane.input, what="the lookup input focused")
        assert pane.input.value == "" and pane.source_ns == "demo"
        await pilot.press(*"db.demo", "enter")
        await confirm(pilot, "demo")
        await done(pilot, "lookup")
        out = pane.plain_output()
        assert "$ nslookup db.demo   in a debug pod in demo" in out, out
        assert "RESOLVES: db.demo from namespace demo" in out, out
        assert debug_pods(sim) == [f"demo/svctui-debug-{app.main.panes.debug_session_id}"]
    assert debug_pods(sim) == []
