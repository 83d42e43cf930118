"""The flight recorder end to end: `svctui record` (the real CLI, in its own process) on the demo sim
while every nginx pod is deleted, stopped with SIGINT; the sim stopped; then the replay screen on the
file (Pilot) shows the ghost rows, the new IPs and "recovered in", and `svctui report` names the
Service, the phases and the duration the live recorder saw."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from svctui.commands import report as report_cmd
from svctui.model import recording as fmt
from svctui.sim import resources as R
from svctui.sim.runner import write_kubeconfig
from svctui.ui.replay import ReplayApp
from svctui.ui.screens.confirm import ConfirmDelete
from tests.conftest import start_sim

from .conftest import labels, wait_for
from .simops import pod_names, wait_all_ready

NGINX = ("default", "nginx-service")
ROOT = Path(__file__).resolve().parents[2]


def _nginx_ips(c) -> set[str]:
    return {p["status"].get("podIP") for p in c.store.list(R.PODS, "default")
            if (p["metadata"].get("labels") or {}).get("app") == "nginx" and not p["metadata"].get("deletionTimestamp")
            and any(x.get("type") == "Ready" and x.get("status") == "True" for x in p["status"].get("conditions") or ())}


def _delete_nginx(c) -> None:
    for name in pod_names(c, "default", "nginx"):
        c.api.delete(R.PODS, "default", name)


def _poll(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _lists_in(path: Path) -> int:
    try:
        return sum(isinstance(r, fmt.ListRecord) for r in fmt.loads(path.read_bytes()).records)
    except (OSError, fmt.RecordingError):
        return 0


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, set[str], set[str]]:
    tmp = tmp_path_factory.mktemp("rec")
    sim = start_sim(["demo"], seed=11)
    try:
        wait_all_ready(sim)
        cfg = write_kubeconfig(tmp / "kubeconfig", sim.url)
        out = tmp / "nginx.svcrec"
        proc = subprocess.Popen([sys.executable, "-m", "svctui", "record", "-o", str(out), "svc/nginx-service", "-A",
                                 "--kubeconfig", str(cfg)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        try:
            _poll(lambda: _lists_in(out) >= 3, 30, "the recorder's first lists")
            time.sleep(1.0)  # a steady second before the deletion
            old = sim.call(_nginx_ips)
            sim.call(_delete_nginx)
            new = _poll(lambda: (ips := sim.call(_nginx_ips)) and len(ips) == 3 and not ips & old and ips, 30,
                        "three new ready nginx pods")
            time.sleep(1.0)  # the recorder sees the last slice update
        finally:
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    finally:
        sim.stop()  # the replay and the report run with no cluster
    return out, old, new


def test_the_recording_is_complete_after_sigint(recorded):
    path, _, _ = recorded
    rec = fmt.loads(path.read_bytes())
    assert not rec.torn and rec.ended
    assert rec.header["scope"]["service"] == "nginx-service"
    phases = [r for r in rec.records if isinstance(r, fmt.PhaseRecord) and r.service == NGINX]
    assert len(phases) == 1 and phases[0].recovery["outcome"] == "recovered"


async def test_replay_shows_ghosts_new_ips_and_recovery_without_a_cluster(recorded):
    path, old, new = recorded
    rec = fmt.loads(path.read_bytes())
    app = ReplayApp(rec, speed=2.0, tick=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and NGINX in app.main.tree.services_shown(), what="the replayed tree")

        def recovered():
            node = app.main.tree.service_node(NGINX)
            view = app.main.model.topology.view(NGINX)
            return (node is not None and "recovered in" in node.label.plain and view is not None
                    and set(view.rows) == new)
        await wait_for(pilot, recovered, timeout=20, what="the replayed recovery")
        await pilot.pause(0.3)
        text = labels(app)
        for ip in old:
            assert any(line.startswith("− " + ip) and "gone" in line for line in text), (ip, text)
        for ip in new:
            assert any(line.startswith("+ " + ip) and "new" in line for line in text), (ip, text)
        assert "⟲ recovered in" in app.main.tree.service_node(NGINX).label.plain
        assert "replay of svctui-sim" in app.query_one("#hdr-left").render().plain
        # No cluster: deleting says why and asks nothing.
        app.main.tree.focus()
        await pilot.press("ctrl+d")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmDelete)
        assert any("no cluster: deleting pods is unavailable" in n.message for n in app._notifications)
        for key, what in (("l", "nslookup"), ("u", "curl"), ("p", "the probe"), ("d", "the DNS walk"), ("R", "recording")):
            await pilot.press(key)
            await pilot.pause(0.05)
            assert app.screen is app.screen_stack[0], key  # no debug pod prompt, nothing pushed
            assert any(f"no cluster: {what}" in n.message for n in app._notifications), key


async def test_replay_pause_step_and_seek_back(recorded):
    path, old, new = recorded
    rec = fmt.loads(path.read_bytes())
    app = ReplayApp(rec, speed=1.0, tick=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.model.topology.view(NGINX) is not None, what="the tree")
        await pilot.press("space")
        assert app.replay_clock.paused
        t0 = app.replay_clock()
        await pilot.pause(0.3)
        assert app.replay_clock() == t0  # paused: time stands still
        assert set(app.main.model.topology.view(NGINX).rows) == old
        # Step until the deletion has gone through: each step applies one record.
        for _ in range(len(rec.records)):
            await pilot.press("full_stop")
            await pilot.pause(0.02)
            if set(app.main.model.topology.view(NGINX).rows) == new:
                break
        assert set(app.main.model.topology.view(NGINX).rows) == new
        gen = app.main.gen
        await pilot.press("home")  # back to the start: a new model, fed again up to the clock
        await wait_for(pilot, lambda: app.main.gen > gen and app.main.synced and app.main.model.topology.view(NGINX) is not None,
                       what="the restarted replay")
        assert set(app.main.model.topology.view(NGINX).rows) == old


def test_report_names_the_service_phases_and_duration(recorded):
    path, old, new = recorded
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert report_cmd.main([str(path), "svc/nginx-service"]) == 0
    text = buf.getvalue()
    assert "Service default/nginx-service" in text
    for phase in ("first endpoint gone: +", "first replacement seen: +", "replacement ready: +"):
        assert phase in text, text
    live = next(r for r in fmt.loads(path.read_bytes()).records if isinstance(r, fmt.PhaseRecord) and r.service == NGINX)
    seconds = live.recovery["ended"] - live.recovery["started"]
    assert f"recovered in {seconds:.1f}s" in text, text  # the live stopwatch's figure
    for ip in old | new:
        assert ip in text
    assert "ready endpoints: " in text


def test_record_refuses_to_overwrite(tmp_path):
    f = tmp_path / "x.svcrec"
    f.write_bytes(b"precious")
    proc = subprocess.run([sys.executable, "-m", "svctui", "record", "-o", str(f), "--kubeconfig",
                           str(tmp_path / "missing")], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ))
    assert proc.returncode == 2
    assert f.read_bytes() == b"precious"
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


async def test_the_record_key_records_the_session(demo, tmp_path, monkeypatch):
    from .conftest import make_app

    sim, cfg = demo
    monkeypatch.setenv("SVCTUI_RECORDINGS", str(tmp_path))
    app = make_app(cfg, clock=time.time, tick=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.model.topology.view(NGINX) is not None
                       and len(app.main.model.topology.view(NGINX).rows) == 3, what="the tree")
        header = app.query_one("#hdr-left")
        assert "REC" not in header.render().plain
        await pilot.press("R")
        await wait_for(pilot, lambda: "● REC" in header.render().plain, what="the REC mark")
        [path] = list(tmp_path.glob("svctui-*.svcrec"))
        old = set(app.main.model.topology.view(NGINX).rows)
        sim.call(_delete_nginx)
        await wait_for(pilot, lambda: "recovered in" in app.main.tree.service_node(NGINX).label.plain, timeout=20,
                       what="recovery")
        await pilot.press("R")
        await wait_for(pilot, lambda: "REC" not in header.render().plain, what="the REC mark gone")
        live = [e for e in app.main.model.ledger.entries() if e.service == NGINX]
        await pilot.press("R")  # a second recording, left on when the app quits
        await wait_for(pilot, lambda: "● REC" in header.render().plain, what="the REC mark again")
        await wait_for(pilot, lambda: len(list(tmp_path.glob("svctui-*.svcrec"))) == 2 or app.main.recording.recorder is None,
                       what="the second file")
    second = fmt.loads(app_file(tmp_path, path).read_bytes()) if app_file(tmp_path, path) else None
    assert second is not None and second.ended  # closed when the app unmounted
    rec = fmt.loads(path.read_bytes())
    assert rec.ended and not rec.torn
    from svctui.model.degradation import analyse

    [d] = analyse(rec, NGINX).services[NGINX].degradations
    assert d.outcome == "recovered" and set(d.removed) == old and len(d.added) == 3
    # The recording replayed through a sink gives the live ledger's entries, times and all.
    from svctui.kube.replay import ReplayClock, Replayer
    from svctui.model.cluster import ClusterModel

    clock = ReplayClock(rec.end)
    clock.pause()
    model = ClusterModel()
    await Replayer(rec, model, lambda ch: None, clock).run()
    replayed = [e for e in model.ledger.entries() if e.service == NGINX]
    assert replayed == live and len(live) >= 9, (replayed, live)


def app_file(tmp_path: Path, first: Path) -> Path | None:
    others = [p for p in tmp_path.glob("svctui-*.svcrec") if p != first]
    return others[0] if others else None


async def test_replay_from_a_time_opens_there():
    """--from T: the model is fed up to T at once; the committed v1 fixture (no sim at all) opens after
    its recovery, with the new IPs, the ghosts and the stopwatch's result."""
    fixture = ROOT / "tests" / "data" / "nginx-deletion-v1.svcrec"
    rec = fmt.loads(fixture.read_bytes())
    app = ReplayApp(rec, start=3.0, tick=None)
    app.replay_clock.pause()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node(NGINX) is not None, what="the tree")
        await pilot.pause(0.2)
        assert set(app.main.model.topology.view(NGINX).rows) == {"10.244.1.9", "10.244.2.10", "10.244.2.9"}
        assert "⟲ recovered in 0.1s" in app.main.tree.service_node(NGINX).label.plain
        text = labels(app)
        assert any(line.startswith("− 10.244.1.4") for line in text), text
        header = app.query_one("#hdr-left").render().plain
        assert "⏸ paused 3.0/8.7s" in header and "connecting" not in header, header
        await pilot.press("left_square_bracket")  # 10 s back: before the start, so the start
        await wait_for(pilot, lambda: app.main.synced and app.main.model.topology.view(NGINX) is not None
                       and set(app.main.model.topology.view(NGINX).rows) == {"10.244.1.4", "10.244.2.4", "10.244.2.5"},
                       what="the old endpoints after seeking back")


async def test_the_probe_pane_s_requests_are_recorded(demo, tmp_path, monkeypatch):
    from .conftest import make_app
    from .test_panes import confirm, debug_pods, opened

    sim, cfg = demo
    monkeypatch.setenv("SVCTUI_RECORDINGS", str(tmp_path))
    app = make_app(cfg, clock=time.time, tick=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, NGINX)
        await pilot.press("R")
        await wait_for(pilot, lambda: app.main.recording.recorder is not None, what="recording")
        await pilot.press("p")
        await confirm(pilot, "default")
        await wait_for(pilot, lambda: app.main.panes.probe_log.counts(NGINX)[0] >= 2, what="probe requests")
        await pilot.press("p")
        await pilot.press("R")
        await wait_for(pilot, lambda: app.main.recording.recorder is None, what="recording stopped")
    assert debug_pods(sim) == []
    [path] = list(tmp_path.glob("svctui-*.svcrec"))
    probes = [r for r in fmt.loads(path.read_bytes()).records if isinstance(r, fmt.ProbeRecord)]
    assert len(probes) >= 2 and all(p.service == NGINX and p.ok and p.detail == "200 OK" for p in probes[:2])
