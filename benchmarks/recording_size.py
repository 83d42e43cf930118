"""How big recordings get (svctui record's format, svctui/model/recording.py).

    .venv/bin/python benchmarks/recording_size.py            # both parts
    .venv/bin/python benchmarks/recording_size.py --demo-only
    .venv/bin/python benchmarks/recording_size.py --scale-seconds 300

1. The demo scenario, one deletion of every nginx pod per minute for 10 minutes. Measured for real:
   `svctui record -A`'s code path (ClusterWatch → sink → Recorder) against the demo sim, with the
   deletions `--every` seconds apart instead of 60 (the sim at test speed recovers in ~0.1 s), then
   extrapolated: first lists + 10 × the bytes one deletion costs + the idle growth rate × 600 s.
2. One hour of a 10,000-Service cluster at 10 changes/s, through the Recorder (the writer the CLI
   uses) without a cluster: the first lists of 10,000 Services, slices (3 endpoints) and 30,000 pods,
   then `--scale-seconds` of changes, each a pod deleted and replaced as the sim does it (the old pod
   deleting, terminating, gone; the new one added, scheduled, given an IP, ready; its slice updated
   three times: 8 pod events, 3 slice events, 7 writes), extrapolated to 3,600 s.
3. With --real-services N: the same figure measured for real, `svctui record -A` (its own process)
   on `svctui sim --scenario scale:services=N,pods=3N` while `--real-seconds` of readiness flips at
   10/s (the change scale_tree.py makes: a pod turns not ready / ready again, its slice follows)
   go through the API; extrapolated to 3,600 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from svctui.kube.recorder import Recorder  # noqa: E402
from svctui.model import recording as fmt  # noqa: E402
from svctui.model.objects import Endpoint, EndpointPort, EndpointSlice, Pod, Service, ServicePort  # noqa: E402
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE  # noqa: E402

GOAL_MB = 50.0


def demo(every: float, deletions: int, workdir: str) -> None:
    from svctui.commands.record import record
    from svctui.sim import resources as R
    from svctui.sim.cluster import SimOptions
    from svctui.sim.runner import SimThread, write_kubeconfig

    sim = SimThread(["demo"], SimOptions(speed=0.05, seed=1)).start()
    try:
        sim.call(lambda c: c.wait_pods_ready(30), timeout=40)
        cfg = write_kubeconfig(os.path.join(workdir, "kubeconfig"), sim.url)
        out = os.path.join(workdir, "demo.svcrec")
        marks: dict[str, tuple[float, int]] = {}

        def size() -> int:
            return os.path.getsize(out) if os.path.exists(out) else 0

        def deleter() -> None:
            time.sleep(3.0)
            marks["lists"] = (time.monotonic(), size())
            time.sleep(2.0)
            marks["idle"] = (time.monotonic(), size())
            for _ in range(deletions):
                def delete(c) -> None:
                    for p in c.store.list(R.PODS, "default"):
                        if (p["metadata"].get("labels") or {}).get("app") == "nginx" \
                                and not p["metadata"].get("deletionTimestamp"):
                            c.api.delete(R.PODS, "default", p["metadata"]["name"])
                sim.call(delete)
                time.sleep(every)
            marks["deletions"] = (time.monotonic(), size())

        args = argparse.Namespace(kubeconfig=cfg, context=None, namespace=None, all_namespaces=True, output=out,
                                  duration=5.0 + deletions * every + 1.0)
        t = threading.Thread(target=deleter, daemon=True)
        t.start()
        devnull = open(os.devnull, "w")
        asyncio.run(record(args, "nginx-service", None, devnull))
        t.join()
    finally:
        sim.stop()
    total = size()
    rec = fmt.loads(Path(out).read_bytes())
    (t_l, s_l), (t_i, s_i), (t_d, s_d) = marks["lists"], marks["idle"], marks["deletions"]
    idle_rate = (s_i - s_l) / (t_i - t_l)
    per_deletion = (s_d - s_i) / deletions
    ten_min = s_l + 10 * per_deletion + idle_rate * 600
    events = sum(len(r.events) for r in rec.records if isinstance(r, fmt.EventsRecord))
    print("demo scenario, every nginx pod deleted (3 pods), measured:")
    print(f"  run: {deletions} deletions {every:g}s apart, {t_d - t_l + 3:.1f}s recorded, {total:,} bytes, "
          f"{len(rec.records)} records, {events} events")
    print(f"  first lists: {s_l:,} bytes; idle growth: {idle_rate:.1f} bytes/s; one deletion: {per_deletion:,.0f} bytes")
    print(f"  10 minutes, one deletion per minute (extrapolated from the above): {ten_min / 1024:.1f} KiB")


def scale(services: int, rate: float, seconds: float, workdir: str) -> None:
    out = os.path.join(workdir, "scale.svcrec")
    clock = [1_700_000_000.0]
    rec = Recorder(out, {"namespace": None}, clock=lambda: clock[0])
    svcs, slices, pods = [], [], []
    for i in range(services):
        ns = f"ns-{i % 100}"
        name = f"svc-{i}"
        svcs.append(Service(ns, name, uid=f"s-{i}", resource_version=str(i), cluster_ip=f"10.96.{i // 250}.{i % 250}",
                            cluster_ips=(f"10.96.{i // 250}.{i % 250}",), ports=(ServicePort("http", 80, 8080),),
                            selector=(("app", name),), labels=(("app", name),), created=1.0))
        eps = []
        for j in range(3):
            n = i * 3 + j
            ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            pname = f"{name}-7d9f8c6b5-{j:05d}"
            pods.append(Pod(ns, pname, f"p-{n}", str(n), (("app", name), ("pod-template-hash", "7d9f8c6b5")),
                            f"node-{n % 50}", ip, (ip,), "Running", True, False, 0, (), None, None, "ReplicaSet",
                            f"{name}-7d9f8c6b5", 1.0, 2.0))
            eps.append(Endpoint((ip,), True, True, False, None, f"node-{n % 50}", None, "Pod", pname, f"p-{n}"))
        slices.append(EndpointSlice(ns, f"{name}-abcde", uid=f"e-{i}", resource_version=str(i), service_name=name,
                                    ports=(EndpointPort("http", 8080),), endpoints=tuple(eps),
                                    managed_by="endpointslice-controller.k8s.io",
                                    labels=(("kubernetes.io/service-name", name),), created=1.0))
    t0 = time.perf_counter()
    rec.listed(clock[0], SERVICE, None, svcs)
    rec.listed(clock[0], ENDPOINTSLICE, None, slices)
    rec.listed(clock[0], POD, None, pods)
    lists = rec.bytes
    t_lists = time.perf_counter() - t0
    changes = int(seconds * rate)
    rv = 10**7
    t0 = time.perf_counter()
    for c in range(changes):
        clock[0] += 1 / rate
        i = (c * 7919) % services
        j = c % 3
        sl = slices[i]
        old = pods[i * 3 + j]
        n = services * 3 + c
        ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        new = old._replace(name=f"{old.name[:-5]}{c % 100000:05d}", uid=f"q-{c}", pod_ip=None, pod_ips=(),
                           ready=False, phase="Pending", node_name=None)

        def r() -> str:
            nonlocal rv
            rv += 1
            return str(rv)

        rec.events(clock[0], POD, [("MODIFIED", old._replace(deleting=True, resource_version=r()))])
        rec.events(clock[0], POD, [("ADDED", new._replace(resource_version=r()))])
        rec.events(clock[0], POD, [("MODIFIED", new._replace(node_name=old.node_name, resource_version=r())),
                                   ("MODIFIED", old._replace(deleting=True, ready=False, resource_version=r()))])
        eps = list(sl.endpoints)
        eps[j] = eps[j]._replace(ready=False, serving=True, terminating=True)
        sl = sl.__class__(**{**{f: getattr(sl, f) for f in sl.__dataclass_fields__}, "endpoints": tuple(eps),
                             "resource_version": r()})
        rec.events(clock[0], ENDPOINTSLICE, [("MODIFIED", sl)])
        placed = new._replace(node_name=old.node_name, pod_ip=ip, pod_ips=(ip,), phase="Running")
        rec.events(clock[0], POD, [("MODIFIED", placed._replace(resource_version=r())),
                                   ("MODIFIED", placed._replace(ready=True, resource_version=r())),
                                   ("DELETED", old._replace(deleting=True, ready=False, resource_version=r()))])
        new_ep = Endpoint((ip,), False, False, False, None, old.node_name, None, "Pod", new.name, new.uid)
        eps = [e for k, e in enumerate(eps) if k != j] + [new_ep]
        sl = sl.__class__(**{**{f: getattr(sl, f) for f in sl.__dataclass_fields__}, "endpoints": tuple(eps),
                             "resource_version": r()})
        rec.events(clock[0], ENDPOINTSLICE, [("MODIFIED", sl)])
        eps[-1] = new_ep._replace(ready=True, serving=True)
        sl = sl.__class__(**{**{f: getattr(sl, f) for f in sl.__dataclass_fields__}, "endpoints": tuple(eps),
                             "resource_version": r()})
        rec.events(clock[0], ENDPOINTSLICE, [("MODIFIED", sl)])
        slices[i] = sl
        pods[i * 3 + j] = placed._replace(ready=True)
    t_changes = time.perf_counter() - t0
    rec.close()
    per_s = (rec.bytes - lists) / seconds
    hour = lists + per_s * 3600
    print(f"{services:,} Services, {len(pods):,} pods, {rate:g} changes/s (pod replacements), Recorder only:")
    print(f"  first lists: {lists / 2**20:.2f} MiB ({t_lists:.2f}s to encode)")
    print(f"  {seconds:g}s of changes measured: {changes:,} changes, {(rec.bytes - lists) / 2**20:.2f} MiB, "
          f"{per_s / 1024:.1f} KiB/s, {(rec.bytes - lists) / changes:.0f} bytes/change, "
          f"{t_changes / changes * 1e6:.0f} µs/change to write")
    print(f"  one hour (extrapolated from the {seconds:g}s measured): {hour / 2**20:.1f} MiB "
          f"(goal ≤ {GOAL_MB:g} MB: {'met' if hour / 1e6 <= GOAL_MB else 'NOT met'})")
    from svctui.model.degradation import analyse

    from svctui.commands.report import load

    loaded = time.perf_counter()
    back = load(out)  # as svctui report and replay read it
    t_read = time.perf_counter() - loaded
    t0 = time.perf_counter()
    report = analyse(back)
    degraded = sum(1 for r in report.services.values() if r.degradations)
    print(f"  reading it back: {len(back.records):,} records in {t_read:.2f}s; the report's analysis "
          f"{time.perf_counter() - t0:.2f}s ({degraded:,} Services degraded)")


def real(services: int, rate: float, seconds: float, workdir: str) -> None:
    import random
    import signal
    import subprocess

    import aiohttp

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sim_scale import settle, start_sim

    ready_key = "sim.svctui.dev/ready"
    sim, url, took = start_sim(services, services * 3, workdir)
    out = os.path.join(workdir, "real.svcrec")
    rec_proc = None
    try:
        async def drive() -> tuple[int, int, float, int]:
            nonlocal rec_proc
            async with aiohttp.ClientSession() as session:
                settled, _ = await settle(session, url, services, 120)
                async with session.get(f"{url}/api/v1/pods", params={"limit": "2000"}) as r:
                    pods = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in (await r.json())["items"]]
                rec_proc = subprocess.Popen([sys.executable, "-m", "svctui", "record", "-o", out, "-A", "--kubeconfig",
                                             f"{workdir}/kubeconfig"], stderr=subprocess.DEVNULL)
                while not os.path.exists(out) or sum(isinstance(r, fmt.ListRecord)
                                                     for r in fmt.loads(Path(out).read_bytes()).records) < 3:
                    await asyncio.sleep(0.2)
                await asyncio.sleep(2.0)
                lists = os.path.getsize(out)
                rng = random.Random(1)
                down: set[tuple[str, str]] = set()
                t0 = time.monotonic()
                n = 0
                while (now := time.monotonic()) < t0 + seconds:
                    due = t0 + n / rate
                    if due > now:
                        await asyncio.sleep(due - now)
                    target = rng.choice(pods)
                    value = "true" if target in down else "false"
                    (down.discard if value == "true" else down.add)(target)
                    body = json.dumps({"metadata": {"annotations": {ready_key: value}}})
                    async with session.patch(f"{url}/api/v1/namespaces/{target[0]}/pods/{target[1]}", data=body,
                                             headers={"Content-Type": "application/merge-patch+json"}) as r:
                        await r.read()
                    n += 1
                await asyncio.sleep(3.0)  # the last changes reach the recorder
                return lists, n, settled, len(pods)

        lists, n, settled, _ = asyncio.run(drive())
        if rec_proc is not None:
            rec_proc.send_signal(signal.SIGINT)
            rec_proc.wait(60)
        total = os.path.getsize(out)
    finally:
        if rec_proc is not None and rec_proc.poll() is None:
            rec_proc.kill()
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(30)
        except subprocess.TimeoutExpired:
            sim.kill()
    per_change = (total - lists) / n
    hour = lists + per_change * rate * 3600
    print(f"real sim, {services:,} Services / {services * 3:,} pods (loaded in {took:.1f}s, settled {settled:.1f}s), "
          f"svctui record -A, readiness flips at {rate:g}/s:")
    print(f"  first lists: {lists / 2**20:.2f} MiB; {n} changes in {seconds:g}s: {(total - lists) / 2**20:.2f} MiB, "
          f"{per_change:.0f} bytes/change")
    print(f"  one hour (extrapolated from the {seconds:g}s measured): {hour / 2**20:.1f} MiB "
          f"(goal ≤ {GOAL_MB:g} MB: {'met' if hour / 1e6 <= GOAL_MB else 'NOT met'})")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--every", type=float, default=3.0, help="seconds between demo deletions (default 3)")
    p.add_argument("--deletions", type=int, default=10)
    p.add_argument("--services", type=int, default=10_000)
    p.add_argument("--rate", type=float, default=10.0)
    p.add_argument("--scale-seconds", type=float, default=120.0)
    p.add_argument("--demo-only", action="store_true")
    p.add_argument("--scale-only", action="store_true")
    p.add_argument("--real-services", type=int, default=0, help="also measure on a real sim of N Services")
    p.add_argument("--real-seconds", type=float, default=60.0)
    p.add_argument("--real-only", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        if not (args.scale_only or args.real_only):
            demo(args.every, max(1, args.deletions), d)
        if not (args.demo_only or args.real_only):
            scale(args.services, args.rate, args.scale_seconds, d)
        if args.real_services:
            real(args.real_services, args.rate, args.real_seconds, d)


if __name__ == "__main__":
    main()
