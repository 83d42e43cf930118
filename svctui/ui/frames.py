"""The repaint budget: a token bucket of BURST repaints that refills at one per FRAME. The first batch
after a quiet spell is painted at once (so is a second one right behind it: a pod's event and its
slice's); while a burst goes on, repaints are one per FRAME however fast events arrive."""

from __future__ import annotations

import time

FRAME = 1 / 30  # in a burst, at most this many repaints per second
BURST = 2  # repaints allowed back to back after a quiet spell (the bucket's size)


class FrameBudget:
    def __init__(self) -> None:
        self._tokens = float(BURST)  # repaints that may happen now
        self._last = 0.0

    def _now_tokens(self, now: float) -> float:
        return min(float(BURST), self._tokens + (now - self._last) / FRAME)

    def wait(self) -> float:
        """Seconds until a repaint may run (0: now)."""
        tokens = self._now_tokens(time.monotonic())
        return 0.0 if tokens >= 1 else (1 - tokens) * FRAME

    def spend(self) -> None:
        """A repaint that does work spends a token (one that changed nothing does not)."""
        now = time.monotonic()
        self._tokens = max(0.0, self._now_tokens(now) - 1)
        self._last = now
