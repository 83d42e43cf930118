"""What each stream is doing, for the status bar, and how long to wait before trying again."""

from __future__ import annotations

import random
from dataclasses import dataclass

CONNECTING = "connecting"  # first list under way
WATCHING = "watching"  # listed, watch open: the model is current
RECONNECTING = "reconnecting"  # a transient failure; retrying with backoff (attempt n)
FORBIDDEN = "forbidden"  # 403: this stream has stopped (a cluster-wide one hands over to namespaces)
LOST = "lost"  # an error retrying soon will not fix (401, 404, ...); still retried at the backoff cap
STOPPED = "stopped"  # closed by the caller


@dataclass(frozen=True, slots=True)
class StreamState:
    kind: str  # Service | EndpointSlice | Pod
    namespace: str | None  # None = cluster-wide
    state: str
    attempt: int = 0
    error: str | None = None  # the last error's text, as the server or the network put it
    note: str | None = None  # e.g. the fallback taken after a 403
    # The watch clock's time when this stream last heard from the server (a list, a watch line, an
    # open): while it is down, the screen is at least this old. None until its first list.
    heard: float | None = None

    @property
    def scope(self) -> str:
        return self.namespace if self.namespace is not None else "all namespaces"

    @property
    def text(self) -> str:
        what = f"{self.kind} ({self.scope})"
        if self.state == RECONNECTING:
            s = f"{what}: reconnecting (attempt {self.attempt})"
        elif self.state == LOST:
            s = f"{what}: lost (attempt {self.attempt})"
        else:
            s = f"{what}: {self.state}"
        if self.error:
            s += f": {self.error}"
        if self.note:
            s += f" — {self.note}"
        return s


@dataclass(frozen=True, slots=True)
class Skipped:
    """An object that could not be converted and was left out of the model."""
    kind: str
    namespace: str | None
    reason: str


class Backoff:
    """Exponential backoff with full jitter, capped: many clients reconnecting after an apiserver
    restart must not arrive in lockstep (client-go uses jittered backoff for the same reason)."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * (2 ** max(0, attempt - 1)))
        # Never less than half the ceiling: full jitter's near-zero draws would defeat the backoff.
        return self.rng.uniform(ceiling / 2, ceiling)
