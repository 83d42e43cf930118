"""Ready endpoints over time, per Service, for a live chart: an audience sees the dip and the recovery.

Only changes are kept (a steady Service costs one sample); `series` resamples onto fixed buckets, the
value at each bucket's end carried forward, so the chart moves with the clock while nothing changes.
"""

from __future__ import annotations

from collections import deque

from .objects import Key

SAMPLES = 256  # per Service: a pod deletion is a few changes, so this spans many episodes


class ReadyHistory:
    def __init__(self, samples: int = SAMPLES) -> None:
        self.samples = samples
        self._series: dict[Key, deque[tuple[float, int]]] = {}

    def note(self, key: Key, now: float, ready: int) -> None:
        s = self._series.get(key)
        if s is None:
            s = self._series[key] = deque(maxlen=self.samples)
        if s and s[-1][1] == ready:
            return
        if s and s[-1][0] == now:
            s.pop()  # one batch, one moment: the last count of it is the one that held
            if s and s[-1][1] == ready:
                return
        s.append((now, ready))

    def latest(self, key: Key) -> int | None:
        s = self._series.get(key)
        return s[-1][1] if s else None

    def forget(self, key: Key) -> None:
        self._series.pop(key, None)

    def series(self, key: Key, now: float, span: float, buckets: int) -> list[int | None]:
        """`buckets` values covering (now - span, now]; the lowest count seen in each bucket (a dip
        shorter than a bucket still shows), None before the first sample."""
        s = self._series.get(key)
        if not s or buckets <= 0:
            return [None] * max(0, buckets)
        width = span / buckets
        start = now - span
        out: list[int | None] = []
        i, current = 0, None
        samples = list(s)
        for b in range(buckets):
            end = start + (b + 1) * width
            low = current
            while i < len(samples) and samples[i][0] <= end:
                current = samples[i][1]
                low = current if low is None else min(low, current)
                i += 1
            out.append(low)
        return out


BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int | None], top: int | None = None) -> str:
    """One character per value, scaled to `top` (default the largest); no data is a space, zero ▁."""
    peak = top if top is not None else max((v for v in values if v is not None), default=0)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif peak <= 0 or v <= 0:
            out.append(BARS[0])
        else:
            out.append(BARS[min(len(BARS) - 1, max(1, round(v / peak * (len(BARS) - 1))))])
    return "".join(out)
