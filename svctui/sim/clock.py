"""Wall-clock time for timestamps, and scaled delays for lifecycle steps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


class Clock:
    """Timestamps come from the wall clock (optionally shifted); delays are scaled by `speed`.

    speed=1 looks like a real cluster in a demo; tests pass a smaller value to run faster.
    """

    def __init__(self, speed: float = 1.0, offset: float = 0.0):
        self.speed = speed
        self.offset = offset

    def now(self) -> float:
        return time.time() + self.offset

    def iso(self, t: float | None = None) -> str:
        t = self.now() if t is None else t
        return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def iso_micro(self, t: float | None = None) -> str:
        t = self.now() if t is None else t
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def scaled(self, seconds: float) -> float:
        return max(0.0, seconds * self.speed)

    def later(self, seconds: float, fn: Callable[..., Any], *args: Any) -> asyncio.TimerHandle:
        """Run fn after a lifecycle delay of `seconds` (scaled by speed) on the running loop."""
        loop = asyncio.get_running_loop()
        return loop.call_later(self.scaled(seconds), fn, *args)


def parse_time(value: str | None) -> float | None:
    if not value:
        return None
    v = value.replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(v).timestamp()
    except ValueError:
        return None
