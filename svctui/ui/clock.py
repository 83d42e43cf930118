"""The app's notion of now, injected so tests can freeze time and advance it explicitly."""

from __future__ import annotations

import time
from collections.abc import Callable

Now = Callable[[], float]


class FrozenClock:
    def __init__(self, start: float) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


def hms(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def hms_ms(t: float) -> str:
    return f"{time.strftime('%H:%M:%S', time.localtime(t))}.{int((t % 1) * 1000):03d}"
