"""Scaling read from intent, end to end: real kubectl scales the sim's Deployment, svctui's watch
(kubeconfig → HTTP → list+watch of Services, EndpointSlices, Pods and the workloads → model) must
never show the scale as a loss or a recovery, while a pod deletion still reads "recovered in"."""

from __future__ import annotations

import asyncio
import time

from svctui.kube.state import FORBIDDEN
from svctui.model.store import DEPLOYMENT, REPLICASET
from tests.conftest import make_kubectl
from tests.ui.simops import wait_all_ready

from .conftest import start_harness

NGINX = ("default", "nginx-service")


class Recorder:
    """Samples the Service's stopwatch every 10 ms: what a screen would have shown."""

    def __init__(self, h) -> None:
        self.h = h
        self.seen: list[str] = []
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            sw = self.h.model.ledger.stopwatch(NGINX)
            text = self.h.model.ledger.status(NGINX, time.time()) if sw else None
            if text and (not self.seen or self.seen[-1] != text):
                self.seen.append(text)
            await asyncio.sleep(0.01)

    def stop(self) -> list[str]:
        self.task.cancel()
        return self.seen


def _ready(h) -> int:
    v = h.model.topology.view(NGINX)
    return v.counts.ready if v else 0


async def test_scaling_is_not_recovery_but_deletion_is(demo_sim, tmp_path):
    kubectl = make_kubectl(demo_sim, tmp_path)
    wait_all_ready(demo_sim)
    h = await start_harness(demo_sim, tmp_path)
    try:
        await h.wait_for(lambda: h.model.listed(DEPLOYMENT, "default") and h.model.listed(REPLICASET, "default"),
                         what="workloads listed")
        await h.wait_for(lambda: _ready(h) == 3, what="3 ready")
        sw = h.model.ledger.stopwatch(NGINX)
        assert sw.desired == 3
        rec = Recorder(h)
        for n in (5, 2):
            await asyncio.to_thread(kubectl, "scale", "deployment", "nginx-deployment", f"--replicas={n}")
            await h.wait_for(lambda n=n: _ready(h) == n and h.model.topology.view(NGINX).counts.total == n,
                             timeout=20, what=f"{n} endpoints, all ready")
            await asyncio.sleep(0.5)
        seen = rec.stop()
        assert sw.last is None and sw.episode is None, seen
        assert not [s for s in seen if "degraded" in s or "recover" in s or "rescaled" in s], seen
        assert "scaling 3→5" in seen[0] and seen[-1].startswith("scaled 5→2 in"), seen
        assert any(s.startswith("scaled 3→5 in") and s.endswith("(5/5 ready)") for s in seen), seen

        pod = next(p.name for p in h.model.topology.selected_pods(NGINX) if p.live)
        await asyncio.to_thread(kubectl, "delete", "pod", pod, "--wait=false")
        await h.wait_for(lambda: sw.last is not None, timeout=20, what="a recovery")
        assert sw.last.outcome == "recovered" and sw.last.steady == 2
        assert h.model.ledger.status(NGINX, time.time()).startswith("recovered in")
    finally:
        await h.close()


async def test_forbidden_workloads_fall_back_to_history(demo_sim, tmp_path):
    """RBAC without the apps group: those streams are refused, nothing else changes."""
    kubectl = make_kubectl(demo_sim, tmp_path)
    spaces = [None, "default", "demo", "kube-system", "kube-public", "kube-node-lease", "failures"]
    demo_sim.call(lambda c: c.server.forbid.update(
        {("list", r, ns) for r in ("deployments", "replicasets", "statefulsets") for ns in spaces}))
    wait_all_ready(demo_sim)
    h = await start_harness(demo_sim, tmp_path)
    try:
        await h.wait_for(lambda: _ready(h) == 3, what="3 ready")
        refused = {k for k, s in h.watch.states.items() if s.state == FORBIDDEN}
        assert {k[0] for k in refused} == {"Deployment", "ReplicaSet", "StatefulSet"}, h.watch.states
        sw = h.model.ledger.stopwatch(NGINX)
        assert sw.desired is None and not h.model.listed(DEPLOYMENT, "default")
        pod = next(p.name for p in h.model.topology.selected_pods(NGINX) if p.live)
        await asyncio.to_thread(kubectl, "delete", "pod", pod, "--wait=false")
        await h.wait_for(lambda: sw.last is not None, timeout=20, what="a recovery")
        assert sw.last.outcome == "recovered" and sw.last.steady == 3
    finally:
        await h.close()
