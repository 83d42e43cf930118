"""`svctui probe svc/NAME` as a user runs it (a subprocess against the sim): per-request lines, the
summary, failures and recovery while the backends are replaced, and no debug pod left behind after a
normal exit, SIGTERM or SIGHUP."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from svctui.kube.debugpod import MANAGED_BY
from svctui.sim import resources as R
from svctui.sim.apiserver import DeleteOptions
from svctui.sim.runner import write_kubeconfig

from .kube.test_dns import wait_dns_ready

# A generic backend (answers with its hostname and X-Served-By), slow to become ready so the gap
# between the old pods going and the new ones serving is wide enough to see at test speed.
ECHO = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "echo", "namespace": "default"},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "echo"}},
              "template": {"metadata": {"labels": {"app": "echo"}},
                           "spec": {"containers": [{"name": "echo", "image": "ghcr.io/svctui/echo:1.0",
                                                    "ports": [{"containerPort": 8080}],
                                                    "readinessProbe": {"tcpSocket": {"port": 8080},
                                                                       "initialDelaySeconds": 20}}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "echo", "namespace": "default"},
     "spec": {"selector": {"app": "echo"}, "ports": [{"port": 80, "targetPort": 8080}]}},
]


def managed(sim):
    return sim.call(lambda c: [p["metadata"]["name"] for p in c.store.list(R.PODS)
                               if (p["metadata"].get("labels") or {}).get(MANAGED_BY) == "svctui"])


def echo_pods(sim, ready_only=True):
    def ready(p):
        return any(x.get("type") == "Ready" and x.get("status") == "True" for x in (p.get("status") or {}).get("conditions") or [])
    return sim.call(lambda c: sorted(p["metadata"]["name"] for p in c.store.list(R.PODS, "default")
                                     if (p["metadata"].get("labels") or {}).get("app") == "echo"
                                     and not p["metadata"].get("deletionTimestamp") and (ready(p) or not ready_only)))


async def wait(pred, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.fixture
async def cfg(demo_sim, tmp_path):
    demo_sim.call(lambda c: c.apply_objects(ECHO))
    await wait_dns_ready(demo_sim)
    await wait(lambda: len(echo_pods(demo_sim)) == 2)
    return str(write_kubeconfig(tmp_path / "kubeconfig", demo_sim.url))


def probe(cfg, *args) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "svctui", "probe", *args, "--kubeconfig", cfg],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))


async def communicate(proc, timeout=60):
    return await asyncio.to_thread(proc.communicate, timeout=timeout)


async def test_lines_summary_and_backends(cfg, demo_sim):
    proc = probe(cfg, "svc/echo", "--count", "6", "--interval", "0.02")
    out, err = await communicate(proc)
    assert proc.returncode == 0, err
    lines = [ln for ln in out.splitlines() if " #" in ln]
    assert len(lines) == 6 and all(" ok   200 OK " in ln and ln.rstrip().endswith(" ms") for ln in lines)
    assert "6 requests: 6 succeeded, 0 failed" in out
    pods = echo_pods(demo_sim)
    seen = out.split("backends seen: ", 1)[1].splitlines()[0]
    assert all(p in seen for p in pods), (seen, pods)  # kube-proxy spreads the requests
    assert "removed debug pod default/svctui-debug-" in err
    assert managed(demo_sim) == []


async def test_failures_and_recovery_while_the_pods_are_replaced(cfg, demo_sim):
    before = echo_pods(demo_sim)
    proc = probe(cfg, "svc/echo", "--count", "60", "--interval", "0.05", "--timeout", "1")
    await wait(lambda: proc.poll() is not None or bool(managed(demo_sim)))
    await asyncio.sleep(0.5)  # a few good requests first
    demo_sim.call(lambda c: [c.api.delete(R.PODS, "default", n, DeleteOptions(grace=0)) for n in before])
    out, err = await communicate(proc)
    results = [("ok" if " ok " in ln else "FAIL") for ln in out.splitlines() if " #" in ln]
    assert "FAIL" in results, out
    first_fail = results.index("FAIL")
    assert "ok" in results[:first_fail] and "ok" in results[first_fail:], f"no recovery visible:\n{out}"
    assert "Connection refused" in out or "Failed to connect" in out
    after = echo_pods(demo_sim)
    assert set(after).isdisjoint(before)
    seen = out.split("backends seen: ", 1)[1].splitlines()[0]
    assert any(p in seen for p in before) and any(p in seen for p in after), seen
    assert proc.returncode == 1
    assert managed(demo_sim) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
async def test_signal_removes_the_debug_pod(cfg, demo_sim, sig):
    proc = probe(cfg, "svc/echo", "--count", "100000", "--interval", "0.1")
    first = await asyncio.to_thread(proc.stdout.readline)
    assert " #1 " in first, first + proc.stderr.read()
    assert len(managed(demo_sim)) == 1
    proc.send_signal(sig)
    out, err = await communicate(proc, timeout=30)
    assert proc.returncode == 128 + sig, err
    assert managed(demo_sim) == [], "the debug pod leaked"


async def test_sigint_removes_the_debug_pod_too(cfg, demo_sim):
    proc = probe(cfg, "svc/echo", "--count", "100000", "--interval", "0.1")
    first = await asyncio.to_thread(proc.stdout.readline)
    assert " #1 " in first
    proc.send_signal(signal.SIGINT)
    out, err = await communicate(proc, timeout=30)
    assert proc.returncode == 130, err
    assert "requests:" in out, "the summary is printed on Ctrl+C"
    assert managed(demo_sim) == []


async def test_nslookup_mode_and_errors(cfg, demo_sim):
    proc = probe(cfg, "svc/database-headless", "--nslookup", "--count", "2", "--interval", "0")
    out, err = await communicate(proc)
    assert proc.returncode == 0, err
    assert out.count(" ok   NOERROR ") == 2 and out.count("10.244.") >= 6
    proc = probe(cfg, "svc/missing")
    out, err = await communicate(proc)
    assert proc.returncode == 2 and 'services "missing" not found' in err
    proc = probe(cfg, "deploy/echo")
    out, err = await communicate(proc)
    assert proc.returncode == 2 and "expected svc/NAME" in err
    assert managed(demo_sim) == []


async def test_record_with_a_probe_reports_the_first_ok_request(cfg, demo_sim, tmp_path):
    """`svctui record --probe`: one request a second from a debug pod, each a probe record; after the
    pods are replaced the report has the "first OK request" phase; the debug pod goes on SIGINT."""
    from svctui.model import recording as fmt
    from svctui.model.degradation import analyse

    out = tmp_path / "p.svcrec"
    proc = subprocess.Popen([sys.executable, "-m", "svctui", "record", "-o", str(out), "-n", "default",
                             "--probe", "svc/echo", "--kubeconfig", cfg], stderr=subprocess.PIPE, text=True)

    def probes() -> list:
        try:
            return [r for r in fmt.loads(out.read_bytes()).records if isinstance(r, fmt.ProbeRecord)]
        except (OSError, fmt.RecordingError):
            return []
    try:
        await wait(lambda: len([p for p in probes() if p.ok]) >= 2, timeout=30)
        before = echo_pods(demo_sim)
        demo_sim.call(lambda c: [c.api.delete(R.PODS, "default", n, DeleteOptions(grace=0)) for n in before])
        await wait(lambda: len(echo_pods(demo_sim)) == 2 and set(echo_pods(demo_sim)).isdisjoint(before), timeout=30)
        n = len(probes())
        await wait(lambda: len(probes()) >= n + 2 and probes()[-1].ok, timeout=30)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = await communicate(proc)
    assert proc.returncode == 0, err
    assert managed(demo_sim) == [], "the debug pod leaked"
    rec = fmt.loads(out.read_bytes())
    degr = analyse(rec, ("default", "echo")).services[("default", "echo")].degradations
    assert degr and degr[-1].probed, degr
    d = degr[-1]
    assert d.first_success is not None and d.first_success >= d.started
    assert any(not p.ok for p in probes()), "no failed request while the pods were replaced"


def test_tcp_ports_are_the_numbers_curl_can_ask():
    from svctui.commands.probe import tcp_ports

    svc = {"spec": {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 80}, {"name": "no-number"},
                              {"port": 8443, "protocol": "TCP"}]}}
    assert tcp_ports(svc) == [80, 8443]
    assert tcp_ports({}) == [] and tcp_ports({"spec": {"type": "ExternalName"}}) == []
