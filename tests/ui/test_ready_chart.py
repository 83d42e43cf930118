"""The details pane's chart of ready endpoints, through the real path: a pod deletion on the sim, held
not-ready, then released; the chart shows the dip to 0 and the recovery to 3."""

from __future__ import annotations

from svctui.ui.clock import FrozenClock

from .conftest import T0, make_app, wait_for
from .simops import delete_and_hold, release
from .snap import check_snapshot
from .test_snapshots import NGINX, drain, nginx_ips, opened


def chart(app) -> str:
    text = app.query_one("#details").render().plain
    return next((line for line in text.splitlines() if line.startswith("ready ")), "")


async def test_the_chart_shows_the_dip_and_the_recovery(demo):
    sim, cfg = demo
    clock = FrozenClock(T0)
    app = make_app(cfg, service="nginx-service", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, sim)
        await pilot.press("tab", "tab")  # the details pane
        await drain(pilot)
        assert "▁" not in chart(app) and chart(app).endswith("3/3 (low 3, last 120s)"), chart(app)
        old = nginx_ips(app)
        clock.advance(20.0)
        held = sim.call(delete_and_hold())
        await wait_for(pilot, lambda: len(nginx_ips(app)) == 3 and not (nginx_ips(app) & old), what="new IPs")
        await drain(pilot, sim)
        clock.advance(10.0)
        sim.call(release("default", held))
        await wait_for(pilot, lambda: "recovered in" in app.main.tree.service_node(NGINX).label.plain, what="recovered")
        clock.advance(10.0)
        await drain(pilot, sim)
        line = chart(app)
        bars = line.removeprefix("ready ").rsplit("  ", 1)[0]  # blank before the first sample, then bars
        assert "▁" in bars and bars.rstrip().endswith("█"), line
        assert bars.index("▁") > bars.index("█"), line  # steady, then the dip, then back
        assert line.endswith("3/3 (low 0, last 120s)"), line
        check_snapshot(app, "ready_chart_80x24")
