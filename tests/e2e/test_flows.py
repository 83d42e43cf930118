"""The key flows end to end, on the simulated cluster behind its TLS + exec-credential front door, or on
any cluster: `SVCTUI_E2E_KUBECONFIG=~/.kube/config pytest tests/e2e` (a namespace of its own, deleted after).

The app runs its real path (kubeconfig → exec plugin → HTTPS → list/watch → model → screen) under Pilot;
the CLI subcommands run in a subprocess as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from svctui.model import diagnose as D
from svctui.ui.panes.screens import ConfirmDebugPod
from svctui.ui.screens.confirm import ConfirmDelete
from tests.ui.conftest import make_app, wait_for

from .cluster import Target, make_target

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Iterator[Target]:
    t = make_target(tmp_path_factory.mktemp("e2e"))
    try:
        t.setup()
        t.wait_web_ready()
        yield t
    finally:
        t.teardown()


@pytest.fixture
def web(target: Target) -> set[str]:
    """The web pods' IPs once all three are ready (an earlier flow may have replaced them)."""
    return target.wait_web_ready()


def cli(target: Target, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "svctui", *args, "--kubeconfig", str(target.kubeconfig)],
                          capture_output=True, text=True, timeout=timeout * target.slowness,
                          env=dict(os.environ, PYTHONUNBUFFERED="1"))


def app_for(target: Target, **kw):
    return make_app(target.kubeconfig, namespace=target.namespace, all_namespaces=False, service="web", **kw)


def shown_ips(app, target: Target) -> set[str]:
    view = app.main.model.topology.view((target.namespace, "web"))
    return set(view.rows) if view else set()


async def pane_done(pilot, kind: str, timeout: float) -> str:
    pane = pilot.app.main.pane(kind)
    await wait_for(pilot, lambda: not pane.running and pane.history and "exit" in pane.plain_output(),
                   timeout=timeout, what=f"{kind} pane done")
    return pane.plain_output()


async def test_tree_shows_the_services_endpoints(target, web):
    app = app_for(target)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and shown_ips(app, target) == web, timeout=15 * target.slowness,
                       what="web's three endpoints in the tree")
        assert {(target.namespace, n) for n in ("web", "stuck", "typo")} <= set(app.main.tree.services_shown())
        assert "selector matches no pods" in app.main.tree.service_node((target.namespace, "typo")).label.plain


async def test_deleting_the_pods_shows_recovery(target, web):
    app = app_for(target, clock=time.time, tick=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and shown_ips(app, target) == web, timeout=15 * target.slowness,
                       what="web's endpoints")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDelete), what="the confirmation")
        assert app.screen.equivalent == f"kubectl delete pods -l app=web -n {target.namespace}"
        await pilot.press("y")

        def recovered() -> bool:
            now = shown_ips(app, target)
            return len(now) == 3 and not (now & web) and "recovered in" in app.main.tree.service_node((target.namespace, "web")).label.plain
        await wait_for(pilot, recovered, timeout=20 * target.slowness, what="recovered in")
    assert target.ready_ips("web").isdisjoint(web)


async def test_lookup_pane_runs_nslookup_in_a_debug_pod(target, web):
    app = app_for(target)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node((target.namespace, "web")), what="tree")
        app.main.tree.reveal((target.namespace, "web"))
        await pilot.pause(0.2)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDebugPod), what="the debug pod prompt")
        await pilot.press("y")
        out = await pane_done(pilot, "lookup", timeout=30 * target.slowness)
        assert f"$ nslookup web   in a debug pod in {target.namespace}" in out
        assert f"web.{target.namespace}.svc.cluster.local" in out
        assert f"RESOLVES: web from namespace {target.namespace}" in out
    target.wait(lambda: not target.debug_pods(), 10, "the app to remove its debug pod")


async def test_curl_pane_reaches_the_service(target, web):
    app = app_for(target)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node((target.namespace, "web")), what="tree")
        app.main.tree.reveal((target.namespace, "web"))
        await pilot.pause(0.2)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDebugPod), what="the debug pod prompt")
        await pilot.press("y")
        out = await pane_done(pilot, "curl", timeout=30 * target.slowness)
        assert f"$ curl -sS -i -m 3 http://web.{target.namespace}.svc.cluster.local:80/" in out
        assert "HTTP/1.1 200 OK" in out and "Server: nginx" in out
        assert "exit 0 · 200 OK" in out
    target.wait(lambda: not target.debug_pods(), 10, "the app to remove its debug pod")


def test_doctor_finds_what_is_broken_and_nothing_else(target, web):
    def findings():
        r = cli(target, "doctor", "-n", target.namespace, "-o", "json")
        assert r.returncode in (0, 1), r.stderr
        return r.returncode, {(f["service"], f["code"]) for f in json.loads(r.stdout)["findings"]}

    ns = target.namespace
    want = {(f"{ns}/typo", D.SELECTOR_MATCHES_NO_PODS), (f"{ns}/stuck", D.NO_READY_ENDPOINTS)}
    rc, got = target.wait(lambda: (lambda f: f if want <= f[1] else None)(findings()), 30, "the doctor's findings")
    assert rc == 1
    assert not {s for s, _ in got} & {f"{ns}/web"}, got
    r = cli(target, "doctor", "svc/typo", "-n", ns)
    assert r.returncode == 1 and f"✖ ERROR   {ns}/typo  [selector-matches-no-pods]" in r.stdout
    assert "nearest: app=web (" in r.stdout


def test_dns_resolves_the_service_from_its_namespace(target, web):
    r = cli(target, "dns", "web", "-n", target.namespace)
    assert r.returncode == 0, r.stdout + r.stderr
    ip = target.core.read_namespaced_service("web", target.namespace).spec.cluster_ip
    assert f"1. web.{target.namespace}.svc.cluster.local  [A NOERROR" in r.stdout
    assert f"RESOLVES: web from namespace {target.namespace} -> {ip}" in r.stdout
    r = cli(target, "dns", "web", "-n", "default")
    assert r.returncode == 1 and f"hint: a Service named web exists in namespace {target.namespace}" in r.stdout


def test_probe_cli_sends_requests_and_removes_its_debug_pod(target, web):
    r = cli(target, "probe", "svc/web", "-n", target.namespace, "--count", "4", "--interval", "0.1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert sum(" ok   200 OK " in ln for ln in r.stdout.splitlines()) == 4
    assert "4 requests: 4 succeeded, 0 failed" in r.stdout
    assert f"removed debug pod {target.namespace}/svctui-debug-" in r.stderr
    assert target.debug_pods() == []  # removed before the process exited
