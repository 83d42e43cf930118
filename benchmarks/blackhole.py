"""The full-length blackhole: what the header claims while the network is silent, with the app's
default bounds (tests/ui/test_liveness.py runs the same with bounds shrunk to seconds).

    .venv/bin/python -m benchmarks.blackhole [--outage 60] [--bookmark-interval 60]

The app (headless, real path kubeconfig → fault proxy → sim) watches the demo cluster. The proxy
then forwards nothing for --outage seconds while keeping every socket open (a dead NAT entry, a
slept laptop); a Service is created in the sim 5 s into the outage. After the resume a pod is
deleted. Printed: when the header stopped saying "watching", when it was current again, when the
Service made during the outage and the deletion were on screen. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from svctui.sim import resources as R
from svctui.sim.runner import write_kubeconfig
from svctui.ui.app import SvctuiApp
from tests.conftest import start_sim
from tests.faultproxy import FaultProxy
from tests.ui.simops import pod_names, wait_all_ready


def _header(app: SvctuiApp) -> str:
    return app.query_one("#hdr-left").render().plain


def _screen(app: SvctuiApp) -> str:
    tree = app.main.tree
    return "\n".join(n.label.plain for line in range(tree.last_line + 1)
                     if (n := tree.get_node_at_line(line)) is not None)


async def run(outage: float, bookmark_interval: float) -> None:
    sim = start_sim(["demo"], speed=1.0, bookmark_interval=bookmark_interval)
    wait_all_ready(sim)
    proxy = FaultProxy(int(sim.url.rsplit(":", 1)[1])).start()
    tmp = Path(tempfile.mkdtemp(prefix="svctui-blackhole-"))
    app = SvctuiApp(kubeconfig=str(write_kubeconfig(tmp / "kubeconfig", proxy.url)), all_namespaces=True,
                    service="nginx-service")
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            async def until(pred, limit: float) -> float | None:
                t = time.monotonic()
                while time.monotonic() - t < limit:
                    if pred():
                        return time.monotonic()
                    await pilot.pause(0.05)
                return None

            await until(lambda: app.main.synced and "● watching (3 streams)" in _header(app), 30)
            await pilot.pause(2.0)
            print(f"before:  {_header(app)}")
            proxy.stall()
            t0 = time.monotonic()
            made = False
            stale_at = None
            samples: list[tuple[float, str]] = []
            while time.monotonic() - t0 < outage:
                now = time.monotonic() - t0
                h = _header(app)
                if stale_at is None and "watching" not in h:
                    stale_at = now
                if not samples or now - samples[-1][0] >= 10:
                    samples.append((now, h))
                if not made and now >= 5:
                    sim.call(lambda c: c.api.create(R.for_kind("v1", "Service"), "default", {
                        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "made-in-outage"},
                        "spec": {"ports": [{"port": 80}]}}))
                    made = True
                await pilot.pause(0.1)
            for at, h in samples:
                print(f"t={at:5.1f} s: {h}")
            print(f"header stopped saying 'watching' {stale_at:.1f} s into the outage" if stale_at is not None
                  else "header said 'watching' through the whole outage")
            proxy.resume()
            t1 = time.monotonic()
            seen = await until(lambda: ("default", "made-in-outage") in app.main.tree.services_shown(), 600)
            back = await until(lambda: "● watching (3 streams)" in _header(app), 600)
            print(f"after the resume: the Service made in the outage on screen in "
                  f"{seen - t1:.2f} s, header 'watching' in {back - t1:.2f} s: {_header(app)}")
            victim = sim.call(lambda c: pod_names(c, "default", "nginx"))[0]
            t2 = time.monotonic()
            sim.call(lambda c: c.api.delete(R.PODS, "default", victim))

            def row() -> str:
                return next((ln for ln in _screen(app).splitlines() if victim in ln), "")
            gone = await until(lambda: "terminating" in row() or not row(), 60)
            print(f"a pod deleted {t2 - t1:.2f} s after the resume: on screen {gone - t2:.3f} s later: {row()!r}")
            print(f"proxy: {proxy.accepted} connections accepted")
    finally:
        proxy.stop()
        sim.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--outage", type=float, default=60.0)
    ap.add_argument("--bookmark-interval", type=float, default=60.0, help="the sim's (kube-apiserver: ~60 s)")
    a = ap.parse_args()
    asyncio.run(run(a.outage, a.bookmark_interval))


if __name__ == "__main__":
    main()
