"""How the simulated cluster holds up at scale: load time, memory, big lists, watch latency under load.

    /work/venv/bin/python benchmarks/sim_scale.py                    # quick: 1,000 Services, 10,000 pods
    /work/venv/bin/python benchmarks/sim_scale.py --services 10000 --pods 100000

The sim runs as its own process (`svctui sim`), as a user would run it, so its RSS is its own and the
client's work does not share its GIL. Watch latency is measured from just before a write is sent to each
watcher receiving the resulting event, while another client keeps listing every pod: one full list
blocks the server's event loop for as long as it takes to serialise, which is what the p95 shows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

DEADLINE = 280.0  # seconds for the whole run, so a full-size run stays under five minutes


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of pid in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def start_sim(services: int, pods: int, workdir: str) -> tuple[subprocess.Popen[str], str, float]:
    scenario = f"scale:services={services},pods={pods}"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "svctui", "sim", "--scenario", scenario, "--kubeconfig", f"{workdir}/kubeconfig"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if "serving the Kubernetes API at " not in line:
        proc.kill()
        raise SystemExit(f"sim did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
    url = line.split(" at ", 1)[1].split()[0]
    return proc, url, time.perf_counter() - t0


async def count(session: aiohttp.ClientSession, url: str, path: str) -> int:
    async with session.get(url + path, params={"limit": "1"}) as r:
        body = await r.json()
    return len(body["items"]) + (body["metadata"].get("remainingItemCount") or 0)


async def settle(session: aiohttp.ClientSession, url: str, services: int, limit: float) -> tuple[float, int]:
    """Seconds until the EndpointSlice count stops growing (controllers caught up), and that count."""
    t0 = time.perf_counter()
    last, stable = -1, 0
    while time.perf_counter() - t0 < limit:
        n = await count(session, url, "/apis/discovery.k8s.io/v1/endpointslices")
        stable = stable + 1 if n == last and n >= services else 0
        if stable >= 2:
            break
        last = n
        await asyncio.sleep(0.5)
    return time.perf_counter() - t0, last


async def timed_get(session: aiohttp.ClientSession, url: str, path: str, params: dict | None = None) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    async with session.get(url + path, params=params or {}) as r:
        body = await r.read()
        if r.status != 200:
            raise SystemExit(f"GET {path} -> {r.status}: {body[:300]!r}")
    return time.perf_counter() - t0, body


async def paginated(session: aiohttp.ClientSession, url: str, path: str, limit: int) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    token, items, pages = "", 0, 0
    while True:
        params = {"limit": str(limit)}
        if token:
            params["continue"] = token
        async with session.get(url + path, params=params) as r:
            body = orjson.loads(await r.read())
        items += len(body["items"])
        pages += 1
        token = body["metadata"].get("continue")
        if not token:
            return time.perf_counter() - t0, pages, items


class Watcher:
    """A watch stream that timestamps every event; `wait_for(pred)` finds the first match after a moment."""

    def __init__(self, session: aiohttp.ClientSession, url: str, path: str, rv: str):
        self.events: list[tuple[float, dict]] = []
        self.arrived = asyncio.Event()
        self.task = asyncio.create_task(self._run(session, url, path, rv))

    async def _run(self, session: aiohttp.ClientSession, url: str, path: str, rv: str) -> None:
        params = {"watch": "true", "resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": "600"}
        async with session.get(url + path, params=params, timeout=aiohttp.ClientTimeout(total=None)) as r:
            async for line in r.content:
                self.events.append((time.perf_counter(), orjson.loads(line)))
                self.arrived.set()

    async def wait_for(self, since: float, pred, timeout: float) -> float | None:
        deadline = time.perf_counter() + timeout
        seen = 0
        while True:
            for t, ev in self.events[seen:]:
                if t >= since and pred(ev):
                    return t
            seen = len(self.events)
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except TimeoutError:
                return None


class Lister:
    """Full lists of every pod, back to back, from a process of its own (curl), so that receiving
    300 MB does not slow down this process's watchers."""

    def __init__(self, url: str):
        loop = "while :; do curl -s -o /dev/null -w '%{time_total}\\n' \"$0/api/v1/pods\"; done"
        self.proc = subprocess.Popen(["sh", "-c", loop, url], stdout=subprocess.PIPE, text=True, start_new_session=True)

    def stop(self) -> list[float]:
        os.killpg(self.proc.pid, signal.SIGTERM)
        out, _ = self.proc.communicate()
        return [float(t) for t in out.split()[:-1]]  # the last list was cut short


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


async def watch_latency(session: aiohttp.ClientSession, url: str, writes: int, watchers: int) -> dict[str, object]:
    pods = orjson.loads((await timed_get(session, url, "/api/v1/pods", {"labelSelector": "app", "limit": "5000"}))[1])
    # One pod per Service, as many Services as writes: each write moves one pod out of (or back into) its Service.
    by_app: dict[str, dict] = {}
    for p in pods["items"]:
        # kind's own pods (kindnet, local-path-provisioner) carry an app label but no Service: no slice moves.
        if p["metadata"]["namespace"] not in ("kube-system", "local-path-storage"):
            by_app.setdefault(p["metadata"]["labels"]["app"], p)
    targets = list(by_app.values())[: max(1, writes // 2)]
    rv = pods["metadata"]["resourceVersion"]
    pod_watchers = [Watcher(session, url, "/api/v1/pods", rv) for _ in range(watchers)]
    slice_watchers = [Watcher(session, url, "/apis/discovery.k8s.io/v1/endpointslices", rv) for _ in range(watchers)]
    await asyncio.sleep(0.5)
    lister = Lister(url)
    await asyncio.sleep(0.5)  # let the first full list get going
    pod_lat: list[float] = []
    slice_lat: list[float] = []
    missed = 0
    for i in range(writes):
        pod = targets[(i // 2) % len(targets)]
        ns, name, app = pod["metadata"]["namespace"], pod["metadata"]["name"], pod["metadata"]["labels"]["app"]
        value = f"{app}-off" if i % 2 == 0 else app

        def pod_event(ev, name=name, value=value):
            o = ev["object"]
            return ev["type"] == "MODIFIED" and o["metadata"]["name"] == name and o["metadata"]["labels"].get("app") == value

        def slice_event(ev, app=app):
            md = ev["object"]["metadata"]
            return ev["type"] in ("MODIFIED", "ADDED") and (md.get("labels") or {}).get("kubernetes.io/service-name") == app

        t0 = time.perf_counter()
        async with session.patch(f"{url}/api/v1/namespaces/{ns}/pods/{name}",
                                 data=orjson.dumps({"metadata": {"labels": {"app": value}}}),
                                 headers={"Content-Type": "application/merge-patch+json"}) as r:
            if r.status != 200:
                raise SystemExit(f"patch -> {r.status}: {await r.text()}")
        results = await asyncio.gather(*(w.wait_for(t0, pod_event, 30) for w in pod_watchers),
                                       *(w.wait_for(t0, slice_event, 30) for w in slice_watchers))
        for j, t in enumerate(results):
            if t is None:
                missed += 1
            else:
                (pod_lat if j < watchers else slice_lat).append(t - t0)
    lists = lister.stop()
    for w in pod_watchers + slice_watchers:
        w.task.cancel()
    return {"pod": pod_lat, "slice": slice_lat, "missed": missed, "lists": lists}


async def measure(url: str, args: argparse.Namespace, pid: int) -> None:
    conn = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=DEADLINE)) as session:
        took, slices = await settle(session, url, args.services, limit=120)
        print(f"controllers settled     {took:8.2f} s   ({slices} EndpointSlices)")
        rss, peak = rss_mb(pid)
        print(f"sim RSS                 {rss:8.0f} MiB (peak {peak:.0f} MiB)")
        t, body = await timed_get(session, url, "/api/v1/pods")
        n = len(orjson.loads(body)["items"])
        print(f"GET /api/v1/pods        {t:8.2f} s   {len(body) / 1e6:.1f} MB, {n} pods")
        t, pages, items = await paginated(session, url, "/api/v1/pods", 500)
        print(f"paginated, limit=500    {t:8.2f} s   {pages} pages, {items} pods")
        t, body = await timed_get(session, url, "/api/v1/pods", {"labelSelector": "app=svc-" + "0" * len(str(args.services - 1))})
        print(f"label-selected list     {t * 1000:8.1f} ms")
        res = await watch_latency(session, url, args.writes, args.watchers)
        for kind in ("pod", "slice"):
            lat = res[kind]
            if lat:
                print(f"watch latency, {kind:5s}   p50 {statistics.median(lat) * 1000:7.1f} ms   p95 {pct(lat, 0.95) * 1000:7.1f} ms"
                      f"   max {max(lat) * 1000:7.1f} ms   ({len(lat)} deliveries, {args.watchers} watchers)")
        if res["missed"]:
            print(f"missed deliveries       {res['missed']}")
        lists = res["lists"]
        if lists:
            print(f"concurrent full lists   {len(lists)} done, {statistics.mean(lists):.2f} s each")
        rss, peak = rss_mb(pid)
        print(f"sim RSS at end          {rss:8.0f} MiB (peak {peak:.0f} MiB)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--pods", type=int, default=10000)
    p.add_argument("--watchers", type=int, default=4, help="watchers of pods, and as many of endpointslices")
    p.add_argument("--writes", type=int, default=100)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        proc, url, took = start_sim(args.services, args.pods, workdir)
        try:
            print(f"scale:services={args.services},pods={args.pods}")
            print(f"load (start to serving) {took:8.2f} s")
            asyncio.run(asyncio.wait_for(measure(url, args, proc.pid), DEADLINE))
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
