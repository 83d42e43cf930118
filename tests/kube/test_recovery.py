"""Watches that end, expire (410) or lose their connection: resume or re-list, never fake churn."""

from __future__ import annotations

import asyncio
from collections import Counter

from svctui.kube.state import RECONNECTING, WATCHING
from svctui.model.store import ADDED, ENDPOINTSLICE, MODIFIED
from svctui.sim import resources as R
from svctui.sim.runner import SimThread
from tests.conftest import start_sim

from .conftest import SERVICES, SLICES, endpoint, endpoint_slice, service, start_harness

SLICE_RT = R.for_kind("discovery.k8s.io/v1", "EndpointSlice")
CONFIGMAP_RT = R.for_kind("v1", "ConfigMap")


def _close_watches(c) -> int:
    """The apiserver ending every open watch (as on its own restart or a watch-cache reset)."""
    n = 0
    for ws in list(c.server.hub.watchers.values()):
        for w in list(ws):
            c.server.hub.remove(w)
            w.queue.put_nowait(("CLOSE", None))
            n += 1
    return n


def _bump_rv(c) -> None:
    # A write to a kind svctui does not watch moves the RV past every stream's last one.
    c.api.create(CONFIGMAP_RT, "default", {"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {"generateName": "bump-"}, "data": {}})


async def test_watch_timeout_resumes_without_duplicates(sim, http, tmp_path):
    await http.create(SERVICES, service("web"))
    h = await start_harness(sim, tmp_path, watch_timeout=(1, 1))
    try:
        stream = h.watch.streams[(ENDPOINTSLICE, None)]
        n = len(h.batches)
        for i in range(4):
            await http.create(SLICES, endpoint_slice(f"web-{i}", "web", [endpoint(f"10.244.1.{i + 10}", f"web-{i}")]))
            await asyncio.sleep(0.6)  # spread the writes over several 1 s watches
        await h.wait_for(lambda: stream.stats.watches >= 4, what="several watches")
        await h.wait_for(lambda: len(h.model.store.slices) >= 4, what="all slices")
        added = Counter(d.key for d in h.deltas(ENDPOINTSLICE, n) if d.type == ADDED)
        assert added == {("default", f"web-{i}"): 1 for i in range(4)}
        assert stream.stats.lists == 1, "a timed-out watch resumes from its RV, it does not re-list"
        assert len(h.model.ledger.entries(("default", "web"))) == 4
        assert all(s.state == WATCHING for s in h.watch.states.values())
    finally:
        await h.close()


async def test_410_relist_without_changes_adds_no_churn(sim, http, tmp_path):
    await http.create(SERVICES, service("web"))
    await http.create(SLICES, endpoint_slice("web-a", "web", [endpoint("10.244.1.5", "web-1"),
                                                              endpoint("10.244.1.6", "web-2")]))
    h = await start_harness(sim, tmp_path)
    try:
        streams = list(h.watch.streams.values())
        n = len(h.batches)

        def expire(c):
            _bump_rv(c)
            c.store.compact()
            _close_watches(c)

        sim.call(expire)
        await h.wait_for(lambda: all(s.stats.lists == 2 and s.state.state == WATCHING for s in streams),
                         what="every stream to re-list")
        await asyncio.sleep(0.1)
        assert h.deltas(since=n) == [], "a re-list of an unchanged cluster changes nothing"
        assert h.model.ledger.entries() == []
        assert [s.state for s in h.states if s.state == RECONNECTING] == [], "a 410 is not a connection problem"
    finally:
        await h.close()


async def test_410_relist_delivers_exactly_the_missed_changes(sim, http, tmp_path):
    await http.create(SERVICES, service("web"))
    await http.create(SLICES, endpoint_slice("web-a", "web", [endpoint("10.244.1.5", "web-1"),
                                                              endpoint("10.244.1.6", "web-2")]))
    h = await start_harness(sim, tmp_path)
    try:
        streams = list(h.watch.streams.values())
        n = len(h.batches)

        def miss_changes_then_expire(c):
            # All on the sim's loop, in one go: the watches are closed before the changes, so the
            # client can only learn about them from the re-list.
            _close_watches(c)
            old = c.store.get(SLICE_RT, "default", "web-a")
            new = dict(old, endpoints=[old["endpoints"][0],  # web-2 deleted, web-3 replaces it
                                       {**old["endpoints"][1], "addresses": ["10.244.2.9"],
                                        "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-3", "uid": "uid-web-3"},
                                        "conditions": {"ready": False, "serving": False, "terminating": False}}])
            new["metadata"] = dict(old["metadata"])
            c.store.replace(SLICE_RT, new)
            c.store.compact()

        sim.call(miss_changes_then_expire)
        await h.wait_for(lambda: all(s.stats.lists == 2 and s.state.state == WATCHING for s in streams),
                         what="every stream to re-list")
        await asyncio.sleep(0.1)
        assert [(d.kind, d.type, d.key) for d in h.deltas(since=n)] == [(ENDPOINTSLICE, MODIFIED, ("default", "web-a"))]
        assert [e.text for e in h.model.ledger.entries()] == ["− 10.244.1.6 web-2 (ready → gone)",
                                                              "+ 10.244.2.9 web-3 (not ready)"]
    finally:
        await h.close()


async def test_cut_tcp_connection_reconnects_and_resumes(sim, http, tmp_path):
    await http.create(SERVICES, service("web"))
    h = await start_harness(sim, tmp_path)
    try:
        stream = h.watch.streams[(ENDPOINTSLICE, None)]
        n = len(h.batches)

        def cut_and_write(c):
            for conn in list(c._runner.server.connections):
                conn.transport.abort()
            # Written while the client is disconnected: the resumed watch must replay it.
            c.api.create(SLICE_RT, "default", endpoint_slice("web-a", "web", [endpoint("10.244.1.5", "web-1")]))

        sim.call(cut_and_write)
        await h.wait_for(lambda: h.deltas(ENDPOINTSLICE, n), what="the slice written during the cut")
        await h.wait_for(lambda: stream.state.state == WATCHING, what="watching again")
        assert [(d.type, d.key) for d in h.deltas(ENDPOINTSLICE, n)] == [(ADDED, ("default", "web-a"))]
        assert stream.stats.lists == 1, "resumed from its RV, no re-list"
        assert stream.stats.watches >= 2
    finally:
        await h.close()


async def test_server_down_goes_to_reconnecting_and_recovers(tmp_path):
    first = start_sim()
    port = int(first.url.rsplit(":", 1)[1])
    second: SimThread | None = None
    h = await start_harness(first, tmp_path)
    try:
        first.stop()
        st = await h.wait_for(lambda: next((s for s in h.states if s.state == RECONNECTING and s.attempt >= 2), None),
                              what="reconnecting")
        assert st.error, "the last error's text is reported"
        assert "attempt" in st.text
        second = SimThread(["empty"], first.options, port=port)
        await asyncio.to_thread(second.start)
        await h.wait_for(lambda: all(s.state == WATCHING for s in h.watch.states.values()), timeout=15,
                         what="watching again")
        # Live events of the new server arrive.
        async with __import__("aiohttp").ClientSession() as s:
            r = await s.post(second.url + SERVICES.format(ns="default"), json=service("late"))
            assert r.status == 201
        await h.wait_for(lambda: ("default", "late") in h.model.store.services, what="the new Service")
    finally:
        await h.close()
        first.stop()
        if second is not None:
            second.stop()
