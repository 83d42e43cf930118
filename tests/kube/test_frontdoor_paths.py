"""The paths this round added to the cluster layer, through the front door a real cluster has (HTTPS with
the sim's own CA, an exec plugin whose tokens expire), as the CLI runs them in a process of its own:
the doctor's two port-forwards (a refused targetPort tried on a pod, an ExternalName asked of CoreDNS),
and `svctui record`'s list+watch. Tokens live 2 s, so each command outlives the one it started with."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from svctui.model import diagnose as D
from svctui.sim import resources as R

from ..conftest import start_secure_sim


@pytest.fixture
def short_lived(tmp_path):
    sim = start_secure_sim(["demo", "failures"], token_ttl=2.0)
    yield sim, sim.write_kubeconfig(tmp_path / "kubeconfig")
    sim.stop()


def svctui(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "svctui", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_the_doctors_port_forwards_go_through_tls_and_expiring_credentials(short_lived):
    sim, cfg = short_lived
    sim.call(lambda c: c.wait_pods_ready(8), timeout=15)  # some failures pods never are
    refused = svctui("doctor", "svc/payments", "-n", "failures", "-o", "json", "--kubeconfig", str(cfg))
    [f] = json.loads(refused.stdout)["findings"]
    # An error only when the port-forward to the pod was made and refused (else a warning, or a note).
    assert (refused.returncode, f["code"], f["severity"]) == (1, D.TARGET_PORT_NOT_EXPOSED, D.ERROR), refused.stderr
    assert "port_forward" in f["evidence"] and "not tried" not in refused.stderr
    external = svctui("doctor", "svc/external-db", "-n", "default", "-o", "json", "--kubeconfig", str(cfg))
    [f] = json.loads(external.stdout)["findings"]
    assert (external.returncode, f["code"]) == (1, D.EXTERNAL_NAME_UNRESOLVED), external.stderr
    assert "not checked" not in external.stderr
    assert sim.credential_runs() >= 2  # each process ran the plugin for itself


def test_record_lists_and_watches_through_tls_across_token_expiries(short_lived, tmp_path):
    sim, cfg = short_lived
    out = tmp_path / "rec.svcrec"
    # The watch outlives its first token (2 s); a pod deleted after that must still be in the recording.
    proc = subprocess.Popen([sys.executable, "-m", "svctui", "record", "-o", str(out), "-n", "default",
                             "--duration", "10", "--kubeconfig", str(cfg)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (out.exists() and out.stat().st_size > 0):  # its first lists are written
            assert time.monotonic() < deadline and proc.poll() is None, "record never wrote"
            time.sleep(0.1)
        time.sleep(3.0)
        victim = sim.call(lambda c: next(p["metadata"]["name"] for p in c.store.list(R.PODS, "default")
                                         if (p["metadata"].get("labels") or {}).get("app") == "nginx"))
        sim.call(lambda c: c.api.delete(R.PODS, "default", victim))
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    report = svctui("report", str(out), "svc/nginx-service", "--format", "json")
    assert report.returncode == 0, report.stderr
    # Every record readable: the workloads' desired counts too (a replayed scale needs them).
    assert "unreadable" not in report.stderr, report.stderr
    [svc] = json.loads(report.stdout)["services"]
    assert svc["degradations"], (victim, report.stdout[:2000])
