"""Event to screen: how far svctui's screen lags `kubectl get endpointslices -w` on the same deletion.

    /work/venv/bin/python benchmarks/event_lag.py                 # 20 deletions, demo scenario, speed 1
    /work/venv/bin/python benchmarks/event_lag.py --rounds 5      # smoke run

Setup: the sim (`svctui sim --scenario demo`) runs as its own process; kubectl watches the nginx
Service's EndpointSlices (`-w --output-watch-events -o json`) under a tiny stamper process that
timestamps each line kubectl prints (time.monotonic, shared by all processes), so the benchmark's own
GIL never delays kubectl's timestamps; svctui runs headless in this process (`App.run_test(size=(120,
40))`, the real clock and tick, all namespaces, opened on nginx-service) with PaintedScreen
(_painted.py) recording what each compositor update puts on the terminal.

Each round deletes the oldest ready nginx pod (DELETE over HTTP) and records, after the delete:
  kubectl  the first event printed whose slice shows that pod's IP no longer plain-ready;
  svctui   the first update painted with that IP's row in a state other than "ready" (terminating…).
lag = svctui − kubectl. Then it waits for the replacement to be Ready and everything to go quiet.
Goal (design.md): median lag < 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _painted import PaintedScreen, load_line, pct, start_sim, stop, summary  # noqa: E402

from svctui.kube.sink import ModelSink  # noqa: E402
from svctui.kube.stream import ResourceStream  # noqa: E402
from svctui.ui.app import SvctuiApp  # noqa: E402
from textual.screen import Screen  # noqa: E402

DEADLINE = 280.0
SIZE = (120, 40)
SELECTOR = "kubernetes.io/service-name=nginx-service"

# Runs kubectl and prefixes each line it prints with the monotonic time it was read.
STAMPER = r"""
import subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
out = sys.stdout.buffer
for line in iter(p.stdout.readline, b""):
    out.write(b"%.6f\t" % time.monotonic() + line)
    out.flush()
"""


TRACE: list[tuple[str, float]] = []  # (stage, monotonic) with --breakdown


def trace_stages() -> None:
    """--breakdown: stamp the stages between the socket and the screen, by wrapping (in this process
    only) the stream's line handler, the sink's once-per-turn delivery and the app's repaint."""
    def wrap(cls, name, stage, when=lambda *a: True):
        original = getattr(cls, name)

        def wrapper(*a, **kw):
            if when(*a):
                TRACE.append((stage, time.monotonic()))
            return original(*a, **kw)
        setattr(cls, name, wrapper)
    wrap(ResourceStream, "handle_lines", "read", lambda self, lines: self.resource.kind == "EndpointSlice")
    wrap(ModelSink, "flush", "sink")
    wrap(SvctuiApp, "_repaint", "flush")
    wrap(Screen, "_on_timer_update", "frame")


def first_after(stage: str, t: float) -> float | None:
    return next((ts for st, ts in TRACE if st == stage and ts >= t), None)


def last_before(stage: str, t: float) -> float | None:
    return next((ts for st, ts in reversed(TRACE) if st == stage and ts <= t), None)


class KubectlWatch:
    """kubectl -w under the stamper; a thread parses its JSON events into (stamp, event)."""

    def __init__(self, kubeconfig: str):
        cmd = [sys.executable, "-c", STAMPER, "kubectl", "--kubeconfig", kubeconfig, "get", "endpointslices",
               "-n", "default", "-l", SELECTOR, "-w", "--output-watch-events", "-o", "json"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        self.events: list[tuple[float, dict]] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        # kubectl prints one compact JSON document per line; accumulate in case a version pretty-prints.
        buf: list[str] = []
        first = 0.0
        for raw in self.proc.stdout:
            stamp, _, line = raw.decode().partition("\t")
            if not buf:
                first = float(stamp)
            buf.append(line)
            try:
                ev = json.loads("".join(buf))
            except ValueError:
                continue
            self.events.append((first, ev))
            buf = []

    def stop(self) -> None:
        stop(self.proc)


def endpoint_state(slice_obj: dict, ip: str) -> str:
    """'ready', 'gone', or another state of ip's endpoint in the slice."""
    for ep in slice_obj.get("endpoints") or ():
        if ip in (ep.get("addresses") or ()):
            c = ep.get("conditions") or {}
            if c.get("terminating"):
                return "terminating"
            return "ready" if c.get("ready", True) else "not ready"
    return "gone"


def ready_now(events: list[tuple[float, dict]]) -> dict[str, int]:
    """From kubectl's events: per slice name, how many endpoints are plain-ready and how many not."""
    latest: dict[str, dict] = {}
    for _, ev in events:
        obj = ev.get("object") or {}
        name = (obj.get("metadata") or {}).get("name")
        if ev.get("type") == "DELETED":
            latest.pop(name, None)
        elif name:
            latest[name] = obj
    ready = other = 0
    for obj in latest.values():
        for ep in obj.get("endpoints") or ():
            c = ep.get("conditions") or {}
            if c.get("ready", True) and not c.get("terminating"):
                ready += 1
            else:
                other += 1
    return {"ready": ready, "other": other}


async def nginx_pods(session: aiohttp.ClientSession, url: str) -> list[dict]:
    async with session.get(f"{url}/api/v1/namespaces/default/pods", params={"labelSelector": "app=nginx"}) as r:
        return (await r.json())["items"]


def is_ready(p: dict) -> bool:
    return not p["metadata"].get("deletionTimestamp") and p.get("status", {}).get("podIP") and any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in p.get("status", {}).get("conditions") or ())


async def until(pred, timeout: float, what: str, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = await pred() if asyncio.iscoroutinefunction(pred) else pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(step)


async def steady(session, url, kubectl: KubectlWatch, replicas: int, quiet: float = 0.5) -> list[dict]:
    """Every nginx pod Ready, none terminating, kubectl's slices agree, and kubectl quiet for `quiet` s."""
    async def ok():
        pods = await nginx_pods(session, url)
        if len(pods) != replicas or not all(is_ready(p) for p in pods):
            return None
        st = ready_now(kubectl.events)
        if st != {"ready": replicas, "other": 0}:
            return None
        if kubectl.events and time.monotonic() - kubectl.events[-1][0] < quiet:
            return None
        return pods
    return await until(ok, 60, "nginx to be steady", step=0.1)


async def run(args) -> int:
    with tempfile.TemporaryDirectory() as workdir:
        sim, url, kubeconfig, took = start_sim("demo", workdir, speed=args.speed, seed=args.seed)
        kubectl = None
        try:
            print(f"sim (demo, speed {args.speed}) serving after {took:.2f} s at {url}")
            print(load_line("at the start"))
            kubectl = KubectlWatch(kubeconfig)
            return await measure(args, url, kubeconfig, kubectl)
        finally:
            if kubectl is not None:
                kubectl.stop()
            stop(sim)


async def measure(args, url: str, kubeconfig: str, kubectl: KubectlWatch) -> int:
    rng = random.Random(args.seed)
    app = SvctuiApp(kubeconfig=kubeconfig, all_namespaces=True, service="nginx-service")
    target: dict = {}  # ip → state of the round in progress, read by on_paint

    def on_paint(t: float, lines: list[tuple[int, str]]) -> None:
        ip = target.get("ip")
        if ip is None or "painted" in target:
            return
        pat = target["pat"]
        for _y, text in lines:
            m = pat.search(text)
            if m and m.group(1) != "ready":
                target["painted"] = t
                target["line"] = text.strip()
                return

    screen = PaintedScreen(app, SIZE, on_paint, emulate_driver=not args.no_driver)
    rows: list[tuple[int, float, float, float]] = []
    round_bytes: list[int] = []  # terminal bytes written so far, as each round starts
    stages: list[tuple[float, float, float, float, float]] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        async with app.run_test(size=SIZE):
            await until(lambda: app.main.synced and app.main.tree.service_node(("default", "nginx-service")), 30, "the tree")
            replicas = len(await nginx_pods(session, url))
            await steady(session, url, kubectl, replicas)
            print(f"svctui synced; {replicas} nginx pods; kubectl has printed {len(kubectl.events)} events")
            print(f"{'round':>5} {'pod IP':>15} {'kubectl':>9} {'svctui':>9} {'lag':>8}"
                  + ("   kubectl→read, read→sink, sink→_repaint, _repaint→frame, frame→painted (ms)" if args.breakdown else "   (ms after the DELETE was sent)"))
            for i in range(args.rounds):
                pods = await steady(session, url, kubectl, replicas)
                pods.sort(key=lambda p: p["metadata"]["creationTimestamp"] + p["metadata"]["name"])
                pod = pods[0]
                ip, name = pod["status"]["podIP"], pod["metadata"]["name"]
                pat = re.compile(r"[ ~+] " + re.escape(ip) + r" +(ready|not ready|terminating)\b")
                # Is the row on screen, as ready, before we start?
                if not any((m := pat.search(line)) and m.group(1) == "ready" for line in screen.text().splitlines()):
                    print(f"round {i + 1}: {ip} is not painted as ready; screen:\n{screen.text()}")
                    return 1
                await asyncio.sleep(rng.uniform(0, 0.5))  # do not phase-lock with the app's 0.5 s tick
                round_bytes.append(screen.bytes)  # a round: this DELETE until the next one (recovery included)
                n_before = len(kubectl.events)
                target.clear()
                target.update(ip=ip, pat=pat)
                t0 = time.monotonic()
                async with session.delete(f"{url}/api/v1/namespaces/default/pods/{name}") as r:
                    await r.read()
                    if r.status != 200:
                        raise SystemExit(f"DELETE {name} -> {r.status}")

                def kubectl_saw():
                    for t, ev in kubectl.events[n_before:]:
                        if endpoint_state(ev.get("object") or {}, ip) != "ready":
                            return t
                    return None
                tk = await until(kubectl_saw, 15, f"kubectl to show {ip} change", step=0.005)
                ts = await until(lambda: target.get("painted"), 15, f"svctui to paint {ip}", step=0.005)
                target.pop("ip")
                rows.append((i + 1, tk - t0, ts - t0, ts - tk))
                extra = f"   {target['line'][:60]}"
                if args.breakdown:
                    tr = first_after("read", t0)
                    tsk = first_after("sink", tr) if tr else None
                    tf = first_after("flush", tsk) if tsk else None
                    tfr = last_before("frame", ts) if tf else None
                    if tr and tsk and tf and tfr:
                        stages.append((tr - tk, tsk - tr, tf - tsk, tfr - tf, ts - tfr))
                        extra = "   " + " ".join(f"{x * 1000:6.1f}" for x in stages[-1]) + "   (read is after kubectl's print)"
                    del TRACE[:]
                print(f"{i + 1:5d} {ip:>15} {(tk - t0) * 1000:9.1f} {(ts - t0) * 1000:9.1f} {(ts - tk) * 1000:8.1f}"
                      + extra)
            await steady(session, url, kubectl, replicas)
            round_bytes.append(screen.bytes)
    lags = [r[3] for r in rows]
    print()
    for j, name in enumerate(["kubectl print → svctui reads the slice line", "read → sink delivers (loop turn)",
                              "sink → app repaint (_repaint)", "_repaint → the frame that painted it",
                              "frame starts → painted"] if stages else []):
        print(f"  {name:44s} (ms) {summary([s[j] for s in stages])}")
    print(f"kubectl, DELETE → printed  (ms)   {summary([r[1] for r in rows])}")
    print(f"svctui,  DELETE → painted  (ms)   {summary([r[2] for r in rows])}")
    print(f"svctui lag behind kubectl  (ms)   {summary(lags)}")
    if not lags:
        return 1
    med, p95 = statistics.median(lags), pct(lags, 0.95)
    print(f"goal (issue 16): lag median ≤ 16 ms (one frame) → {'meets' if med <= 0.016 else 'MISSES'} "
          f"({med * 1000:.1f} ms); p95 ≤ 40 ms → {'meets' if p95 <= 0.040 else 'MISSES'} ({p95 * 1000:.1f} ms)")
    per_round = [b - a for a, b in zip(round_bytes, round_bytes[1:], strict=False)]
    if per_round:
        kb = statistics.median(per_round) / 1000
        print(f"terminal bytes per deletion round (DELETE → steady again, replacement included): median "
              f"{kb:.1f} KB (min {min(per_round) / 1000:.1f}, max {max(per_round) / 1000:.1f}, n={len(per_round)})"
              f"  [goal ≤ 10 KB: {'meets' if kb <= 10 else 'MISSES'}]")
    print(f"painted updates: {screen.updates}, terminal bytes: {screen.bytes}, app repaints: {app.main.repaints}")
    print(load_line("at the end"))
    return 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--speed", type=float, default=1.0, help="sim lifecycle speed (1 = demo pace)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-driver", action="store_true",
                   help="do not emulate the terminal driver's render_segments (headless only)")
    p.add_argument("--breakdown", action="store_true",
                   help="also stamp svctui's stages (stream read, sink delivery, repaint) by wrapping them")
    args = p.parse_args()
    if args.breakdown:
        trace_stages()
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("benchmark deadline")))
    signal.alarm(int(DEADLINE) + 15)
    try:
        code = asyncio.run(asyncio.wait_for(run(args), DEADLINE))
    finally:
        signal.alarm(0)
    sys.exit(code)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
