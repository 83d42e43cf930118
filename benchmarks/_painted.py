"""Shared by the UI benchmarks: what the terminal would show, and the sim as a subprocess.

`PaintedScreen(app)` wraps the app's `_display` (the one call through which Textual hands every
compositor update to its driver) on that instance only; nothing in svctui changes. Each update is
turned into terminal bytes with `render_segments` (the work the real Linux driver does before its
writer thread writes; the headless driver skips it, so without this the benchmark would be flattered)
and applied to a character grid. `on_paint(t, lines)` then sees the time (time.monotonic, the same
clock in every process) and the full text of every screen line that update repainted: "painted" means
the characters were in an update sent to the terminal, not that the model or a widget changed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import svctui.ui  # noqa: E402,F401  (before textual: it sets Textual's frame rate, as the app's entry does)
from tests.ui.grid import ScreenGrid  # noqa: E402  (the terminal grid the UI tests use too)


class PaintedScreen:
    def __init__(self, app, size: tuple[int, int], on_paint: Callable[[float, list[tuple[int, str]]], None] | None = None,
                 emulate_driver: bool = True):
        self.app = app
        self.on_paint = on_paint
        self.emulate_driver = emulate_driver
        self.updates = 0
        self.bytes = 0
        self.grid = ScreenGrid(app, size, self._encode, self._painted)

    def _encode(self, update) -> None:
        if self.emulate_driver:
            self.bytes += len(update.render_segments(self.app.console))

    def _painted(self, update) -> None:
        self.updates += 1
        if self.grid.touched and self.on_paint is not None:
            self.on_paint(self.grid.stamp, [(y, self.grid.line(y)) for y in self.grid.touched])

    def text(self) -> str:
        return self.grid.text()


def start_sim(scenario: str, workdir: str, speed: float = 1.0, seed: int | None = 1,
              timeout: float = 240.0) -> tuple[subprocess.Popen, str, str, float]:
    """`svctui sim` as its own process: (process, url, kubeconfig path, seconds to serving)."""
    kubeconfig = str(Path(workdir) / "kubeconfig")
    cmd = [sys.executable, "-m", "svctui", "sim", "--scenario", scenario, "--kubeconfig", kubeconfig,
           "--speed", str(speed)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if "serving the Kubernetes API at " not in line:
        stop(proc)
        raise SystemExit(f"sim did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
    url = line.split(" at ", 1)[1].split()[0]
    return proc, url, kubeconfig, time.monotonic() - t0


def stop(proc: subprocess.Popen | None, group: bool = True) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        if group:
            os.killpg(proc.pid, 15)
        else:
            proc.terminate()
    except ProcessLookupError:
        return
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, 9) if group else proc.kill()
        except ProcessLookupError:
            pass
        proc.wait(5)


def load_line(when: str) -> str:
    """The machine's load average: the VM is shared, and a figure means little without it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {when}: {one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))]


def summary(values: list[float], unit: float = 1000.0) -> str:
    if not values:
        return "no samples"
    v = [x * unit for x in values]
    return (f"median {statistics.median(v):7.1f}   p95 {pct(v, 0.95):7.1f}   min {min(v):7.1f}   max {max(v):7.1f}"
            f"   (n={len(v)})")
