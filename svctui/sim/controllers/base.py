"""A controller: store events become keys in a work queue; a task syncs each key, one at a time.

Store events arrive synchronously inside whatever write caused them, so controllers only enqueue there
and do their work later on the event loop. That keeps writes free of re-entrancy and lets a burst of
events for one key collapse into a single sync, as client-go work queues do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..store import Event

if TYPE_CHECKING:
    from ..cluster import Cluster
    from .gc import GarbageCollector

log = logging.getLogger("svctui.sim.controllers")

# What a controller queues: most sync one object, named by (namespace, name).
K = TypeVar("K", bound=Hashable)
ObjectKey = tuple[str, str]


class Controller(Generic[K]):
    name = "controller"

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.api = cluster.api
        self.store = cluster.store
        self.clock = cluster.clock
        self._pending: dict[K, None] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[Any] | None = None

    @property
    def gc(self) -> GarbageCollector:
        """The owner index, for controllers that claim their dependents: it starts with them (all_controllers)."""
        gc = self.cluster.parts.gc
        if gc is None:
            raise RuntimeError(f"{self.name}: the garbage collector is not running")
        return gc

    # subclasses: map an event to the keys it concerns
    def keys_for(self, ev: Event) -> list[K]:
        return []

    def sync(self, key: K) -> None:
        raise NotImplementedError

    def on_event(self, ev: Event) -> None:
        for key in self.keys_for(ev):
            self.enqueue(key)

    def enqueue(self, key: K) -> None:
        self._pending[key] = None
        self._wake.set()

    def enqueue_after(self, seconds: float, key: K) -> None:
        """Re-check key after a lifecycle delay (scaled by the cluster's speed)."""
        self.clock.later(seconds, self.enqueue, key)

    def start(self) -> None:
        self.store.subscribe(self.on_event)
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"sim-{self.name}")

    async def stop(self) -> None:
        self.store.unsubscribe(self.on_event)
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Let the writes that woke us finish their burst first.
            await asyncio.sleep(0)
            keys = list(self._pending)
            self._pending.clear()
            for i, key in enumerate(keys):
                try:
                    self.sync(key)
                except Exception:
                    log.exception("%s: sync of %r failed", self.name, key)
                if i % 200 == 199:
                    await asyncio.sleep(0)

    def idle(self) -> bool:
        return not self._pending
