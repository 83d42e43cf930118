"""New screens at 80×24 and 160×45 on the sim: describe (y), help and its keymap view, the command
palette's app actions, and the main screen's layout at both sizes (the pane one line while quiet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from svctui.sim.runner import SimThread, write_kubeconfig
from svctui.ui.screens.describe import DescribeScreen
from svctui.ui.screens.help import HelpScreen
from tests.conftest import start_sim

from .conftest import T0, make_app, wait_for
from .simops import wait_all_ready
from .snap import check_snapshot
from .test_snapshots import drain, opened

NGINX = ("default", "nginx-service")
SIZES = ((80, 24), (160, 45))


@pytest.fixture
def demo_at_t0(tmp_path) -> Iterator[tuple[SimThread, Path]]:
    """The demo with the cluster's clock started at T0: creation timestamps, which describe shows,
    are the same every run."""
    sim = start_sim(["demo"], seed=11, epoch=T0)
    wait_all_ready(sim)
    yield sim, write_kubeconfig(tmp_path / "kubeconfig", sim.url)
    sim.stop()


async def test_describe_shows_the_selected_service_fields(demo_at_t0):
    sim, cfg = demo_at_t0
    for w, h in SIZES:
        app = make_app(cfg, service="nginx-service")
        async with app.run_test(size=(w, h)) as pilot:
            await opened(pilot, sim)
            assert app.main.model.store.services[NGINX].created == T0  # else the baseline would not replay
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, DescribeScreen), what="describe")
            await pilot.pause(0.1)
            text = app.screen.query_one("#describe-text").render().plain.splitlines()
            assert text[0].startswith("Service default/nginx-service")
            assert "name: nginx-service" in text and "selector:" in text and "  app: nginx" in text
            assert "created: 2024-05-01T12:04:20Z" in text
            check_snapshot(app, f"describe_{w}x{h}")
            await pilot.press("escape")
            assert not isinstance(app.screen, DescribeScreen)


async def test_help_and_keymap_views(demo):
    sim, cfg = demo
    for w, h in SIZES:
        app = make_app(cfg, service="nginx-service")
        async with app.run_test(size=(w, h)) as pilot:
            await opened(pilot, sim)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
            await pilot.pause(0.1)
            check_snapshot(app, f"help_{w}x{h}")
            await pilot.press("i")
            await pilot.pause(0.1)
            check_snapshot(app, f"keymap_{w}x{h}")


async def test_palette_offers_every_app_action(demo):
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, sim)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for want in ("Lookup (nslookup)", "DNS walk", "Curl the Service", "Load balancing", "Probe on/off",
                     "Describe", "Delete pods", "Doctor: findings of the selected Service", "Help"):
            assert want in titles, want


async def test_main_screen_fits_at_both_sizes(demo):
    """80×24: the quiet pane is one line, the footer keeps ctrl+d, l, ? and q."""
    sim, cfg = demo
    for w, h in SIZES:
        app = make_app(cfg, all_namespaces=False, namespace="demo")
        async with app.run_test(size=(w, h)) as pilot:
            await wait_for(pilot, lambda: app.main.synced and app.main.complete and app.main.tree.services_shown(), what="tree")
            await drain(pilot, sim)
            assert app.query_one("#bottom").outer_size.height == 1
            footer = app.screen.query_one("Footer")
            keys = " ".join(k.render().plain for k in footer.query("FooterKey"))
            for want in ("^d", "Delete", "l", "Lookup", "?", "Help", "q", "Quit"):
                assert want in keys, (want, keys)
            check_snapshot(app, f"demo_ns_{w}x{h}")
