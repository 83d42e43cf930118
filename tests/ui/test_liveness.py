"""What the header and the tree claim while the network misbehaves, through a fault-injecting proxy
(kubeconfig → proxy → sim): never "watching" for long after the connection went silent, and the
screen current again within seconds of the network coming back."""

from __future__ import annotations

import socket
import time

import pytest

from svctui.kube.stream import WatchOptions
from svctui.sim import resources as R
from svctui.sim.runner import write_kubeconfig
from tests.faultproxy import FaultProxy

from .conftest import make_app, screen_text, wait_for
from .simops import pod_names

# Silent for 1.5 s = dead (the default is 30 s; the full-length run is scripts/blackhole.py).
QUICK = WatchOptions(backoff_base=0.05, backoff_cap=0.4, seed=1, idle_timeout=1.5, open_timeout=1.0,
                     suspect_grace=0.2, healthy_after=0.5)


def header(app) -> str:
    return app.query_one("#hdr-left").render().plain


@pytest.fixture
def proxied(demo, tmp_path):
    sim, _ = demo
    proxy = FaultProxy(int(sim.url.rsplit(":", 1)[1])).start()
    yield sim, proxy, write_kubeconfig(tmp_path / "proxied", proxy.url)
    proxy.stop()


async def test_blackhole_header_goes_stale_then_a_deletion_shows_soon_after(proxied):
    sim, proxy, cfg = proxied
    app = make_app(cfg, watch_options=QUICK, clock=time.time, tick=0.25, service="nginx-service")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and "● watching (6 streams)" in header(app), what="watching")
        # Names are cut in the middle to fit: their ends are what the screen keeps.
        await wait_for(pilot, lambda: all(p[-5:] in screen_text(app)
                                          for p in sim.call(lambda c: pod_names(c, "default", "nginx"))),
                       what="nginx's pods on screen")
        assert not app.main.tree.has_class("-stale")
        proxy.stall()
        t0 = time.monotonic()
        await wait_for(pilot, lambda: "stale: last update" in header(app), what="the header going stale")
        took = time.monotonic() - t0
        assert took < 1.5 + 0.2 + 2.3, f"the header said watching for {took:.2f} s"  # slack for a loaded CI box
        assert "watching" not in header(app)
        assert app.main.tree.has_class("-stale") and "stale" in str(app.main.tree.border_title)
        await wait_for(pilot, lambda: "last update 2 s ago" in header(app), what="the age moving on")

        proxy.resume()
        await wait_for(pilot, lambda: "● watching (6 streams)" in header(app), what="watching again")
        assert not app.main.tree.has_class("-stale")
        victim = sim.call(lambda c: pod_names(c, "default", "nginx"))[0]
        assert victim[-5:] in screen_text(app)
        t1 = time.monotonic()
        sim.call(lambda c: c.api.delete(R.PODS, "default", victim))
        def row() -> str:
            return next((ln for ln in screen_text(app).splitlines() if victim[-5:] in ln), "")
        assert "terminating" not in row()
        # Either state shows the deletion: on a loaded box the pod can end (nginx leaves at once on SIGTERM)
        # before a frame shows it terminating, and then its row is the ghost "gone" (seen in a CI run).
        await wait_for(pilot, lambda: "terminating" in row() or " gone " in row() or not row(),
                       what="the deletion on screen")
        assert time.monotonic() - t1 < 3.0


async def test_refused_says_so_and_why_there_are_no_services(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")
    app = make_app(cfg, watch_options=QUICK, sync_timeout=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and "connection refused" in header(app), what="refused")
        assert "reconnecting, attempt" in header(app)
        text = app.main.details_text().plain
        assert f"connection refused by 127.0.0.1:{port}" in text
        assert "the Service list never arrived" in text


async def test_a_different_cluster_on_the_same_address_replaces_the_tree(tmp_path):
    # A recreated cluster (or an etcd restore) behind the same URL: stale while it is away, then
    # the tree is the new cluster's, not the old one's under "watching".
    from svctui.sim.runner import SimThread
    from tests.conftest import start_sim

    from .simops import wait_all_ready

    first = start_sim(["demo"], seed=11)
    wait_all_ready(first)
    port = int(first.url.rsplit(":", 1)[1])
    second = None
    # A 1 s open timeout: the new server holds a watch from our (too large) RV for 3 s, so only the
    # identity check asked alongside it can bring the new tree.
    app = make_app(write_kubeconfig(tmp_path / "kubeconfig", first.url), watch_options=QUICK, clock=time.time)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.main.synced and ("default", "nginx-service") in app.main.tree.services_shown(),
                           what="the demo's tree")
            first.stop()
            await wait_for(pilot, lambda: "stale: last update" in header(app), what="stale while it is away")
            assert app.main.tree.has_class("-stale")
            second = SimThread(["empty"], first.options, port=port).start()
            await wait_for(pilot, lambda: ("default", "nginx-service") not in app.main.tree.services_shown()
                           and "● watching (6 streams)" in header(app), what="the new cluster's tree")
            assert ("default", "kubernetes") in app.main.tree.services_shown()
            assert not app.main.tree.has_class("-stale")
    finally:
        first.stop()
        if second is not None:
            second.stop()
