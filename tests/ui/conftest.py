"""UI test helpers: the app on a kubeconfig that points at a simulated cluster (the real path
kubeconfig → HTTP → watch → model → screen), a frozen clock, and waiting without sleeping blindly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from svctui.kube.stream import WatchOptions
from svctui.sim.runner import SimThread, write_kubeconfig
from svctui.ui.app import SvctuiApp
from svctui.ui.clock import FrozenClock
from tests.conftest import start_sim

from .simops import wait_all_ready

# 2024-05-01 12:04:20 UTC: snapshots render clock times, so the zone is pinned too (TZ=UTC below).
T0 = 1714565060.0
FAST = WatchOptions(backoff_base=0.05, backoff_cap=0.4, seed=1)


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def demo(tmp_path) -> Iterator[tuple[SimThread, Path]]:
    sim = start_sim(["demo"], seed=11)
    wait_all_ready(sim)
    yield sim, write_kubeconfig(tmp_path / "kubeconfig", sim.url)
    sim.stop()


@pytest.fixture
def empty(tmp_path) -> Iterator[tuple[SimThread, Path]]:
    sim = start_sim(["empty"], seed=11)
    yield sim, write_kubeconfig(tmp_path / "kubeconfig", sim.url)
    sim.stop()


def make_app(kubeconfig: Path, clock: Callable[[], float] | None = None, **kw: Any) -> SvctuiApp:
    kw.setdefault("all_namespaces", True)
    kw.setdefault("watch_options", FAST)
    kw.setdefault("tick", None)  # tests tick explicitly (app.main.tick()) after advancing the clock
    return SvctuiApp(kubeconfig=str(kubeconfig), clock=clock or FrozenClock(T0), **kw)


async def wait_for(pilot, pred: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.03)


async def settle(pilot, sim: SimThread) -> None:
    """The sim's controllers idle, then the app has drained what they caused."""
    sim.call(lambda c: c.settle())
    await pilot.pause(0.2)
    await pilot.pause(0.1)


def labels(app: SvctuiApp) -> list[str]:
    """Every tree row's plain text, in display order (expanded rows only)."""
    tree = app.main.tree
    out = []
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        if node is not None:
            out.append(node.label.plain)
    return out


def screen_text(app: SvctuiApp) -> str:
    return "\n".join(labels(app))
