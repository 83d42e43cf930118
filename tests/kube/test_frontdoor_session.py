"""What a long TUI session does to the cluster besides list+watch, through the front door a real cluster
has (HTTPS with the sim's CA, an exec plugin whose tokens live 2 s, a load balancer that cuts every
connection after 3 s): the node count the Local-policy check reads, the narrow kube-system streams behind
"cluster DNS down", and the debug pod's heartbeat PATCH. Each outlives its first token."""

from __future__ import annotations

import asyncio
import time

import pytest

from svctui.kube.config import load_target
from svctui.kube.debugpod import DebugSession
from svctui.kube.nodes import node_names
from svctui.kube.stream import WatchOptions
from svctui.kube.watch import ClusterWatch
from svctui.model import diagnose as D
from svctui.model.cluster import ClusterModel
from svctui.model.diagnose import DNS_SERVICE
from svctui.model.podowner import HEARTBEAT
from svctui.sim import resources as R

from ..conftest import start_secure_sim

TTL = 2.0


@pytest.fixture
def front(tmp_path):
    sim = start_secure_sim(["demo"], token_ttl=TTL, connection_lifetime=3.0)
    yield sim, sim.write_kubeconfig(tmp_path / "kubeconfig")
    sim.stop()


async def until(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (v := pred()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
    return v


async def test_nodes_and_the_dns_streams_across_token_expiries(front):
    sim, cfg = front
    t = await load_target(str(cfg), namespace="default")
    model = ClusterModel()
    watch = ClusterWatch(t.api, model, lambda ch: None, namespace="default", default_namespace="default",
                         options=WatchOptions(backoff_base=0.05, backoff_cap=0.4, seed=1), dns=True)
    try:
        want = sim.call(lambda c: sorted(n["metadata"]["name"] for n in c.store.list(R.NODES)))
        assert await node_names(t.api) == tuple(want)
        watch.start()
        await watch.wait_synced(timeout=20)
        assert DNS_SERVICE in model.store.services  # watching default, kube-dns came by its own stream
        assert D.diagnose_dns(model) == []
        await asyncio.sleep(TTL + 1.5)  # the first token has expired and every connection was cut once
        assert await node_names(t.api) == tuple(want)
        # CoreDNS's pods are deleted: the deletions reach the model through the re-opened, re-authenticated watch.
        coredns = sim.call(lambda c: [p["metadata"]["name"] for p in c.store.list(R.PODS, "kube-system")
                                      if (p["metadata"].get("labels") or {}).get("k8s-app") == "kube-dns"])
        assert coredns
        for name in coredns:
            sim.call(lambda c, n=name: c.api.delete(R.PODS, "kube-system", n))
        await until(lambda: not any(p.name in coredns for p in model.store.pods.values()), 20,
                    "CoreDNS's deletions in the model")
        assert sim.credential_runs() >= 2
    finally:
        await watch.stop()
        await t.close()


async def test_the_debug_pods_heartbeat_renews_through_expiring_tokens(front):
    sim, cfg = front
    t = await load_target(str(cfg), namespace="default")
    s = DebugSession(t.api, session_id="tlshb", heartbeat_interval=0.3)
    try:
        await s.pod("default")
        def beat() -> str:
            return sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-tlshb")
                            ["metadata"]["annotations"][HEARTBEAT])
        first, renewals = beat(), s.heartbeat.renewals
        await asyncio.sleep(2 * TTL + 0.5)  # two tokens expire, a connection or two are cut
        assert s.heartbeat.failing is None
        assert s.heartbeat.renewals - renewals >= 6
        await until(lambda: beat() != first, 5, "a renewed heartbeat on the pod")
        assert sim.credential_runs() >= 3
    finally:
        await s.close()
        await t.close()
    assert sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-tlshb")) is None or \
        sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-tlshb")["metadata"].get("deletionTimestamp"))
