"""Applies converted objects to the ClusterModel and hands the resulting Changes over in batches.

Streams apply everything they have already received synchronously, then return to the loop; the
merged Changes are delivered by a callback scheduled with `call_soon`, i.e. once per loop turn, so
bursts on several streams (a pod deletion touches pods and slices) reach the UI as one repaint.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from svctui.model.cluster import Changes, ClusterModel
from svctui.model.store import Obj

log = logging.getLogger("svctui.kube")


class SinkTap(Protocol):
    """Sees what the model is fed, before it is applied, at the time the model is given (the recorder)."""

    def listed(self, now: float, kind: str, namespace: str | None, objs: list[Obj]) -> None: ...
    def events(self, now: float, kind: str, events: list[tuple[str, Obj]]) -> None: ...
    def delivered(self, changes: Changes) -> None: ...


class ModelSink:
    def __init__(self, model: ClusterModel, consumer: Callable[[Changes], object],
                 clock: Callable[[], float] = time.time):
        self.model = model
        self.consumer = consumer
        self.clock = clock
        self._pending: Changes | None = None
        self._scheduled = False
        self.batches = 0  # consumer calls so far (tests and benchmarks look at it)
        self.tap: SinkTap | None = None

    def apply(self, kind: str, events: Iterable[tuple[str, Obj]]) -> None:
        now = self.clock()
        model = self.model
        tap = self.tap
        if tap is not None:
            events = list(events)
            _tapped(tap.events, now, kind, events)
        for etype, obj in events:
            self._add(model.apply(kind, etype, obj, now))

    async def replace_all_stepwise(self, kind: str, objs: Iterable[Obj], namespace: str | None) -> None:
        """replace_all, returning to the loop between the model's steps: a first list of 100,000 pods
        is ~1 s of indexing, which must not freeze the screen."""
        now = self.clock()
        tap = self.tap
        if tap is not None:
            objs = list(objs)
            _tapped(tap.listed, now, kind, namespace, objs)
        for step in self.model.replace_all_steps(kind, objs, now, namespace):
            if step is None:
                await asyncio.sleep(0)
            else:
                self._add(step)

    def forbid(self, kind: str, namespace: str | None) -> None:
        """The server refused to list `kind` there: the model must not read absence as emptiness."""
        self._add(self.model.forbid(kind, namespace))

    def cover(self, kind: str, namespaces: Iterable[str]) -> None:
        """After a cluster-wide 403, `kind` is watched in these namespaces only."""
        self._add(self.model.cover(kind, namespaces))

    def _add(self, ch: Changes) -> None:
        if not ch:
            return
        p = self._pending
        if p is None:
            self._pending = ch
        else:
            p.deltas.extend(ch.deltas)
            p.services |= ch.services
            p.entries.extend(ch.entries)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        ch, self._pending = self._pending, None
        if ch is None:
            return
        self.batches += 1
        if self.tap is not None:
            _tapped(self.tap.delivered, ch)
        try:
            self.consumer(ch)
        except Exception:  # a UI bug must not stop the watches
            log.exception("change consumer failed")


def _tapped(fn: Callable[..., None], *args: object) -> None:
    try:
        fn(*args)
    except Exception:  # a full disk must not stop the watches: the recorder says so itself
        log.exception("sink tap failed")
