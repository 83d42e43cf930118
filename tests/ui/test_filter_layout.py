"""The filter box at 80×24 with a busy timeline and a short (filtered) tree: the pane gives up the
box's rows, so nothing overflows the screen and the header stays on its first line (it scrolled out
of sight: the pane was sized without the box)."""

from __future__ import annotations

from .conftest import make_app, wait_for
from .simops import delete_and_hold, release
from .test_snapshots import drain


def fits(app) -> bool:
    screen = app.screen
    bottom = app.query_one("#bottom").region
    box = app.query_one("#filter")
    return (screen.max_scroll_y == 0 and app.query_one("#header").region.y == 0
            and (not box.display or bottom.bottom <= box.region.y))


async def test_the_open_filter_takes_its_rows_from_the_pane(demo):
    sim, cfg = demo
    app = make_app(cfg, namespace="default", all_namespaces=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.services_shown(), what="tree")
        held = sim.call(delete_and_hold())
        await wait_for(pilot, lambda: not app.main.timeline.empty, what="timeline entries")
        sim.call(release("default", held))
        await drain(pilot, sim)
        await pilot.press("slash", *"nginx-service")
        await drain(pilot)
        assert app.query_one("#filter").display and len(app.main.tree.services_shown()) == 1
        assert app.query_one("#bottom").outer_size.height > 3  # the short tree's rows went to the pane
        assert fits(app), (app.screen.max_scroll_y, app.query_one("#bottom").region, app.query_one("#filter").region)
        await pilot.press("enter")  # the filter stays applied, the box stays open
        await drain(pilot)
        assert fits(app)
        await pilot.press("escape")  # cleared and closed: the pane gets the rows back
        await drain(pilot)
        assert not app.query_one("#filter").display and fits(app)
        assert app.query_one("#bottom").region.bottom == 23  # right above the footer
