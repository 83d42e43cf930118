"""The watch under network faults, through a fault-injecting proxy: a silent (blackholed) connection
is noticed within its bound, a stream's retries start over after a connection that worked, and a
server restarted on the same address with other state is re-listed and reconciled."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest

from svctui.kube.state import RECONNECTING, WATCHING
from svctui.model.store import SERVICE
from svctui.sim import resources as R
from svctui.sim.cluster import SimOptions
from svctui.sim.runner import SimThread
from tests.conftest import start_sim
from tests.faultproxy import FaultProxy

from .conftest import SERVICES, SLICES, Http, endpoint, endpoint_slice, service, start_harness

CONFIGMAP_RT = R.for_kind("v1", "ConfigMap")

# Bounds a test can wait out: silent for 1.5 s = dead, a watch's headers due within 1 s.
QUICK = dict(idle_timeout=1.5, open_timeout=1.0, suspect_grace=0.2, healthy_after=0.5)


@pytest.fixture
def proxy(sim):
    p = FaultProxy(int(sim.url.rsplit(":", 1)[1])).start()
    yield p
    p.stop()


async def _harness(proxy: FaultProxy, tmp_path, **options):
    # The kubeconfig points at the proxy; the test writes to the sim directly.
    return await start_harness(SimpleNamespace(url=proxy.url), tmp_path, **{**QUICK, **options})


async def test_blackhole_is_noticed_within_the_bound_and_the_missed_change_arrives(sim, http, proxy, tmp_path):
    await http.create(SERVICES, service("web"))
    h = await _harness(proxy, tmp_path)
    try:
        streams = list(h.watch.streams.values())
        assert all(s.state.state == WATCHING for s in streams)
        proxy.stall()
        t0 = time.monotonic()
        await h.wait_for(lambda: all(s.state.state == RECONNECTING for s in streams), what="every stream down")
        noticed = time.monotonic() - t0
        assert noticed < 1.5 + 0.2 + 0.8, f"noticed after {noticed:.2f} s"
        for s in streams:
            assert s.state.heard is not None, "a down stream says when it last heard from the server"
            assert "silent" in s.state.error or "timeout" in s.state.error, s.state.error
        # Written while the network is gone; on screen soon after it is back.
        await http.create(SERVICES, service("late"))
        await asyncio.sleep(1.0)
        assert ("default", "late") not in h.model.store.services
        proxy.resume()
        t1 = time.monotonic()
        await h.wait_for(lambda: ("default", "late") in h.model.store.services, what="the Service made meanwhile")
        assert time.monotonic() - t1 < 2.0
        await h.wait_for(lambda: all(s.state.state == WATCHING for s in streams), what="watching again")
        assert all(s.stats.lists == 1 for s in streams), "resumed from the RV: no re-list"
    finally:
        await h.close()


async def test_bookmarks_tighten_the_silence_bound(tmp_path):
    sim = start_sim(bookmark_interval=0.3)
    proxy = FaultProxy(int(sim.url.rsplit(":", 1)[1])).start()
    try:
        # A loose default: only the bookmarks can make the stall show within 2 s.
        h = await _harness(proxy, tmp_path, idle_timeout=30.0, idle_floor=0.5)
        try:
            streams = list(h.watch.streams.values())
            await h.wait_for(lambda: all(s.bookmark_gap is not None for s in streams), what="bookmarks seen")
            assert all(s.idle_bound() < 2.0 for s in streams), [s.idle_bound() for s in streams]
            proxy.stall()
            t0 = time.monotonic()
            await h.wait_for(lambda: all(s.state.state == RECONNECTING for s in streams), timeout=5,
                             what="every stream down")
            assert time.monotonic() - t0 < 2.5
        finally:
            await h.close()
    finally:
        proxy.stop()
        sim.stop()


async def test_a_quiet_healthy_watch_is_reopened_without_a_word(sim, http, proxy, tmp_path):
    # Nothing happens in the cluster and no bookmarks come: every 1.5 s each watch is presumed
    # dead and re-opened from its RV, and the screen is never told it was down.
    h = await _harness(proxy, tmp_path)
    try:
        n = len(h.states)
        await asyncio.sleep(4.0)
        assert all(s.stats.watches >= 3 for s in h.watch.streams.values())
        assert [s.text for s in h.states[n:] if s.state != WATCHING] == []
        assert all(s.stats.lists == 1 for s in h.watch.streams.values())
    finally:
        await h.close()


async def test_backoff_starts_over_after_a_connection_that_worked(sim, http, proxy, tmp_path):
    # The brief's report: short cuts of a quiet stream, minutes apart, pushed its attempt count
    # (and delay) up for good. A watch that stayed open healthy_after resets it.
    h = await _harness(proxy, tmp_path, idle_timeout=30.0, backoff_base=0.1, backoff_cap=5.0)
    try:
        stream = h.watch.streams[(SERVICE, None)]
        for _ in range(6):
            await h.wait_for(lambda: stream.state.state == WATCHING, what="watching")
            await asyncio.sleep(0.6)  # > healthy_after: this connection worked
            proxy.cut()
            await h.wait_for(lambda: stream.state.state == RECONNECTING, what="the cut seen")
        await h.wait_for(lambda: stream.state.state == WATCHING, what="watching")
        attempts = [s.attempt for s in h.states if s.kind == SERVICE and s.state == RECONNECTING]
        assert len(attempts) >= 6 and max(attempts) == 1, attempts
    finally:
        await h.close()


async def test_a_connection_that_keeps_failing_still_backs_off(sim, http, proxy, tmp_path):
    h = await _harness(proxy, tmp_path, backoff_base=0.05, backoff_cap=0.2)
    try:
        stream = h.watch.streams[(SERVICE, None)]
        proxy.stall()  # every new connection hangs: each attempt is a failure
        await h.wait_for(lambda: stream.state.attempt >= 3, timeout=20, what="attempts counted up")
        proxy.resume()
        await h.wait_for(lambda: stream.state.state == WATCHING, timeout=20, what="watching")
    finally:
        await h.close()


def _configmaps(c, prefix: str, n: int) -> None:
    # Moves the cluster's RV on without touching what svctui watches.
    for i in range(n):
        c.api.create(CONFIGMAP_RT, "default", {"apiVersion": "v1", "kind": "ConfigMap",
                                               "metadata": {"name": f"{prefix}-{i}"}, "data": {}})


def _sim_with(port: int, extra_rvs: int, seed: int) -> SimThread:
    s = SimThread(["empty"], SimOptions(speed=0.05, seed=seed), port=port).start()
    s.call(lambda c: _configmaps(c, "fill", extra_rvs))
    return s


@pytest.mark.parametrize("rv_moves", ["backwards", "forwards"])
async def test_server_restarted_with_other_state_is_relisted_and_reconciled(tmp_path, rv_moves):
    first = _sim_with(0, 0, seed=3)
    port = int(first.url.rsplit(":", 1)[1])
    second: SimThread | None = None
    http = Http(first.url)
    try:
        await http.create(SERVICES, service("kept"))
        await http.create(SLICES, endpoint_slice("kept-a", "kept", [endpoint("10.244.1.5", "kept-1")]))
        await http.create(SERVICES, service("gone"))
        await http.create(SLICES, endpoint_slice("gone-a", "gone", [endpoint("10.244.1.6", "gone-1")]))
        if rv_moves == "backwards":  # the first cluster's history is longer than the second's
            first.call(lambda c: _configmaps(c, "old", 50))
        await http.close()
        # A watch from an RV the server has not reached waits 3 s for it before answering.
        h = await start_harness(first, tmp_path, **{**QUICK, "open_timeout": 5.0})
        try:
            first_rv = int(h.watch.streams[(SERVICE, None)].rv)
            first.stop()
            await h.wait_for(lambda: all(s.state.state == RECONNECTING for s in h.watch.streams.values()),
                             what="down")
            second = _sim_with(port, 0 if rv_moves == "backwards" else 200, seed=4)
            http = Http(second.url)
            await http.create(SERVICES, service("kept"))
            await http.create(SLICES, endpoint_slice("kept-a", "kept", [endpoint("10.244.1.5", "kept-1")]))
            await http.create(SERVICES, service("new"))
            second_rv = int((await http.get("/api/v1/services"))["metadata"]["resourceVersion"])
            assert (second_rv < first_rv) == (rv_moves == "backwards"), (first_rv, second_rv)
            base = {k for k in h.model.store.services if k[0] != "default" or k[1] == "kubernetes"}
            await h.wait_for(lambda: set(h.model.store.services) == base | {("default", "kept"), ("default", "new")}
                             and ("default", "kept-a") in h.model.store.slices
                             and ("default", "gone-a") not in h.model.store.slices,
                             timeout=15, what="the second cluster's objects, and only them")
            await h.wait_for(lambda: all(s.state.state == WATCHING for s in h.watch.streams.values()),
                             what="watching")
            # Live events of the new server are applied from its own RVs.
            await http.create(SERVICES, service("later"))
            await h.wait_for(lambda: ("default", "later") in h.model.store.services, what="a live event")
            # No phantom churn: the slice that is the same in both clusters made no ledger entry.
            assert h.model.ledger.entries(("default", "kept")) == []
            assert all(s.stats.lists >= 2 for s in h.watch.streams.values())
        finally:
            await h.close()
    finally:
        await http.close()
        first.stop()
        if second is not None:
            second.stop()


async def test_watch_connections_have_tcp_keepalive(sim, tmp_path):
    # What notices a vanished peer where nothing else would (a dead NAT entry): the kernel's probes.
    import socket

    from svctui.kube import api as kapi
    from svctui.kube.config import load_target
    from svctui.sim.runner import write_kubeconfig

    target = await load_target(kubeconfig=str(write_kubeconfig(tmp_path / "kubeconfig", sim.url)))
    try:
        resp = await kapi.open_watch(target.api, "/api/v1/services", [("watch", "true"), ("timeoutSeconds", "5")], 10)
        try:
            sock = resp.connection.transport.get_extra_info("socket")
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == kapi.KEEPALIVE["TCP_KEEPIDLE"]
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == kapi.KEEPALIVE["TCP_KEEPCNT"]
        finally:
            resp.close()
    finally:
        await target.close()
