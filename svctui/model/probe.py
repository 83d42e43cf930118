"""The continuous probe's results, and the lines it adds to the churn timeline.

Every request is kept (bounded) for counts; the timeline gets only the transitions, so a probe every
500 ms does not drown the endpoint changes: the first result, the first failure of a run of failures,
the first success after one ("ok again after 1.8s of failures, 4 failed"), start and stop.
Time is passed in; nothing here reads a clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .objects import Key

STARTED = "probe-started"
STOPPED = "probe-stopped"
FAILING = "probe-failing"
OK = "probe-ok"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    time: float  # when the request was sent
    service: Key
    ok: bool
    status: str  # "200 OK", "curl: (7) Failed to connect ..."
    backend: str = ""
    latency: float = 0.0


@dataclass(frozen=True, slots=True)
class ProbeEntry:
    """One timeline line; `change` and `address` let it sort among ChurnEntry lines."""

    time: float
    service: Key
    change: str  # probe-started | probe-ok | probe-failing | probe-stopped
    text: str
    address: str = ""

    @property
    def ok(self) -> bool:
        return self.change in (OK, STARTED)

    @property
    def sign(self) -> str:
        return {OK: "✓", FAILING: "✗"}.get(self.change, "·")


class _Run:
    __slots__ = ("ok", "since", "count", "sent", "failed")

    def __init__(self) -> None:
        self.ok: bool | None = None  # the current streak
        self.since = 0.0  # first request of the streak
        self.count = 0  # requests in the streak
        self.sent = 0
        self.failed = 0


class ProbeLog:
    def __init__(self, results: int = 2000, entries: int = 500) -> None:
        self._results: deque[ProbeResult] = deque(maxlen=results)
        self._entries: deque[ProbeEntry] = deque(maxlen=entries)
        self._runs: dict[Key, _Run] = {}

    def start(self, key: Key, now: float, what: str) -> ProbeEntry:
        self._runs[key] = _Run()
        return self._add(ProbeEntry(now, key, STARTED, f"probe started: {what}"))

    def stop(self, key: Key, now: float) -> ProbeEntry | None:
        run = self._runs.pop(key, None)
        if run is None:
            return None
        return self._add(ProbeEntry(now, key, STOPPED, f"probe stopped: {run.sent} sent, {run.failed} failed"))

    def active(self, key: Key) -> bool:
        return key in self._runs

    def record(self, r: ProbeResult) -> ProbeEntry | None:
        """Keep the result; the timeline entry it causes, if it changes the streak."""
        self._results.append(r)
        run = self._runs.get(r.service)
        if run is None:
            return None
        run.sent += 1
        run.failed += 0 if r.ok else 1
        if run.ok is r.ok:
            run.count += 1
            return None
        first = run.ok is None
        prev_since, prev_count = run.since, run.count
        run.ok, run.since, run.count = r.ok, r.time, 1
        who = f" ({r.backend})" if r.backend else ""
        if r.ok:
            text = (f"✓ request ok: {r.status}{who}" if first else
                    f"✓ requests ok again: {r.status}{who} after {r.time - prev_since:.1f}s of failures "
                    f"({prev_count} failed)")
            return self._add(ProbeEntry(r.time, r.service, OK, text))
        return self._add(ProbeEntry(r.time, r.service, FAILING, f"✗ request failed: {r.status}"))

    def counts(self, key: Key) -> tuple[int, int]:
        """(sent, failed) of the running probe of key."""
        run = self._runs.get(key)
        return (run.sent, run.failed) if run else (0, 0)

    def results(self, key: Key | None = None) -> list[ProbeResult]:
        return [r for r in self._results if key is None or r.service == key]

    def entries(self, key: Key | None = None) -> list[ProbeEntry]:
        """Oldest first; every Service's when key is None."""
        return [e for e in self._entries if key is None or e.service == key]

    def _add(self, e: ProbeEntry) -> ProbeEntry:
        self._entries.append(e)
        return e
