"""The recorder stopped any way at any moment leaves a readable recording: SIGTERM ends it cleanly,
SIGKILL leaves every frame written so far; a write failure stops recording, not the watch."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from svctui.kube.recorder import Recorder, RecorderError
from svctui.model import recording as fmt
from svctui.model.objects import Pod
from svctui.model.store import POD
from svctui.sim import resources as R
from svctui.sim.runner import write_kubeconfig
from tests.conftest import start_sim

ROOT = Path(__file__).resolve().parents[2]


def _records(path: Path) -> fmt.Recording | None:
    try:
        return fmt.loads(path.read_bytes())
    except (OSError, fmt.RecordingError):
        return None


def _wait_events(path: Path, n: int, timeout: float = 30) -> fmt.Recording:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rec = _records(path)
        if rec is not None and sum(isinstance(r, fmt.EventsRecord) for r in rec.records) >= n:
            return rec
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} event records in {path}")


def _churn(c) -> None:
    """A label change on a pod every call: one watch event each."""
    pods = c.store.list(R.PODS, "default")
    name = pods[0]["metadata"]["name"]
    c.api.patch(R.PODS, "default", name, "application/merge-patch+json",
                b'{"metadata":{"labels":{"tick":"%d"}}}' % (time.monotonic_ns() % 10**6))


@pytest.mark.parametrize(("sig", "clean"), [(signal.SIGTERM, True), (signal.SIGINT, True), (signal.SIGKILL, False)])
def test_stopped_by_a_signal_mid_stream(tmp_path, sig, clean):
    sim = start_sim(["demo"], seed=3)
    try:
        cfg = write_kubeconfig(tmp_path / "kubeconfig", sim.url)
        out = tmp_path / "r.svcrec"
        proc = subprocess.Popen([sys.executable, "-m", "svctui", "record", "-o", str(out), "-n", "default",
                                 "--kubeconfig", str(cfg)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while (rec := _records(out)) is None or sum(isinstance(r, fmt.ListRecord) for r in rec.records) < 3:
                assert time.monotonic() < deadline, "no lists recorded"
                time.sleep(0.05)
            for _ in range(20):
                sim.call(_churn)
                time.sleep(0.01)
            _wait_events(out, 5)
            proc.send_signal(sig)  # while the churn's events may still be arriving
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    finally:
        sim.stop()
    rec = fmt.loads(out.read_bytes())
    assert rec.ended is clean, err
    assert not rec.torn
    assert sum(isinstance(r, fmt.EventsRecord) for r in rec.records) >= 5
    if clean:
        assert proc.returncode == 0, err
        assert "frames" in err


def test_a_failed_write_stops_recording_and_says_so(tmp_path):
    rec = Recorder(str(tmp_path / "r.svcrec"), {})
    fd = rec._fd
    assert fd is not None
    import os

    os.close(fd)  # as if the disk went away: the next write fails
    rec.events(1.0, POD, [("ADDED", Pod("ns", "p"))])
    assert rec.error is not None and "stopped" in rec.error
    assert rec.closed
    rec.events(2.0, POD, [("ADDED", Pod("ns", "q"))])  # later calls do nothing, raise nothing
    rec.close()


def test_never_overwrites(tmp_path):
    f = tmp_path / "r.svcrec"
    f.write_bytes(b"keep")
    with pytest.raises(RecorderError, match="already exists"):
        Recorder(str(f), {})
    assert f.read_bytes() == b"keep"


def test_an_unknown_service_and_a_lost_cluster_are_said(tmp_path):
    sim = start_sim(["demo"], seed=3)
    stopped = False
    try:
        cfg = write_kubeconfig(tmp_path / "kubeconfig", sim.url)
        out = tmp_path / "r.svcrec"
        proc = subprocess.Popen([sys.executable, "-m", "svctui", "record", "-o", str(out), "svc/nope", "-n", "default",
                                 "--kubeconfig", str(cfg)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        try:
            first = proc.stderr.readline()
            assert "recording default of svctui-sim" in first, first
            warning = proc.stderr.readline()
            assert "warning: no Service default/nope (yet); recording anyway" in warning, warning
            sim.stop()
            stopped = True
            trouble = proc.stderr.readline()
            assert "reconnecting" in trouble, trouble
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert fmt.loads(out.read_bytes()).ended  # what was seen before the cluster went is kept
    finally:
        if not stopped:
            sim.stop()


@pytest.mark.parametrize("extra, recorded", [([], "kube-system"), (["-A"], "all namespaces")])
def test_the_service_is_named_as_everywhere_else(tmp_path, extra, recorded):
    """NAME.NAMESPACE (model/target.py, as the live view, doctor and probe read it): the namespace to record,
    or with -A where the Service is; the header's scope says so for report and replay."""
    sim = start_sim(["demo"], seed=3)
    try:
        cfg = write_kubeconfig(tmp_path / "kubeconfig", sim.url)
        out = tmp_path / "r.svcrec"
        proc = subprocess.run([sys.executable, "-m", "svctui", "record", "-o", str(out), "nope.kube-system", *extra,
                               "--duration", "1", "--kubeconfig", str(cfg)], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)
        lines = proc.stderr.splitlines()
        assert proc.returncode == 0, proc.stderr
        assert f"recording {recorded} of svctui-sim" in lines[0], lines
        assert any("warning: no Service kube-system/nope (yet)" in line for line in lines), lines
        scope = fmt.loads(out.read_bytes()).header["scope"]
        assert (scope["service"], scope["service_namespace"]) == ("nope", "kube-system")
        assert scope["namespace"] == (None if extra else "kube-system")
    finally:
        sim.stop()
