"""`svctui --demo` brings its cluster up fast and then runs it at the demo's pace (Cluster.warm_up)."""

from __future__ import annotations

import json
import time
import urllib.request

from svctui.sim.cluster import SimOptions
from svctui.sim.runner import SimThread


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def _ready(pod: dict) -> bool:
    return not pod["metadata"].get("deletionTimestamp") and any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions") or ())


def test_a_warmed_up_demo_is_ready_at_once_and_then_keeps_the_demo_pace() -> None:
    t0 = time.monotonic()
    sim = SimThread(["demo"], SimOptions(speed=0.02, seed=1)).start()
    try:
        assert sim.call(lambda c: c.warm_up(1.0, 30), timeout=40)
        took = time.monotonic() - t0
        assert took < 3.0, f"warm up took {took:.2f} s (at speed 1 the pods need ~3 s)"
        pods = _get(f"{sim.url}/api/v1/namespaces/default/pods?labelSelector=app%3Dnginx")["items"]
        assert pods and all(_ready(p) for p in pods)
        name = pods[0]["metadata"]["name"]
        req = urllib.request.Request(f"{sim.url}/api/v1/namespaces/default/pods/{name}", method="DELETE")
        urllib.request.urlopen(req, timeout=10).read()
        t_deleted = time.monotonic()

        def replaced() -> bool:
            now = _get(f"{sim.url}/api/v1/namespaces/default/pods?labelSelector=app%3Dnginx")["items"]
            return sum(1 for p in now if _ready(p) and p["metadata"]["name"] != name) == len(pods)

        # At speed 1 a replacement pulls (≥ 0.3 s) and waits for its probe (0.5 s): not ready at once.
        while time.monotonic() - t_deleted < 0.6:
            assert not replaced(), "the replacement was ready at the warm-up pace, not the demo's"
            time.sleep(0.05)
        deadline = t_deleted + 15
        while not replaced():
            assert time.monotonic() < deadline, "no replacement within 15 s"
            time.sleep(0.1)
    finally:
        sim.stop()
