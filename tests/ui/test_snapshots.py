"""Deterministic screens: a seeded sim, a frozen app clock advanced explicitly, the sim settled and the
app drained before each capture. Baselines live in snapshots/ (see snap.py for updating them)."""

from __future__ import annotations

from svctui.kube.stream import WatchOptions
from svctui.ui.clock import FrozenClock

from .conftest import T0, labels, make_app, wait_for
from .simops import delete_and_hold, release
from .snap import check_snapshot

NGINX = ("default", "nginx-service")


def nginx_ips(app) -> set[str]:
    view = app.main.model.topology.view(NGINX)
    return set(view.rows) if view else set()


async def drain(pilot, sim=None) -> None:
    if sim is not None:
        sim.call(lambda c: c.settle())
    await pilot.pause(0.3)
    pilot.app.main.tick()
    await pilot.pause(0.1)


async def opened(pilot, sim, **_):
    app = pilot.app
    await wait_for(pilot, lambda: app.main.synced and app.main.tree.services_shown(), what="tree")
    await wait_for(pilot, lambda: len(nginx_ips(app)) == 3, what="nginx endpoints")
    await drain(pilot, sim)
    return app


async def test_snapshot_steady(demo):
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, sim)
        check_snapshot(app, "steady_120x40")


async def test_snapshot_steady_80x24(demo):
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, sim)
        check_snapshot(app, "steady_80x24")


async def test_snapshot_recovery(demo):
    """Mid-recovery (ghost rows, new IPs not ready yet), then recovered, with exact clock readings."""
    sim, cfg = demo
    clock = FrozenClock(T0)
    app = make_app(cfg, service="nginx-service", clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, sim)
        old = nginx_ips(app)
        clock.advance(6.0)  # the deletion happens at 12:04:26.000
        held = sim.call(delete_and_hold())
        await wait_for(pilot, lambda: len(nginx_ips(app)) == 3 and not (nginx_ips(app) & old), what="new IPs")
        await drain(pilot, sim)
        clock.advance(2.1)
        await drain(pilot)
        assert "⟳ recovering 2.1s (0/3 ready)" in app.main.tree.service_node(NGINX).label.plain
        check_snapshot(app, "mid_recovery_120x40")

        clock.advance(2.7)
        sim.call(release("default", held))
        await wait_for(pilot, lambda: "recovered in" in app.main.tree.service_node(NGINX).label.plain, what="recovered")
        await drain(pilot, sim)
        assert "⟲ recovered in 4.8s (3/3 ready)" in app.main.tree.service_node(NGINX).label.plain
        text = labels(app)
        assert sum(1 for line in text if line.startswith("− ")) == 3
        assert sum(1 for line in text if line.startswith("+ ")) == 3
        check_snapshot(app, "recovered_120x40")

        await pilot.press("tab", "tab")  # the details pane for nginx-service
        await drain(pilot)
        check_snapshot(app, "details_120x40")


async def test_snapshot_mid_recovery_80x24(demo):
    sim, cfg = demo
    clock = FrozenClock(T0)
    app = make_app(cfg, service="nginx-service", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, sim)
        old = nginx_ips(app)
        clock.advance(6.0)
        sim.call(delete_and_hold())
        await wait_for(pilot, lambda: len(nginx_ips(app)) == 3 and not (nginx_ips(app) & old), what="new IPs")
        await drain(pilot, sim)
        clock.advance(3.0)
        await drain(pilot)
        check_snapshot(app, "mid_recovery_80x24")


async def test_snapshot_empty_cluster(empty):
    sim, cfg = empty
    app = make_app(cfg, namespace="default", all_namespaces=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.main.synced, what="sync")
        await drain(pilot, sim)
        check_snapshot(app, "empty_80x24")


async def test_snapshot_reconnecting(demo):
    sim, cfg = demo
    # Slow retries, so the attempt number on screen is still 1 when captured.
    app = make_app(cfg, service="nginx-service", watch_options=WatchOptions(backoff_base=60, backoff_cap=60, seed=1))
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot, sim)
        sim.stop()
        await wait_for(pilot, lambda: "stale: last update" in app.query_one("#hdr-left").render().plain
                       and len(app.main.states) == 6 and all(s.state == "reconnecting" for s in app.main.states.values()),
                       what="reconnecting")
        await drain(pilot)
        check_snapshot(app, "reconnecting_100x30")


async def test_snapshot_filter(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot, sim)
        await pilot.press("slash", *"db", "enter")
        await drain(pilot)
        check_snapshot(app, "filter_100x30")
