"""The command panes through the real path (keys → worker → debug pod exec / port-forward on the sim →
messages → pane), the continuous probe on the timeline, read-only, and the debug pods' lifecycle."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

from svctui.kube.config import load_target
from svctui.kube.debugpod import MANAGED_BY, DebugSession
from svctui.kube.exec import Executor
from svctui.kube.heartbeat import this_process
from svctui.model.podowner import Here
from svctui.sim import resources as R
from svctui.ui.clock import FrozenClock
from svctui.ui.panes import jobs
from svctui.ui.panes.screens import ConfirmDebugPod, LeftoversScreen
from svctui.ui.screens.pick import PickScreen

from .conftest import T0, make_app, wait_for
from .simops import delete_and_hold, pod_names, release
from .snap import check_snapshot

NGINX = ("default", "nginx-service")
DB = ("demo", "db")
MULTI = ("default", "multi-port-service")


def debug_pods(sim) -> list[str]:
    def run(c):
        return sorted(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in c.store.list(R.PODS, None)
                      if (p["metadata"].get("labels") or {}).get(MANAGED_BY) == "svctui"
                      and not p["metadata"].get("deletionTimestamp"))
    return sim.call(run)


async def opened(pilot, select=NGINX):
    app = pilot.app
    await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node(select), what="tree")
    app.main.tree.reveal(select)
    await pilot.pause(0.2)
    assert app.main.tree.selected_data()[1] == select
    return app


async def confirm(pilot, namespace: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDebugPod), what="debug pod prompt")
    assert app.screen.namespace == namespace and app.screen.image == "curlimages/curl:8.11.1"
    await pilot.press("y")


async def done(pilot, kind: str, runs: int = 1, timeout: float = 20.0):
    pane = pilot.app.main.pane(kind)
    await wait_for(pilot, lambda: not pane.running and pane.history and _runs(pane) >= runs,
                   timeout=timeout, what=f"{kind} pane done")
    # The output scrolls to its end after the next layout; a loaded machine may take several frames.
    scroll = pane.query_one(f"#{pane.kind}-scroll")
    seen: list[tuple] = []

    def at_end_and_still() -> bool:
        seen.append((scroll.scroll_y, scroll.max_scroll_y, scroll.virtual_size.height))
        return scroll.scroll_y == scroll.max_scroll_y and len(seen) >= 4 and len(set(seen[-4:])) == 1

    try:
        await wait_for(pilot, at_end_and_still, timeout=timeout, what=f"{kind} output scrolled to its end")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last (scroll_y, max_scroll_y, height): {seen[-4:]}") from None
    return pane


def _runs(pane) -> int:
    return sum(1 for line in pane.lines if line.plain.startswith(("$ ", "DNS walk for", "exit", "✗"))) if pane.kind != "lb" \
        else len(pane.samples)


async def warm(pilot, namespace: str) -> None:
    """Snapshots: the debug pod exists before the command runs, so no start-up progress lines vary."""
    app = pilot.app
    app.main.panes.approved.add(namespace)
    app.run_worker(app.main.panes.session().pod(namespace), group="warm")
    await wait_for(pilot, lambda: app.main.panes.debug_session.has_pod(namespace), what="warm debug pod")


async def test_lookup_from_the_right_and_the_wrong_namespace(demo):
    sim, cfg = demo
    app = make_app(cfg, service="db", namespace="demo", all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, DB)
        await pilot.press("l")
        await confirm(pilot, "demo")
        pane = await done(pilot, "lookup")
        out = pane.plain_output()
        assert "$ nslookup db   in a debug pod in demo" in out
        assert "Name:\tdb.demo.svc.cluster.local" in out or "Name: db.demo.svc.cluster.local" in out
        assert "exit 1 (busybox exits 1 when any query failed" in out  # the AAAA search candidates
        assert "RESOLVES: db from namespace demo" in out
        assert app.query_one("#bottom").current == "lookup-pane"

        # From default: tab to the pane, ctrl+n picks the source namespace, the name runs again.
        while app.focused is not pane.input:
            await pilot.press("tab")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), what="namespace picker")
        await pilot.press(*"default", "enter")
        await confirm(pilot, "default")
        await wait_for(pilot, lambda: "DOES NOT RESOLVE: db from namespace default" in pane.plain_output(),
                       what="db fails from default")
        out = pane.plain_output()
        assert "server can't find db.default.svc.cluster.local: NXDOMAIN" in out
        assert "hint: a Service named db exists in namespace demo: try db.demo" in out

        # db.demo: busybox's nslookup asks it as-is (NXDOMAIN), the resolver's walk finds it.
        pane.set_command("db.demo")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "RESOLVES: db.demo from namespace default" in pane.plain_output(),
                       what="db.demo resolves")
        out = pane.plain_output()
        assert "server can't find db.demo: NXDOMAIN" in out
        assert "note: busybox nslookup asks a dotted name as-is" in out
        assert "2. db.demo.svc.cluster.local  [A NOERROR" in out
        # History: up recalls the earlier commands of this pane.
        await pilot.press("up")
        assert pane.input.value == "db.demo"
        await pilot.press("up")
        assert pane.input.value == "db"
        assert sorted(debug_pods(sim)) == [f"default/svctui-debug-{app.main.panes.debug_session_id}",
                                           f"demo/svctui-debug-{app.main.panes.debug_session_id}"]
    assert debug_pods(sim) == []  # deleted on quit
    assert sorted(app.main.panes.debug_cleaned) == [f"default/svctui-debug-{app.main.panes.debug_session_id}",
                                         f"demo/svctui-debug-{app.main.panes.debug_session_id}"]


async def test_dns_walk_needs_no_pod(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, DB)
        await pilot.press("d")
        pane = await done(pilot, "dns")
        out = pane.plain_output()
        assert "DNS walk for db from a pod in demo" in out
        assert "via port-forward to kube-system/coredns-" in out
        assert "1. db.demo.svc.cluster.local  [A NOERROR" in out
        assert "RESOLVES: db from namespace demo" in out
        assert not isinstance(app.screen, ConfirmDebugPod) and debug_pods(sim) == []
        # State survives switching panes.
        await pilot.press("tab")
        await pilot.press("tab")
        assert app.main.pane("dns").plain_output() == out


async def test_curl_streams_output_and_asks_for_the_port(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, MULTI)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), what="port picker")
        assert app.screen.choices == ["80/TCP (http)", "443/TCP (https)", "9090/TCP (metrics)"]
        await pilot.press("enter")
        await confirm(pilot, "default")
        pane = await done(pilot, "curl")
        out = pane.plain_output()
        assert "$ curl -sS -i -m 3 http://multi-port-service.default.svc.cluster.local:80/" in out
        assert "HTTP/1.1 200 OK" in out and "X-Served-By: my-app-" in out
        assert "exit 0 · 200 OK · served by my-app-" in out

        # Streamed: the first line is on screen while the command still runs (the sim scales sleep by 0.05).
        pane.input.focus()
        pane.set_command("sh -c 'echo one; sleep 60; echo two'")
        await pilot.press("enter")
        await pilot.pause(0.1)
        await wait_for(pilot, lambda: pane.running and pane.plain_output().endswith("one"), what="first line")
        assert pane.plain_output().rsplit("in a debug pod in default\n", 1)[-1] == "one"
        await done(pilot, "curl", runs=2)
        assert pane.plain_output().rsplit("in a debug pod in default\n", 1)[-1].splitlines()[:3] == \
            ["one", "two", "exit 0 · 0 ms (exec included)"]
    assert debug_pods(sim) == []


async def set_pages(cfg, sim) -> list[str]:
    """Seed 002: each nginx pod's index.html says which pod it is."""
    names = sim.call(lambda c: pod_names(c, "default", "nginx"))
    target = await load_target(kubeconfig=str(cfg), context=None, namespace="default")
    try:
        async with Executor(target.api) as ex:
            for i, name in enumerate(names, 1):
                r = await ex.run("default", name, ["sh", "-c", f"echo 'Pod {i} responding!' > "
                                                   "/usr/share/nginx/html/index.html"])
                assert r.exit_code == 0
    finally:
        await target.close()
    return names


async def test_load_balancing_histogram_over_three_backends(demo):
    sim, cfg = demo
    await set_pages(cfg, sim)
    app = make_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, NGINX)
        await pilot.press("b")
        await confirm(pilot, "default")
        pane = await done(pilot, "lb", runs=20)
        assert len(pane.samples) == 20 and all(s.ok for s in pane.samples)
        seen = {s.backend for s in pane.samples}
        assert seen == {"Pod 1 responding!", "Pod 2 responding!", "Pod 3 responding!"}
        out = pane.plain_output()
        assert "20/20 sent  ✓ 20 ok  ✗ 0 failed" in out
        for b in sorted(seen):
            n = sum(1 for s in pane.samples if s.backend == b)
            assert any(line.startswith(b) and f" {n:3d} " in line for line in out.splitlines())


async def test_probe_during_pod_deletion_lands_on_the_timeline(demo):
    sim, cfg = demo
    app = make_app(cfg, clock=time.time, tick=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, NGINX)
        await pilot.press("p")
        await confirm(pilot, "default")
        await wait_for(pilot, lambda: app.main.panes.probe_log.counts(NGINX)[0] >= 2, what="probe requests")
        held = sim.call(delete_and_hold())
        await wait_for(pilot, lambda: app.main.panes.probe_log.counts(NGINX)[1] >= 2, timeout=20, what="failed requests")
        sim.call(release("default", held))
        await wait_for(pilot, lambda: any("ok again" in e.text for e in app.main.panes.probe_log.entries(NGINX)),
                       timeout=20, what="requests ok again")
        await wait_for(pilot, lambda: app.main.model.ledger.stopwatch(NGINX).last is not None
                       and app.main.model.ledger.stopwatch(NGINX).last.first_success is not None, what="stopwatch")
        await pilot.pause(0.5)
        timeline = app.query_one("#timeline-pane").render().plain
        assert "probe started: GET http://nginx-service.default.svc.cluster.local:80/" in timeline
        assert "✗ request failed: curl: (7)" in timeline or "✗ request failed: curl: (28)" in timeline
        assert "✓ requests ok again: 200 OK" in timeline and "of failures (" in timeline
        assert "− 10.244." in timeline  # the endpoint churn, on the same timeline
        rec = app.main.model.ledger.stopwatch(NGINX).last
        assert rec.probed and rec.first_success >= rec.started
        assert "first request ok after" in rec.text
        assert "● probe nginx-service ✓" in app.query_one("#pane-tabs").render().plain
        await pilot.press("p")
        await wait_for(pilot, lambda: "probe stopped:" in app.query_one("#timeline-pane").render().plain
                       or app.main.timeline.dirty, what="probe stopped")
        assert not app.main.panes.probe_log.active(NGINX)
    assert debug_pods(sim) == []


async def test_read_only_refuses_debug_pods(demo):
    sim, cfg = demo
    app = make_app(cfg, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, NGINX)
        await pilot.press("u")
        pane = await done(pilot, "curl")
        assert "✗ read-only mode (--read-only): svctui creates no debug pods" in pane.plain_output()
        assert app.focused is pane.input  # an opened pane takes the keys: esc gives them back to the tree
        await pilot.press("escape", "b")
        lb = app.main.pane("lb")
        await wait_for(pilot, lambda: not lb.running and "read-only mode" in lb.plain_output(), what="lb refused")
        await pilot.press("escape")
        app.main.tree.reveal(DB)
        await pilot.pause(0.2)
        await pilot.press("l")
        lookup = await done(pilot, "lookup")
        out = lookup.plain_output()
        assert "✗ read-only mode" in out and "RESOLVES: db from namespace demo" in out  # the walk still works
        await pilot.press("escape", "p")
        await pilot.pause(0.1)
        assert not app.main.panes.probes
        assert not isinstance(app.screen, ConfirmDebugPod)
        assert debug_pods(sim) == []
        assert app.main.panes.debug_session is None or not app.main.panes.debug_session.heartbeat.running


async def test_cleanup_handlers_follow_the_session(demo):
    sim, cfg = demo
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    app = make_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, NGINX)
        await pilot.press("u")
        await confirm(pilot, "default")
        await done(pilot, "curl")
        # SIGTERM / SIGHUP delete the session's pods (kube's install_cleanup_handlers, wired to this session).
        assert signal.getsignal(signal.SIGTERM) not in before[:1] and signal.getsignal(signal.SIGHUP) not in before[1:]
        assert debug_pods(sim) == [f"default/svctui-debug-{app.main.panes.debug_session_id}"]
        removed = await asyncio.to_thread(app.main.panes.debug_session.cleanup_sync)  # what the signal handler runs first
        assert removed == [f"default/svctui-debug-{app.main.panes.debug_session_id}"]
        assert debug_pods(sim) == []
        # The next command starts a fresh pod (already approved for this namespace: no prompt).
        app.main.pane("curl").set_command("curl -sS -o /dev/null -w %{http_code} http://nginx-service")
        app.main.panes.run_in(app.main.pane("curl"), app.main.pane("curl").input.value)
        await done(pilot, "curl", runs=2)
        assert debug_pods(sim) == [f"default/svctui-debug-{app.main.panes.debug_session_id}"]
    assert debug_pods(sim) == []
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before


def dead_owner(session: str) -> Here:
    """This host, a pid that has ended: an earlier svctui that was killed without cleaning up."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    here = this_process(session)
    return Here(session, here.user, here.host, proc.pid, here.pidns)


async def make_leftover(cfg, namespace: str = "demo") -> str:
    target = await load_target(kubeconfig=str(cfg), context=None, namespace="default")
    try:
        s = DebugSession(target.api, image="busybox", here=dead_owner("0ld5e55"))
        name = await s.pod(namespace)
        s.heartbeat.stop()
        await s.executor.close()
        return f"{namespace}/{name}"
    finally:
        await target.close()


async def test_leftovers_prompt_removes_earlier_sessions_pods(demo):
    sim, cfg = demo
    left = await make_leftover(cfg)
    assert debug_pods(sim) == [left]
    app = make_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LeftoversScreen), what="leftovers prompt")
        assert [f"{i.namespace}/{i.name}" for i in app.screen.items] == [left]
        await pilot.press("y")
        await wait_for(pilot, lambda: debug_pods(sim) == [], what="leftover removed")


async def test_leftovers_only_mentioned_in_read_only(demo):
    sim, cfg = demo
    left = await make_leftover(cfg)
    app = make_app(cfg, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.leftovers.checked and app._notifications, what="notice")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, LeftoversScreen)
        note, = [n.message for n in app._notifications if "left by svctui sessions that are gone; read-only" in n.message]
        ns, name = left.split("/")
        assert f"kubectl delete pod -n {ns} {name}" in note and "-l app.kubernetes.io" not in note
    assert debug_pods(sim) == [left]


async def offered_text(pilot) -> str:
    """The leftovers prompt's list, as the operator reads it."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LeftoversScreen) and app.screen.query("#leftovers-list Static"),
                   what="leftovers prompt")
    return app.screen.query_one("#leftovers-list Static").render().plain


async def test_a_running_sessions_pod_is_never_offered_until_its_heartbeat_is_stale(demo):
    """Two operators on one cluster: A runs (its heartbeat renewed), B starts. B offers only the pod of a
    session that is gone; once A stops renewing, a later B offers A's pod too, saying whose it is."""
    sim, cfg = demo
    dead = await make_leftover(cfg, "demo")
    target = await load_target(kubeconfig=str(cfg), context=None, namespace="default")
    a = DebugSession(target.api, image="busybox", session_id="a11ce000", heartbeat_interval=0.2)
    try:
        await a.pod("default")
        a_pod = "default/svctui-debug-a11ce000"
        assert debug_pods(sim) == [a_pod, dead]
        b = make_app(cfg)
        b.main.panes.debug_stale_after = 1.5
        async with b.run_test(size=(120, 40)) as pilot:
            text = await offered_text(pilot)
            assert [f"{i.namespace}/{i.name}" for i in b.screen.items] == [dead]
            assert "owner " in text and "pid " in text and "is not running on this host" in text
            await pilot.press("y")
            await wait_for(pilot, lambda: debug_pods(sim) == [a_pod], what="only the dead session's pod removed")
            await pilot.pause(0.5)
            assert debug_pods(sim) == [a_pod]

        a.heartbeat.stop()  # A hangs: no more renewals
        await asyncio.sleep(2.0)
        b2 = make_app(cfg)
        b2.main.panes.debug_stale_after = 1.5
        async with b2.run_test(size=(120, 40)) as pilot:
            text = await offered_text(pilot)
            item, = b2.screen.items
            assert f"{item.namespace}/{item.name}" == a_pod and item.session == "a11ce000"
            here = this_process("x")
            assert f"owner {here.user}@{here.host} pid {here.pid}" in text
            assert "session a11ce000" in text and "  heartbeat " in text and "s ago" in text
            await pilot.press("y")
            await wait_for(pilot, lambda: debug_pods(sim) == [], what="A's stale pod removed")
    finally:
        await a.close()
        await target.close()


async def test_leftover_owner_text_is_rendered_literally(demo):
    sim, cfg = demo
    left = await make_leftover(cfg, "demo")
    ns, name = left.split("/")
    evil = "[bold red]root[/]\x1b[31m@\x07evil"

    def scribble(c):
        pod = c.store.get(R.PODS, ns, name)
        pod["metadata"]["annotations"]["svctui.dev/owner-user"] = evil
        c.store.replace(R.PODS, pod)
    sim.call(scribble)
    app = make_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        text = await offered_text(pilot)
        assert "owner [bold red]root[/]@evil@" in text
        assert "\x1b" not in text and "\x07" not in text


async def test_a_failing_heartbeat_is_said_once(demo):
    sim, cfg = demo
    app = make_app(cfg)
    app.main.panes.debug_heartbeat = 0.1
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, NGINX)
        await pilot.press("u")
        await confirm(pilot, "default")
        await done(pilot, "curl")
        sim.call(lambda c: c.server.forbid.add(("patch", "pods", "default")))

        def said(title):
            return [n for n in app._notifications if n.title == title]
        await wait_for(pilot, lambda: said("debug pod heartbeat failed"), what="heartbeat failure notice")
        await pilot.pause(1.0)  # ten more failed renewals
        notes = said("debug pod heartbeat failed")
        assert len(notes) == 1 and "403" in notes[0].message and "cannot patch resource" in notes[0].message
        sim.call(lambda c: c.server.forbid.discard(("patch", "pods", "default")))
        await wait_for(pilot, lambda: any("renewed again" in n.message for n in app._notifications),
                       what="renewed again")
        assert len(said("debug pod heartbeat failed")) == 1
    assert debug_pods(sim) == []


# ---- snapshots: seeded sim, frozen clock (latency reads 0 ms), fixed session id, Date frozen ----

def frozen_dates(sim):
    """The sim's HTTP Date header comes from its wall clock: pin it while a snapshot's request runs."""
    def run(c):
        c.clock.now = lambda: T0
    return run


def thawed(sim):
    def run(c):
        del c.clock.now
    return run


def snap_app(cfg, **kw):
    return make_app(cfg, clock=FrozenClock(T0), debug_session_id="snap0000", **kw)


async def test_snapshot_lookup_pane(demo):
    sim, cfg = demo
    app = snap_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, DB)
        await warm(pilot, "default")
        app.main.pane("lookup").source_ns, app.main.pane("lookup").source_pinned = "default", True
        await pilot.press("l")
        await done(pilot, "lookup")
        check_snapshot(app, "panes_lookup_120x40")


async def test_snapshot_lookup_pane_80x24(demo):
    sim, cfg = demo
    app = snap_app(cfg)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, DB)
        await warm(pilot, "default")
        app.main.pane("lookup").source_ns, app.main.pane("lookup").source_pinned = "default", True
        await pilot.press("l")
        await done(pilot, "lookup")
        check_snapshot(app, "panes_lookup_80x24")


async def test_snapshot_dns_pane(demo):
    sim, cfg = demo
    app = snap_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, DB)
        await pilot.press("d")
        await done(pilot, "dns")
        check_snapshot(app, "panes_dns_120x40")


async def test_snapshot_curl_pane(demo):
    sim, cfg = demo
    app = snap_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, NGINX)
        await warm(pilot, "default")
        sim.call(frozen_dates(sim))
        try:
            await pilot.press("u")
            await done(pilot, "curl")
        finally:
            sim.call(thawed(sim))
        check_snapshot(app, "panes_curl_120x40")


async def test_snapshot_balance_pane(demo):
    sim, cfg = demo
    await set_pages(cfg, sim)
    app = snap_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, NGINX)
        await warm(pilot, "default")
        await pilot.press("b")
        await done(pilot, "lb", runs=20)
        check_snapshot(app, "panes_balance_120x40")


async def test_snapshot_probe_on_the_timeline(demo, monkeypatch):
    sim, cfg = demo
    monkeypatch.setattr(jobs, "PROBE_INTERVAL", 3600.0)  # exactly one request before the capture
    app = snap_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, NGINX)
        await warm(pilot, "default")
        await pilot.press("p")
        await wait_for(pilot, lambda: app.main.panes.probe_log.counts(NGINX)[0] == 1, what="one probe request")
        await pilot.pause(0.2)
        app.main.tick()
        await pilot.pause(0.1)
        check_snapshot(app, "panes_probe_timeline_120x40")
