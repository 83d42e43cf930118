"""RBAC-limited users: the screen says what it could not read, and never diagnoses from it.

Against the sim through the real path (kubeconfig → HTTP → watch → model → screen); the sim refuses
requests as an apiserver does for a user without the permission (403, the apiserver's message)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from svctui.kube.stream import WatchOptions
from svctui.model.livefindings import GRACE
from svctui.sim import resources as R
from svctui.sim.runner import SimThread, write_kubeconfig
from svctui.ui.clock import FrozenClock
from svctui.ui.screens.confirm import ConfirmDelete
from tests.conftest import start_sim

from .conftest import T0, labels, make_app, wait_for
from .snap import check_snapshot
from .test_findings import _steady

NS = "failures"


@pytest.fixture
def failures(tmp_path) -> Iterator[tuple[SimThread, Path]]:
    sim = start_sim(["failures"], seed=11)
    deadline = time.monotonic() + 30
    while not sim.call(_steady):
        assert time.monotonic() < deadline, "the failures scenario did not settle"
        time.sleep(0.02)
    sim.call(lambda c: c.settle())
    yield sim, write_kubeconfig(tmp_path / "kubeconfig", sim.url)
    sim.stop()


def forbid(sim: SimThread, *rules: tuple[str, str, str | None]) -> None:
    sim.call(lambda c: c.server.forbid.update(rules))


def label(app, ns: str, name: str) -> str:
    node = app.main.tree.service_node((ns, name))
    assert node is not None, f"{ns}/{name} not in the tree"
    return node.label.plain


def ns_label(app, ns: str) -> str:
    node = app.main.tree._ns_nodes.get(ns)
    assert node is not None, f"namespace {ns} not in the tree"
    return node.label.plain


def header(app) -> str:
    return app.query_one("#hdr-left").render().plain


async def details(pilot, key) -> str:
    app = pilot.app
    assert app.main.tree.select_data(("svc", key))
    await pilot.pause(0.05)
    return app.main.details_text().plain


async def settled(pilot, sim, clock: FrozenClock, n: int) -> None:
    """The tree is built, then the grace period is over: readiness findings would show by now."""
    app = pilot.app
    await wait_for(pilot, lambda: app.main.synced and len(app.main.tree.services_shown()) >= n, what="the tree")
    sim.call(lambda c: c.settle())
    await pilot.pause(0.3)
    clock.advance(GRACE + 1)
    app.main.tick()
    await pilot.pause(0.1)


async def test_slices_forbidden_in_one_namespace(failures):
    sim, cfg = failures
    # A namespace-limited user: no cluster-wide list, and not failures' EndpointSlices either.
    forbid(sim, ("list", "endpointslices", None), ("list", "endpointslices", NS))
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock)
    async with app.run_test(size=(200, 60)) as pilot:
        await settled(pilot, sim, clock, 9)
        inventory = label(app, NS, "inventory")
        assert "? not permitted to list EndpointSlices in failures" in inventory
        assert "ready" not in inventory and "no ready endpoints" not in inventory, inventory
        assert "selector matches no pods" in label(app, NS, "orders"), "pods alone show this: still found"
        assert "selector spans workloads" in label(app, NS, "search")
        assert "pods not ready" not in label(app, NS, "search")
        assert "no selector, no endpoints" not in label(app, NS, "legacy-db")
        edge = label(app, NS, "edge")
        assert "LoadBalancer pending" in edge and "Local policy" not in edge
        assert "? not permitted to list EndpointSlices" in ns_label(app, NS)
        # Namespaces whose slices were listed instead are diagnosed as before.
        assert "1/1 ready" in label(app, "default", "kubernetes")
        assert "?" not in ns_label(app, "default")
        assert "⚠ forbidden: EndpointSlices in failures" in header(app)
        text = await details(pilot, (NS, "inventory"))
        assert "Not readable\n  ? not permitted to list EndpointSlices in failures" in text
        assert "not checked: ready endpoints, readiness, selectorless and traffic-policy checks" in text
        assert "no-ready-endpoints" not in text and "✔" not in text
        assert "Findings\n  none in what could be read (see Not readable)" in text
        assert app.main.tree.select_data(("ns", NS))
        await pilot.pause(0.05)
        assert "Not readable\n  ? not permitted to list EndpointSlices in failures" in app.main.details_text().plain
        # Expanded, the row says it again with what it skips.
        assert app.main.tree.reveal((NS, "inventory"))
        await pilot.pause(0.05)
        assert any(r.startswith("? not permitted to list EndpointSlices in failures: ready endpoints")
                   for r in labels(app))


async def test_pods_forbidden_in_one_namespace(failures):
    sim, cfg = failures
    forbid(sim, ("list", "pods", None), ("list", "pods", NS))
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock)
    async with app.run_test(size=(200, 60)) as pilot:
        await settled(pilot, sim, clock, 9)
        orders = label(app, NS, "orders")
        assert "selector matches no pods" not in orders
        assert "? not permitted to list Pods in failures" in orders
        # What the slices say is known and shown; what needs the pods is not claimed.
        inventory = label(app, NS, "inventory")
        assert "0/2 ready" in inventory and "no ready endpoints" not in inventory, inventory
        assert "targetPort" not in label(app, NS, "payments")
        # A selectorless Service needs no pods: its finding stands, and no pod gap is claimed for it.
        legacy = label(app, NS, "legacy-db")
        assert "no selector, no endpoints" in legacy and "Pods" not in legacy
        assert "? not permitted to list Pods" in ns_label(app, NS)
        assert "⚠ forbidden: Pods in failures" in header(app)
        text = await details(pilot, (NS, "orders"))
        assert "? not permitted to list Pods in failures" in text
        assert "selector-matches-no-pods" not in text
        # ctrl+d on it: which pods are behind it is unknown, so there is nothing to confirm.
        await pilot.press("ctrl+d")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmDelete)
        assert any(n.message == "not permitted to list Pods in failures: svctui cannot tell which pods to delete"
                   for n in app._notifications), [n.message for n in app._notifications]


def create_web(ns: str):
    """A namespace with one pod and a Service selecting it, created as kubectl would."""
    def run(c) -> None:
        c.api.create(R.NAMESPACES, None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        c.api.create(R.PODS, ns, {"apiVersion": "v1", "kind": "Pod",
                                  "metadata": {"name": "web-0", "labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
        c.api.create(R.SERVICES, ns, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                      "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    return run


async def test_namespaces_created_later_while_slices_are_forbidden_cluster_wide(failures):
    sim, cfg = failures
    # No cluster-wide list; and "closed", once it exists, grants this user nothing either.
    forbid(sim, ("list", "endpointslices", None), ("list", "endpointslices", "closed"))
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock)
    async with app.run_test(size=(200, 60)) as pilot:
        await settled(pilot, sim, clock, 9)
        assert "0/2 ready" in label(app, NS, "inventory"), "failures is among the namespaces watched instead"
        sim.call(create_web("open"))
        sim.call(create_web("closed"))
        await wait_for(pilot, lambda: app.main.tree.service_node(("open", "web"))
                       and app.main.tree.service_node(("closed", "web")), what="open/web and closed/web")
        # open's slices are watched as soon as the namespace appears: the real count, once the pod is up.
        await wait_for(pilot, lambda: "1/1 ready" in label(app, "open", "web"), what="open/web ready")
        await settled(pilot, sim, clock, 11)
        assert "?" not in label(app, "open", "web") and "?" not in ns_label(app, "open")
        closed = label(app, "closed", "web")
        assert "? not permitted to list EndpointSlices in closed" in closed
        assert "ready" not in closed and "✖" not in closed, closed
        assert "? not permitted to list EndpointSlices" in ns_label(app, "closed")
        assert "⚠ forbidden: EndpointSlices in closed" in header(app)
        text = await details(pilot, ("closed", "web"))
        assert "? not permitted to list EndpointSlices in closed" in text and "no-ready-endpoints" not in text


async def test_namespaces_unlistable_too_leaves_the_others_unwatched(failures):
    sim, cfg = failures
    # Only the context's namespace (default) can be tried: failures' slices are not watched at all.
    forbid(sim, ("list", "endpointslices", None), ("list", "namespaces", None))
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock)
    async with app.run_test(size=(200, 60)) as pilot:
        await settled(pilot, sim, clock, 9)
        inventory = label(app, NS, "inventory")
        assert "? not permitted to list EndpointSlices in all namespaces, and failures is not watched" in inventory
        assert "ready" not in inventory and "✖" not in inventory, inventory
        assert "EndpointSlices not watched" in ns_label(app, NS)
        assert "1/1 ready" in label(app, "default", "kubernetes"), "the context's namespace is watched"
        assert "⚠ forbidden: EndpointSlices cluster-wide" in header(app)
        text = await details(pilot, (NS, "inventory"))
        assert "failures is not watched" in text and "no-ready-endpoints" not in text


async def test_services_forbidden_cluster_wide_and_in_one_namespace(failures):
    sim, cfg = failures
    forbid(sim, ("list", "services", None), ("list", "services", NS))
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock)
    async with app.run_test(size=(200, 60)) as pilot:
        # failures' slices are listed cluster-wide: their Services' rows exist without a Service.
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node((NS, "inventory")), what="inventory")
        await settled(pilot, sim, clock, 5)
        inventory = label(app, NS, "inventory")
        assert "? not permitted to list Services in failures" in inventory
        assert "not listed yet" not in inventory
        assert "1/1 ready" in label(app, "default", "kubernetes"), "default's Services listed instead"
        assert "? not permitted to list Services" in ns_label(app, NS)
        assert "⚠ forbidden: Services in failures" in header(app)
        text = await details(pilot, (NS, "inventory"))
        assert "(not readable; its EndpointSlices are shown)" in text
        assert "? not permitted to list Services in failures" in text


async def test_snapshot_slices_and_pods_forbidden(demo):
    """The whole screen for a user refused demo's EndpointSlices and default's Pods (and both
    cluster-wide), after the grace period, the details of demo/db open."""
    sim, cfg = demo
    forbid(sim, ("list", "endpointslices", None), ("list", "endpointslices", "demo"),
           ("list", "pods", None), ("list", "pods", "default"))
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, sim, clock, 11)
        assert app.main.tree.select_data(("svc", ("demo", "db")))
        app.main.bottom.show("details")
        await pilot.pause(0.3)
        check_snapshot(app, "forbidden_120x40")


async def test_a_namespaced_watch_whose_slices_are_forbidden(failures):
    """`svctui -n failures` for a user who may list Services and Pods there, not EndpointSlices."""
    sim, cfg = failures
    forbid(sim, ("list", "endpointslices", NS))
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock, namespace=NS, all_namespaces=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settled(pilot, sim, clock, 8)
        for name in ("inventory", "healthy", "legacy-db"):
            row = label(app, NS, name)
            assert "? not permitted to list EndpointSlices in failures" in row and "ready" not in row, row
        assert "selector matches no pods" in label(app, NS, "orders")
        assert "⚠ forbidden: EndpointSlices in failures" in header(app)


async def test_a_permission_revoked_mid_run_hides_what_can_no_longer_be_updated(failures):
    sim, cfg = failures
    clock = FrozenClock(T0)
    # Watches end after a second, so the revoked permission is met at the next watch request.
    opts = WatchOptions(backoff_base=0.05, backoff_cap=0.4, seed=1, watch_timeout=(1, 1))
    app = make_app(cfg, clock=clock, namespace=NS, all_namespaces=False, watch_options=opts)
    async with app.run_test(size=(160, 50)) as pilot:
        await settled(pilot, sim, clock, 8)
        ips = set(app.main.model.topology.view((NS, "inventory")).rows)
        assert len(ips) == 2 and "0/2 ready" in label(app, NS, "inventory")
        forbid(sim, ("list", "endpointslices", NS), ("watch", "endpointslices", NS))
        await wait_for(pilot, lambda: "not permitted" in label(app, NS, "inventory"), what="the refusal")
        await settled(pilot, sim, clock, 8)
        assert "? not permitted to list EndpointSlices in failures" in label(app, NS, "inventory")
        assert app.main.tree.reveal((NS, "inventory"))
        await pilot.pause(0.05)
        shown = "\n".join(labels(app))
        assert not any(ip in shown for ip in ips), "the last list's endpoints are not shown as current"
        assert "no ready endpoints" not in shown
