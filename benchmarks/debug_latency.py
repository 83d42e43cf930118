"""Debug commands: a warm debug pod (exec) versus `kubectl run --rm` per command, on the sim.

    /work/venv/bin/python benchmarks/debug_latency.py                 # speed 1 (real-time pod starts), n=5
    /work/venv/bin/python benchmarks/debug_latency.py --runs 10 --speed 0.5

The sim runs as its own process (`svctui sim --scenario demo`). For each run the same lookup is made:
  warm pod   DebugSession.exec(["nslookup", "nginx-service"]) into the session's pod, created once
             beforehand (its start-up is printed separately: that is the first command's extra cost);
             "first output" is Enter -> first byte, "command" is Enter -> exit code.
  kubectl    `kubectl run dbg-N --rm -i --restart=Never --image=busybox:1.36 -- nslookup nginx-service`,
             wall clock of the whole process (create, wait for the pod, attach, wait, delete).
Medians are printed, and the ratio kubectl / warm pod (design budget: warm pod < 1 s from Enter to output).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from svctui.kube.config import load_target
from svctui.kube.debugpod import DebugSession


def start_sim(workdir: str, speed: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "svctui", "sim", "--scenario", "demo", "--speed", str(speed),
                             "--seed", "7", "--kubeconfig", f"{workdir}/kubeconfig"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if "serving the Kubernetes API at " not in line:
        proc.kill()
        raise SystemExit(f"sim did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
    return proc


async def warm_pod(kubeconfig: str, runs: int) -> tuple[float, list[float], list[float]]:
    target = await load_target(kubeconfig)
    session = DebugSession(target.api)
    try:
        t0 = time.perf_counter()
        await session.pod("default")
        startup = time.perf_counter() - t0
        await session.exec("default", ["nslookup", "nginx-service"])  # first exec: connection pool warm-up
        firsts, totals = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = await session.exec("default", ["nslookup", "nginx-service"])
            totals.append(time.perf_counter() - t0)
            firsts.append(r.first_output if r.first_output is not None else totals[-1])
            assert b"nginx-service.default.svc.cluster.local" in r.stdout, r.stdout
        return startup, firsts, totals
    finally:
        await session.close()
        await target.close()


def kubectl_runs(kubeconfig: str, runs: int, cache: str) -> list[float]:
    env = dict(os.environ, KUBECONFIG=kubeconfig, KUBECACHEDIR=cache)
    subprocess.run(["kubectl", "get", "ns"], env=env, capture_output=True, timeout=60)  # discovery cache warm-up
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(["kubectl", "run", f"dbg-{i}", "--rm", "-i", "--restart=Never", "--image=busybox:1.36",
                               "--", "nslookup", "nginx-service"], env=env, capture_output=True, text=True, timeout=120)
        times.append(time.perf_counter() - t0)
        if "nginx-service.default.svc.cluster.local" not in proc.stdout:
            print(f"  kubectl run {i}: rc={proc.returncode} {proc.stdout[-200:]!r} {proc.stderr[-200:]!r}")
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--speed", type=float, default=1.0, help="sim speed (1 = real-time pod start-up)")
    args = p.parse_args()
    if shutil.which("kubectl") is None:
        print("kubectl is not installed: only the warm-pod figures are measured")
    with tempfile.TemporaryDirectory() as workdir:
        sim = start_sim(workdir, args.speed)
        try:
            cfg = f"{workdir}/kubeconfig"
            startup, firsts, totals = asyncio.run(warm_pod(cfg, args.runs))
            print(f"sim speed {args.speed:g}, {args.runs} runs each")
            print(f"warm pod: debug pod start-up (first command only) {startup * 1000:.0f} ms")
            print(f"warm pod: Enter -> first output median {statistics.median(firsts) * 1000:.1f} ms, "
                  f"whole command median {statistics.median(totals) * 1000:.1f} ms")
            if shutil.which("kubectl"):
                kt = kubectl_runs(cfg, args.runs, f"{workdir}/cache")
                med = statistics.median(kt)
                print(f"kubectl run --rm per command: median {med * 1000:.0f} ms "
                      f"(min {min(kt) * 1000:.0f}, max {max(kt) * 1000:.0f})")
                print(f"ratio kubectl run / warm pod (whole command): {med / statistics.median(totals):.0f}x")
        finally:
            sim.terminate()
            try:
                sim.wait(10)
            except subprocess.TimeoutExpired:
                sim.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
