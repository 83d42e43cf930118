"""Plays a recording into a ModelSink, the way the watch streams feed it: lists through
replace_all_stepwise, event batches through apply, each at its recorded time.

The player follows a ReplayClock (the recording's time, running at `speed`, paused, or set by a
seek): records up to the clock's now are applied at once, later ones wait for it. Seeking backwards
cannot un-apply: the caller starts a new model and a new player at the target time (fast: nothing
waits until the clock is reached). A stopwatch settles on time passing (ChurnLedger.tick), which
the player advances in recorded time, so a fast-forward settles as the live session did.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from svctui.model import recording as fmt
from svctui.model.cluster import Changes, ClusterModel

from .sink import ModelSink

TICK = 1.0  # recorded seconds between ledger ticks, as the app ticks about once a second


class ReplayClock:
    """The recording's notion of now: `t` at monotonic `m`, advancing at `speed` unless paused."""

    def __init__(self, start: float, speed: float = 1.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._mono = monotonic
        self._t = start
        self._m = monotonic()
        self.speed = speed
        self.paused = False

    def __call__(self) -> float:
        if self.paused:
            return self._t
        return self._t + (self._mono() - self._m) * self.speed

    def set(self, t: float) -> None:
        self._t, self._m = t, self._mono()

    def pause(self) -> None:
        if not self.paused:
            self.set(self())
            self.paused = True

    def resume(self) -> None:
        if self.paused:
            self.set(self._t)
            self.paused = False

    def set_speed(self, speed: float) -> None:
        self.set(self())
        self.speed = speed


class Replayer:
    def __init__(self, rec: fmt.Recording, model: ClusterModel, on_changes: Callable[[Changes], object],
                 clock: ReplayClock, on_probe: Callable[[fmt.ProbeRecord], object] | None = None) -> None:
        self.rec = rec
        self.model = model
        self.clock = clock
        self._at = rec.start  # the time the model is given: the record's, not the clock's
        self.sink = ModelSink(model, on_changes, lambda: self._at)
        self.on_probe = on_probe
        self.pos = 0  # records applied
        self.caught_up = asyncio.Event()  # everything up to the clock's now at start is applied
        self.done = asyncio.Event()
        self._wake = asyncio.Event()
        self._last_tick = rec.start

    @property
    def next_time(self) -> float | None:
        recs = self.rec.records
        return recs[self.pos].t if self.pos < len(recs) else None

    def wake(self) -> None:
        """The clock jumped (seek, step, resume): look again now rather than after the current wait."""
        self._wake.set()

    async def run(self) -> None:
        recs = self.rec.records
        try:
            while self.pos < len(recs):
                r = recs[self.pos]
                wait = r.t - self.clock()
                if wait > 0:
                    self.caught_up.set()
                    self.sink.flush()
                    self._wake.clear()
                    # Paused: an hour's sleep is cut short by wake(); playing: the real time left.
                    delay = 3600.0 if self.clock.paused else wait / max(self.clock.speed, 1e-6)
                    try:
                        await asyncio.wait_for(self._wake.wait(), min(delay, 0.25))
                    except TimeoutError:
                        pass
                    continue
                await self.apply(r)
                self.pos += 1
                if self.pos % 50 == 0:
                    await asyncio.sleep(0)  # a seek through a long recording keeps the screen alive
            self.sink.flush()
        finally:
            self.caught_up.set()
            self.done.set()

    async def apply(self, r: fmt.Record) -> None:
        self._tick_to(r.t)
        self._at = r.t
        if isinstance(r, fmt.ListRecord):
            await self.sink.replace_all_stepwise(r.kind, r.objs, r.namespace)
        elif isinstance(r, fmt.EventsRecord):
            self.sink.apply(r.kind, r.events)
        elif isinstance(r, fmt.ProbeRecord):
            self.model.ledger.note_request(r.service, r.t, r.ok)
            if self.on_probe is not None:
                self.on_probe(r)

    def _tick_to(self, t: float) -> None:
        while t - self._last_tick >= TICK:
            self._last_tick += TICK
            self.model.tick(self._last_tick)

    def step(self) -> float | None:
        """Pause and move the clock to the next record's time (the player applies it): its time."""
        t = self.next_time
        self.clock.pause()
        if t is not None and t > self.clock():
            self.clock.set(t)
        self.wake()
        return t
