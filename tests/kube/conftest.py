"""Helpers for driving svctui's watch layer against the simulated cluster: the real path
kubeconfig → kubernetes_asyncio ApiClient → HTTP → watch → ClusterModel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from svctui.kube.config import load_target
from svctui.kube.state import Skipped, StreamState
from svctui.kube.stream import WatchOptions
from svctui.kube.watch import ClusterWatch
from svctui.model.cluster import Changes, ClusterModel
from svctui.sim.runner import SimThread, write_kubeconfig

SLICES = "/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices"
SERVICES = "/api/v1/namespaces/{ns}/services"

# Fast retries so recovery tests take fractions of a second.
FAST = dict(backoff_base=0.05, backoff_cap=0.4, seed=1)


def service(name: str, ns: str = "default", port: int = 80) -> dict[str, Any]:
    # No selector: the sim's endpointslice controller leaves it alone, the test owns its slices.
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"ports": [{"name": "http", "port": port, "targetPort": 8080, "protocol": "TCP"}]}}


def endpoint(ip: str, pod: str, ready: bool = True, ns: str = "default") -> dict[str, Any]:
    return {"addresses": [ip], "conditions": {"ready": ready, "serving": ready, "terminating": False},
            "nodeName": "svctui-worker", "targetRef": {"kind": "Pod", "namespace": ns, "name": pod, "uid": f"uid-{pod}"}}


def endpoint_slice(name: str, svc: str, endpoints: list[dict], ns: str = "default") -> dict[str, Any]:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": ns, "labels": {"kubernetes.io/service-name": svc}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": endpoints}


class Http:
    """Writes to the sim through its HTTP API, as kubectl would."""

    def __init__(self, url: str):
        self.url = url
        self.session = aiohttp.ClientSession()

    async def _do(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        async with self.session.request(method, self.url + path, json=body) as r:
            data = await r.json()
            assert r.status < 300, (r.status, data)
            return data

    async def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._do("POST", path.format(ns=body["metadata"].get("namespace", "default")), body)

    async def get(self, path: str) -> dict[str, Any]:
        return await self._do("GET", path)

    async def put(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._do("PUT", path, body)

    async def delete(self, path: str) -> dict[str, Any]:
        return await self._do("DELETE", path)

    async def namespace(self, name: str) -> None:
        await self._do("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    async def close(self) -> None:
        await self.session.close()


class Harness:
    """A ClusterWatch on a fresh model, recording every batch and state it reports."""

    def __init__(self, watch: ClusterWatch, model: ClusterModel, target):
        self.watch = watch
        self.model = model
        self.target = target
        self.batches: list[Changes] = []
        self.states: list[StreamState] = []
        self.skipped: list[Skipped] = []

    def deltas(self, kind: str | None = None, since: int = 0) -> list:
        return [d for b in self.batches[since:] for d in b.deltas if kind is None or d.kind == kind]

    async def wait_for(self, pred: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            v = pred()
            if v:
                return v
            if loop.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; states: "
                                     f"{[s.text for s in self.watch.states.values()]}")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        await self.watch.stop()
        await self.target.close()


async def start_harness(sim: SimThread, tmp_path: Path, namespace: str | None = None,
                        kube_namespace: str | None = None, kubeconfig: Path | None = None,
                        **options: Any) -> Harness:
    cfg = kubeconfig or write_kubeconfig(tmp_path / "kubeconfig", sim.url, namespace=kube_namespace)
    target = await load_target(kubeconfig=str(cfg))
    model = ClusterModel()
    holder: dict[str, Harness] = {}
    opts = WatchOptions(**{**FAST, **options})
    watch = ClusterWatch(target.api, model, lambda ch: holder["h"].batches.append(ch), namespace=namespace,
                         default_namespace=target.namespace,
                         on_state=lambda st: holder["h"].states.append(st),
                         on_skip=lambda sk: holder["h"].skipped.append(sk), options=opts)
    h = holder["h"] = Harness(watch, model, target)
    watch.start()
    await watch.wait_synced(timeout=15)
    return h


@pytest.fixture
async def http(sim: SimThread):
    h = Http(sim.url)
    yield h
    await h.close()
