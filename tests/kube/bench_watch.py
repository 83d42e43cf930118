"""Per-event cost of the watch layer, from watch-line bytes to model delta.

    /work/venv/bin/python -m tests.kube.bench_watch

A. In-process: the same `ResourceStream.handle_lines` the live stream runs, on pre-serialised
   MODIFIED lines (one endpoint flips readiness each time), split into parse / convert / model.
B. Over HTTP against the sim: sim write → delta delivered to the consumer, one event at a time
   (latency) and in bursts (client CPU per event, from StreamStats.busy).
Not a test: figures are printed, nothing is asserted.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import orjson

from svctui.kube import api as kapi
from svctui.kube import convert
from svctui.kube.sink import ModelSink
from svctui.kube.stream import ResourceStream, WatchOptions
from svctui.model.cluster import ClusterModel
from svctui.sim import resources as R
from tests.conftest import start_sim
from tests.kube.conftest import endpoint, endpoint_slice, service, start_harness

SLICE_RT = R.for_kind("discovery.k8s.io/v1", "EndpointSlice")
SERVICE_RT = R.for_kind("v1", "Service")


def _slice(n_endpoints: int, rv: int, flip: int) -> dict:
    eps = [endpoint(f"10.244.{i // 250}.{i % 250}", f"web-{i}", ready=(i != flip)) for i in range(n_endpoints)]
    s = endpoint_slice("web-abc12", "web", eps)
    s["metadata"].update(uid="uid-slice", resourceVersion=str(rv), creationTimestamp="2024-05-01T12:00:00Z",
                         generateName="web-", labels={"kubernetes.io/service-name": "web",
                                                      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"})
    return s


def _lines(n_endpoints: int, count: int) -> list[bytes]:
    return [orjson.dumps({"type": "MODIFIED", "object": _slice(n_endpoints, 2000 + i, i % n_endpoints)})
            for i in range(count)]


def _us(seconds: float, n: int) -> str:
    return f"{seconds / n * 1e6:7.1f} µs"


async def bench_in_process(n_endpoints: int, count: int = 5000, batch: int = 50) -> None:
    lines = _lines(n_endpoints, count)
    size = sum(map(len, lines)) / count
    t = time.perf_counter()
    raws = [orjson.loads(ln) for ln in lines]
    parse = time.perf_counter() - t
    t = time.perf_counter()
    for ev in raws:
        convert.endpoint_slice(ev["object"])
    conv = time.perf_counter() - t

    model = ClusterModel()
    model.replace_all("Service", [convert.service({"metadata": {"name": "web", "namespace": "default", "uid": "s"},
                                                   "spec": {"selector": {"app": "web"}}})], 0.0)
    model.replace_all("EndpointSlice", [], 0.0)
    sink = ModelSink(model, lambda ch: None, clock=time.time)
    stream = ResourceStream(None, kapi.ENDPOINTSLICES, None, sink, WatchOptions(), lambda st: None)
    t = time.perf_counter()
    for i in range(0, count, batch):
        stream.handle_lines(lines[i:i + batch])
    total = time.perf_counter() - t
    sink.flush()
    print(f"  slice with {n_endpoints:3d} endpoints ({size / 1024:5.1f} KiB/line): parse {_us(parse, count)}  "
          f"+ convert {_us(conv, count)}  = bytes→delta incl. model {_us(total, count)}/event "
          f"({count / total:,.0f} events/s)")


async def bench_over_http(singles: int = 200, burst: int = 2000) -> None:
    sim = start_sim()
    tmp = Path(tempfile.mkdtemp())
    try:
        sim.call(lambda c: c.api.create(SERVICE_RT, "default", service("web")))
        sim.call(lambda c: c.api.create(SLICE_RT, "default", endpoint_slice("web-a", "web", [endpoint("10.244.1.5", "web-1")])))
        h = await start_harness(sim, tmp)
        arrivals: list[float] = []
        orig = h.watch.sink.consumer
        h.watch.sink.consumer = lambda ch: (arrivals.append(time.perf_counter()), orig(ch))
        stream = h.watch.streams[("EndpointSlice", None)]

        def flip(c, ready: bool) -> float:
            old = c.store.get(SLICE_RT, "default", "web-a")
            new = dict(old, endpoints=[dict(old["endpoints"][0], conditions={"ready": ready, "serving": ready,
                                                                             "terminating": False})])
            new["metadata"] = dict(old["metadata"])
            t = time.perf_counter()
            c.api.update(SLICE_RT, "default", "web-a", new)
            return t

        lat = []
        for i in range(singles):
            n = len(arrivals)
            t0 = sim.call(lambda c: flip(c, i % 2 == 1))
            await h.wait_for(lambda: len(arrivals) > n, what="delivery")
            lat.append(arrivals[n] - t0)
            await asyncio.sleep(0.005)
        lat.sort()
        print(f"  sim write → delta delivered, one at a time (n={singles}): median {statistics.median(lat) * 1e3:.2f} ms, "
              f"p95 {lat[int(len(lat) * 0.95)] * 1e3:.2f} ms  (includes the sim's own serialisation)")

        before = (stream.stats.events, stream.stats.busy, len(arrivals))
        t0 = time.perf_counter()
        sim.call(lambda c: [flip(c, (singles + i) % 2 == 1) for i in range(burst)])
        await h.wait_for(lambda: stream.stats.events - before[0] >= burst, timeout=60, what="the burst")
        wall = time.perf_counter() - t0
        ev = stream.stats.events - before[0]
        busy = stream.stats.busy - before[1]
        print(f"  burst of {burst} MODIFIED: client CPU bytes→delta {_us(busy, ev)}/event, "
              f"{len(arrivals) - before[2]} consumer batches, wall {wall * 1e3:.0f} ms (sim included)")
        await h.close()
    finally:
        sim.stop()


async def main() -> None:
    print("A. in-process, ResourceStream.handle_lines (orjson → convert → ClusterModel.apply):")
    for n in (3, 100):
        await bench_in_process(n)
    print("B. over HTTP against the sim (kubeconfig → kubernetes_asyncio → aiohttp → model):")
    await bench_over_http()


if __name__ == "__main__":
    asyncio.run(main())
