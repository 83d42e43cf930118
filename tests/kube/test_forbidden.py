"""403 on a cluster-wide list: fall back to the namespaces the user may read, and say so."""

from __future__ import annotations

from svctui.kube.state import FORBIDDEN, WATCHING
from svctui.model.access import FORBIDDEN as NOT_PERMITTED
from svctui.model.access import KNOWN, UNWATCHED
from svctui.model.store import ENDPOINTSLICE, SERVICE

from .conftest import SERVICES, SLICES, endpoint, endpoint_slice, service, start_harness


async def test_forbidden_cluster_wide_falls_back_to_listable_namespaces(sim, http, tmp_path):
    await http.namespace("team-a")
    await http.namespace("secret")
    await http.create(SERVICES, service("web", "team-a"))
    await http.create(SLICES, endpoint_slice("web-x", "web", [endpoint("10.244.1.5", "web-1", ns="team-a")], "team-a"))
    sim.call(lambda c: c.server.forbid.update({("list", "endpointslices", None), ("list", "endpointslices", "secret")}))
    h = await start_harness(sim, tmp_path)
    try:
        top = h.watch.states[(ENDPOINTSLICE, None)]
        assert top.state == FORBIDDEN
        assert top.error == ('endpointslices.discovery.k8s.io is forbidden: User "svctui-sim" cannot list resource '
                             '"endpointslices" in API group "discovery.k8s.io" at the cluster scope')
        # kind's five namespaces (local-path-storage included) and team-a; the note names the first five.
        assert top.note.startswith("watching 6 namespace(s) instead: ") and "local-path-storage and 1 more" in top.note
        assert top.note.endswith("; forbidden in 1: secret")
        assert h.watch.states[(ENDPOINTSLICE, "team-a")].state == WATCHING
        assert h.watch.states[(ENDPOINTSLICE, "secret")].state == FORBIDDEN
        assert h.watch.states[(SERVICE, None)].state == WATCHING, "other kinds stay cluster-wide"
        assert ("team-a", "web-x") in h.model.store.slices
        # The model knows which namespaces' slices it holds, and which it was refused.
        access = h.model.access
        assert access.state(ENDPOINTSLICE, "team-a") == KNOWN
        assert access.state(ENDPOINTSLICE, "secret") == NOT_PERMITTED
        assert access.state(ENDPOINTSLICE, "created-later") == UNWATCHED
        assert access.state(SERVICE, "secret") == KNOWN
        # The per-namespace watch is live.
        n = len(h.batches)
        await http.create(SLICES, endpoint_slice("web-y", "web", [endpoint("10.244.1.6", "web-2", ns="team-a")], "team-a"))
        await h.wait_for(lambda: h.deltas(ENDPOINTSLICE, n), what="the new slice")
        assert h.model.topology.view(("team-a", "web")).counts.ready == 2
    finally:
        await h.close()


async def test_namespaces_forbidden_too_uses_the_contexts_namespace(sim, http, tmp_path):
    await http.namespace("team-a")
    await http.create(SLICES, endpoint_slice("web-x", "web", [endpoint("10.244.1.5", "web-1", ns="team-a")], "team-a"))
    await http.create(SLICES, endpoint_slice("other", "other", [endpoint("10.244.1.9", "o-1")]))
    sim.call(lambda c: c.server.forbid.update({("list", "endpointslices", None), ("list", "namespaces", None)}))
    h = await start_harness(sim, tmp_path, kube_namespace="team-a")
    try:
        top = h.watch.states[(ENDPOINTSLICE, None)]
        assert top.state == FORBIDDEN
        assert "cannot list namespaces either, using the context's namespace 'team-a'" in top.note
        assert [k for k in h.watch.streams if k[0] == ENDPOINTSLICE] == [(ENDPOINTSLICE, None), (ENDPOINTSLICE, "team-a")]
        assert set(h.model.store.slices) == {("team-a", "web-x")}
        assert h.model.access.state(ENDPOINTSLICE, "team-a") == KNOWN
        assert h.model.access.state(ENDPOINTSLICE, "default") == UNWATCHED, "default's slices were not read"
        assert "forbidden" in top.text and "team-a" in top.text
    finally:
        await h.close()


async def test_a_namespace_created_later_gets_its_own_streams(sim, http, tmp_path):
    sim.call(lambda c: c.server.forbid.update({("list", "endpointslices", None),
                                               ("list", "endpointslices", "closed")}))
    h = await start_harness(sim, tmp_path)
    try:
        assert h.model.access.state(ENDPOINTSLICE, "late") == UNWATCHED
        # A namespace the user may read, and one whose slices are refused (no RoleBinding there).
        await http.namespace("late")
        await http.namespace("closed")
        await http.create(SERVICES, service("web", "late"))
        await http.create(SLICES, endpoint_slice("web-x", "web", [endpoint("10.244.7.5", "web-1", ns="late")], "late"))
        await h.wait_for(lambda: ("late", "web-x") in h.model.store.slices, what="late's slice")
        assert h.watch.states[(ENDPOINTSLICE, "late")].state == WATCHING
        assert h.model.access.state(ENDPOINTSLICE, "late") == KNOWN
        assert h.model.topology.view(("late", "web")).counts.ready == 1
        await h.wait_for(lambda: h.model.access.state(ENDPOINTSLICE, "closed") == NOT_PERMITTED, what="closed refused")
        assert h.watch.states[(ENDPOINTSLICE, "closed")].state == FORBIDDEN
    finally:
        await h.close()
