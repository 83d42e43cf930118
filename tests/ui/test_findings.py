"""Live findings: tree badges, the grace period for readiness, the DNS header, the details pane.

Against the sim through the real path (kubeconfig → HTTP → watch → model → screen); the fixes are
made the way a user would, with kubectl."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from svctui.model import diagnose as D
from svctui.model.livefindings import GRACE
from svctui.sim import resources as R
from svctui.sim.runner import SimThread, write_kubeconfig
from svctui.ui.clock import FrozenClock
from tests.conftest import make_kubectl, start_sim

from .conftest import T0, labels, make_app, wait_for
from .simops import delete_and_hold, release
from .snap import check_snapshot

NS = "failures"
NEVER_READY = ("inventory-", "search-canary")


def _steady(c) -> bool:
    """Every pod running with an IP, all ready but the ones failures.yaml keeps unready."""
    pods = c.store.list(R.PODS, None)
    for p in pods:
        st = p.get("status") or {}
        if st.get("phase") != "Running" or not st.get("podIP"):
            return False
        ready = any(x.get("type") == "Ready" and x.get("status") == "True" for x in st.get("conditions") or ())
        if not ready and not p["metadata"]["name"].startswith(NEVER_READY):
            return False
    return bool(pods)


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


@pytest.fixture
def dns_down(tmp_path) -> Iterator[tuple[SimThread, Path]]:
    sim = start_sim(["dns-down"], seed=11)
    sim.call(lambda c: c.settle())  # CoreDNS scaled to 0: no pod to wait for
    yield sim, write_kubeconfig(tmp_path / "kubeconfig", sim.url)
    sim.stop()


def label(app, ns: str, name: str) -> str:
    node = app.main.tree.service_node((ns, name))
    assert node is not None, f"{ns}/{name} not in the tree"
    return node.label.plain


def header(app) -> str:
    return app.query_one("#hdr-left").render().plain


async def drain(pilot, sim=None) -> None:
    if sim is not None:
        sim.call(lambda c: c.settle())
    await pilot.pause(0.3)
    pilot.app.main.tick()
    await pilot.pause(0.1)


async def synced(pilot, sim, n: int) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.main.synced and len(app.main.tree.services_shown()) >= n, what="the tree")
    await drain(pilot, sim)


async def kubectl(kc, *args: str) -> str:
    return await asyncio.to_thread(kc, *args)


async def test_badges_show_each_failure_mode_on_the_first_screen(failures):
    sim, cfg = failures
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock, namespace=NS, all_namespaces=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await synced(pilot, sim, 8)
        # Configuration findings show at once, mark and words.
        assert "✖ selector matches no pods" in label(app, NS, "orders")
        assert "⚠ targetPort not a container port" in label(app, NS, "payments")
        assert "✖ targetPort name not on pods" in label(app, NS, "catalog")
        assert "✖ no selector, no endpoints" in label(app, NS, "legacy-db")
        # Readiness findings too: the state svctui found is no transition, so no grace period.
        assert "✖ no ready endpoints" in label(app, NS, "inventory")
        assert "⚠ pods not ready +1 more" in label(app, NS, "search")
        assert "⚠ Local policy: nodes without endpoints +1 more" in label(app, NS, "edge")
        assert not any(m in label(app, NS, "healthy") for m in "✖⚠ℹ")
        # Expanded, each finding is a row with its whole message.
        rows = labels(app)
        assert any(r.startswith("ℹ LoadBalancer has no external address") for r in rows)
        assert any(r.startswith("⚠ selector app=search matches pods of 2 workloads") for r in rows)
        assert any(r.startswith("✖ selector app=order matches no pods in failures; nearest: app=orders") for r in rows)
        # The details pane: evidence and the kubectl that confirms it.
        assert app.main.tree.select_data(("svc", (NS, "orders")))
        await drain(pilot)
        details = app.query_one("#details").render().plain
        assert "✖ error  [selector-matches-no-pods]" in details
        assert "nearest candidates:" in details and "selector wants app=order" in details
        assert "kubectl -n failures get pods --show-labels" in details


async def test_findings_that_need_pods_show_when_the_pods_join_rows_built_without_them(failures):
    # sync_timeout=0: the tree is built before any list is in, so every list (pods last) arrives as
    # a batch of changes; the pods' batch must redo the Services no pod matches.
    sim, cfg = failures
    app = make_app(cfg, namespace=NS, all_namespaces=False, sync_timeout=0.0)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.main.complete and len(app.main.tree.services_shown()) >= 8, what="the tree")
        await drain(pilot, sim)
        assert "✖ selector matches no pods" in label(app, NS, "orders")
        assert "⚠ targetPort not a container port" in label(app, NS, "payments")


async def test_fixing_the_selector_removes_the_badge_live(failures, tmp_path):
    sim, cfg = failures
    kc = make_kubectl(sim, tmp_path)
    app = make_app(cfg, namespace=NS, all_namespaces=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await synced(pilot, sim, 8)
        assert "✖ selector matches no pods" in label(app, NS, "orders")
        before = app.main.rows.findings.diagnosed
        await kubectl(kc, "-n", NS, "patch", "service", "orders", "-p", '{"spec":{"selector":{"app":"orders"}}}')
        await wait_for(pilot, lambda: "2/2 ready" in label(app, NS, "orders"), what="orders endpoints")
        await drain(pilot, sim)
        assert not any(m in label(app, NS, "orders") for m in "✖⚠ℹ"), label(app, NS, "orders")
        assert not any(r.startswith("✖ selector app=order") for r in labels(app))
        # Only what changed was diagnosed again, not all 8 Services per batch.
        assert app.main.rows.findings.diagnosed - before < 8


async def test_db_typo_badge_goes_away_when_fixed(demo, tmp_path):
    sim, cfg = demo
    kc = make_kubectl(sim, tmp_path)
    app = make_app(cfg)
    async with app.run_test(size=(140, 40)) as pilot:
        await synced(pilot, sim, 10)
        assert "✖ selector matches no pods" in label(app, "demo", "db-typo")
        assert "⚠" not in label(app, "demo", "db") and "✖" not in label(app, "demo", "db")
        await kubectl(kc, "-n", "demo", "patch", "service", "db-typo", "-p", '{"spec":{"selector":{"app":"db"}}}')
        await wait_for(pilot, lambda: "1/1 ready" in label(app, "demo", "db-typo"), what="db-typo endpoints")
        await drain(pilot, sim)
        assert "selector matches no pods" not in label(app, "demo", "db-typo")
        assert "✖" not in label(app, "demo", "db-typo")


async def test_a_pod_restart_shows_no_readiness_badge_within_the_grace_period(demo):
    sim, cfg = demo
    key = ("default", "nginx-service")
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock, service="nginx-service")
    async with app.run_test(size=(120, 40)) as pilot:
        await synced(pilot, sim, 10)
        held = sim.call(delete_and_hold())
        await wait_for(pilot, lambda: "recovering" in label(app, *key), what="recovery badge")
        await drain(pilot, sim)
        clock.advance(GRACE - 1.0)
        await drain(pilot)
        assert "recovering" in label(app, *key) and "no ready endpoints" not in label(app, *key)
        clock.advance(1.5)  # still no ready endpoint after the grace period: now it is a finding
        await drain(pilot)
        assert "✖ no ready endpoints" in label(app, *key)
        sim.call(release("default", held))
        await wait_for(pilot, lambda: "recovered in" in label(app, *key), what="recovered")
        await drain(pilot, sim)
        assert "no ready endpoints" not in label(app, *key)


async def test_dns_down_shows_in_the_header_and_on_kube_dns(dns_down, tmp_path):
    sim, cfg = dns_down
    kc = make_kubectl(sim, tmp_path)
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock)
    async with app.run_test(size=(140, 30)) as pilot:
        await synced(pilot, sim, 2)
        # Down when svctui starts: said on the first screen, no grace period for the initial state.
        assert "✖ cluster DNS down" in header(app)
        assert "✖ cluster DNS down" in label(app, "kube-system", "kube-dns")
        await kubectl(kc, "-n", "kube-system", "scale", "deployment", "coredns", "--replicas=2")
        await wait_for(pilot, lambda: "2/2 ready" in label(app, "kube-system", "kube-dns"), what="CoreDNS back")
        await drain(pilot, sim)
        assert "DNS" not in header(app)
        assert "✖" not in label(app, "kube-system", "kube-dns")


async def test_dns_down_shows_in_the_header_whatever_the_namespace(dns_down, tmp_path):
    """Watching one namespace (the context's), svctui still watches kube-dns (and only it) for the header."""
    sim, cfg = dns_down
    kc = make_kubectl(sim, tmp_path)
    app = make_app(cfg, all_namespaces=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await synced(pilot, sim, 1)
        await wait_for(pilot, lambda: "✖ cluster DNS down" in header(app), what="DNS down in the header")
        assert app.main.tree.service_node(("kube-system", "kube-dns")) is None, "kube-system is not on screen"
        assert {k for k in app.main.model.store.services if k[0] == "kube-system"} == {("kube-system", "kube-dns")}
        await kubectl(kc, "-n", "kube-system", "scale", "deployment", "coredns", "--replicas=1")
        await wait_for(pilot, lambda: "DNS" not in header(app), what="DNS back in the header")


async def test_local_policy_counts_nodes_as_the_doctor_does(failures, capsys):
    """One rule (diagnose.policy_nodes) for both: the TUI's edge finding says what `svctui doctor` says."""
    from svctui.commands.doctor import main as doctor_main
    sim, cfg = failures
    app = make_app(cfg, namespace=NS, all_namespaces=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await synced(pilot, sim, 8)
        [tui] = [f for f in app.main.rows.findings.shown((NS, "edge"), app.now()) if f.code == D.LOCAL_POLICY_NO_LOCAL_ENDPOINTS]
    rc = await asyncio.to_thread(doctor_main, ["svc/edge", "-n", NS, "-o", "json", "--kubeconfig", str(cfg)])
    out = json.loads(capsys.readouterr().out)
    [cli] = [f for f in out["findings"] if f["code"] == D.LOCAL_POLICY_NO_LOCAL_ENDPOINTS]
    assert rc == 0 and tui.message == cli["message"], (tui.message, cli["message"])
    assert tui.to_dict()["evidence"] == cli["evidence"]
    nodes = sim.call(lambda c: sorted(n["metadata"]["name"] for n in c.store.list(R.NODES, None)))
    assert f"of {len(nodes)} nodes" in tui.message, "every node counts: NodePort traffic reaches all of them"


async def test_refused_probe_makes_an_undeclared_target_port_an_error(failures):
    """payments: targetPort 8008, the container declares (and listens on) 8080. Declared ports alone
    are a warning; the probe's refused requests make it an error, with the evidence."""
    from svctui.model.refusals import RECENT

    from .test_panes import confirm
    sim, cfg = failures
    app = make_app(cfg, namespace=NS, all_namespaces=False, clock=time.time, tick=0.2)
    key = (NS, "payments")
    async with app.run_test(size=(160, 50)) as pilot:
        await synced(pilot, sim, 8)
        assert "⚠ targetPort not a container port" in label(app, NS, "payments")
        app.main.tree.reveal(key)
        await pilot.pause(0.2)
        await pilot.press("p")
        await confirm(pilot, NS)
        await wait_for(pilot, lambda: app.main.panes.probe_log.counts(key)[1] >= RECENT, timeout=30, what="refused requests")
        await wait_for(pilot, lambda: "✖ targetPort not a container port" in label(app, NS, "payments"),
                       what="the error badge")
        [f] = [f for f in app.main.rows.findings.shown(key, app.now()) if f.code == D.TARGET_PORT_NOT_EXPOSED]
        assert f.severity == D.ERROR and "connections to it are refused" in f.message
        assert "curl: (7)" in f.to_dict()["evidence"]["probe"]
        await pilot.press("p")  # stop the probe


async def _failures_screen(pilot, sim, clock) -> None:
    app = pilot.app
    await synced(pilot, sim, 8)
    await wait_for(pilot, lambda: app.main.tree.cursor_node is not None
                   and app.main.tree.cursor_node.data == ("svc", (NS, "orders")), what="orders selected")
    clock.advance(GRACE)
    await drain(pilot)
    await pilot.press("tab", "tab")  # the details pane for orders
    await drain(pilot)


async def test_snapshot_findings_120x40(failures):
    sim, cfg = failures
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock, namespace=NS, all_namespaces=False, service="orders")
    async with app.run_test(size=(120, 40)) as pilot:
        await _failures_screen(pilot, sim, clock)
        assert "✖ no ready endpoints" in label(app, NS, "inventory")
        check_snapshot(app, "findings_120x40")


async def test_snapshot_findings_80x24(failures):
    sim, cfg = failures
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock, namespace=NS, all_namespaces=False, service="orders")
    async with app.run_test(size=(80, 24)) as pilot:
        await _failures_screen(pilot, sim, clock)
        check_snapshot(app, "findings_80x24")
