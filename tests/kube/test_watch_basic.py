"""List, then live ADDED / MODIFIED / DELETED, through the real client against the sim."""

from __future__ import annotations

import time

from svctui.kube.state import WATCHING
from svctui.model.store import ADDED, DELETED, ENDPOINTSLICE, MODIFIED, POD, SERVICE

from .conftest import SERVICES, SLICES, endpoint, endpoint_slice, service, start_harness


async def test_initial_list_populates_model(sim, http, tmp_path):
    await http.create(SERVICES, service("web"))
    await http.create(SLICES, endpoint_slice("web-a", "web", [endpoint("10.244.1.5", "web-1")]))
    h = await start_harness(sim, tmp_path)
    try:
        store = h.model.store
        assert ("default", "web") in store.services
        assert ("default", "kubernetes") in store.services  # what the sim bootstraps
        sl = store.slices[("default", "web-a")]
        assert sl.service_name == "web" and sl.endpoints[0].address == "10.244.1.5"
        assert sl.endpoints[0].target_name == "web-1"
        assert store.pods, "coredns pods of the bootstrap"
        view = h.model.topology.view(("default", "web"))
        assert list(view.rows) == ["10.244.1.5"]
        # The first list is the baseline: no churn for what was already there.
        assert h.model.ledger.entries() == []
        assert {(s.kind, s.namespace): s.state for s in h.watch.states.values()} == {
            (SERVICE, None): WATCHING, (ENDPOINTSLICE, None): WATCHING, (POD, None): WATCHING,
            ("Deployment", None): WATCHING, ("ReplicaSet", None): WATCHING, ("StatefulSet", None): WATCHING}
        assert ("kube-system", "coredns") in store.workloads["Deployment"], "the workloads pods belong to"
    finally:
        await h.close()


async def test_slice_created_modified_deleted_arrive_as_deltas(sim, http, tmp_path):
    await http.create(SERVICES, service("web"))
    h = await start_harness(sim, tmp_path)
    try:
        n = len(h.batches)
        created = await http.create(SLICES, endpoint_slice("web-a", "web", [endpoint("10.244.1.5", "web-1")]))
        d = await h.wait_for(lambda: h.deltas(ENDPOINTSLICE, n), what="ADDED")
        assert [(x.type, x.key) for x in d] == [(ADDED, ("default", "web-a"))]
        assert [e.text for e in h.model.ledger.entries(("default", "web"))] == ["+ 10.244.1.5 web-1 (ready)"]

        n = len(h.batches)
        created["endpoints"].append(endpoint("10.244.2.7", "web-2", ready=False))
        await http.put(SLICES.format(ns="default") + "/web-a", created)
        d = await h.wait_for(lambda: h.deltas(ENDPOINTSLICE, n), what="MODIFIED")
        assert [(x.type, x.key) for x in d] == [(MODIFIED, ("default", "web-a"))]
        assert len(d[0].new.endpoints) == 2
        assert [e.text for e in h.batches[-1].entries] == ["+ 10.244.2.7 web-2 (not ready)"]

        n = len(h.batches)
        await http.delete(SLICES.format(ns="default") + "/web-a")
        d = await h.wait_for(lambda: h.deltas(ENDPOINTSLICE, n), what="DELETED")
        assert [(x.type, x.key) for x in d] == [(DELETED, ("default", "web-a"))]
        assert ("default", "web-a") not in h.model.store.slices
        assert sorted(e.address for e in h.batches[-1].entries if e.change == "removed") == ["10.244.1.5", "10.244.2.7"]
    finally:
        await h.close()


async def test_a_burst_reaches_the_consumer_in_few_batches(sim, http, tmp_path):
    from svctui.sim import resources as R

    rt = R.for_kind("discovery.k8s.io/v1", "EndpointSlice")
    await http.create(SERVICES, service("web"))
    h = await start_harness(sim, tmp_path)
    try:
        n = len(h.batches)

        def burst(c):
            for i in range(60):
                c.api.create(rt, "default", endpoint_slice(f"web-{i}", "web", [endpoint(f"10.244.3.{i}", f"web-{i}")]))

        # Blocking this loop while the sim writes: all 60 events are in the socket buffer before
        # the client reads again, as when the UI thread was busy during a burst.
        sim.call(burst)
        time.sleep(0.3)
        await h.wait_for(lambda: len(h.deltas(ENDPOINTSLICE, n)) == 60, what="60 slices")
        batches = len(h.batches) - n
        assert batches <= 2, f"60 buffered events took {batches} consumer calls"
        assert len(h.model.ledger.entries(("default", "web"))) == 60
    finally:
        await h.close()


async def test_pods_are_listed_after_services_and_slices(sim, http, tmp_path):
    """The tree's rows come from Services and slices; the bulky pod list waits for them."""
    await http.create(SERVICES, service("web"))
    await http.create(SLICES, endpoint_slice("web-a", "web", [endpoint("10.244.1.5", "web-1")]))
    h = await start_harness(sim, tmp_path)
    try:
        stats = {kind: s.stats for (kind, _ns), s in h.watch.streams.items()}
        assert stats[POD].started >= max(stats[SERVICE].listed, stats[ENDPOINTSLICE].listed)
        kinds = [d.kind for b in h.batches for d in b.deltas]
        assert POD not in kinds[:kinds.index(ENDPOINTSLICE)] and POD not in kinds[:kinds.index(SERVICE)]
    finally:
        await h.close()
