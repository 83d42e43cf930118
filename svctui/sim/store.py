"""The object store: objects by resource, one resourceVersion counter, a finite event history.

Stored objects are never mutated in place: a write stores a new dict. Readers (list responses, watch
history, controllers) may therefore hold references without copying.
"""

from __future__ import annotations

import builtins
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .clock import Clock
from .resources import ResourceType

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"

Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped


@dataclass(slots=True)
class Event:
    type: str
    rt: ResourceType
    obj: dict[str, Any]
    old: dict[str, Any] | None
    rv: int


class Compacted(Exception):
    def __init__(self, requested: int, oldest: int):
        super().__init__(f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest


def obj_key(obj: dict[str, Any]) -> Key:
    md = obj["metadata"]
    return (md.get("namespace") or "", md["name"])


class Store:
    def __init__(self, clock: Clock, history: int = 20000, start_rv: int = 1000):
        self.clock = clock
        self._rv = start_rv
        self._data: dict[tuple[str, str], dict[Key, dict[str, Any]]] = {}
        self._history: deque[Event] = deque(maxlen=max(1, history))
        # Every rv at or below this one has been dropped from the history.
        self._compacted = start_rv
        self._listeners: list[Callable[[Event], None]] = []
        self._label_index: dict[tuple[str, str], dict[tuple[str, str, str], set[Key]]] = {}

    # ---- reading ----
    @property
    def rv(self) -> int:
        return self._rv

    def table(self, rt: ResourceType) -> dict[Key, dict[str, Any]]:
        return self._data.setdefault(rt.key, {})

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self._data.get(rt.key, {}).get((namespace or "" if rt.namespaced else "", name))

    def list(self, rt: ResourceType, namespace: str | None = None) -> list[dict[str, Any]]:
        objs = self._data.get(rt.key, {})
        if namespace and rt.namespaced:
            return [o for k, o in objs.items() if k[0] == namespace]
        return list(objs.values())

    def iter(self, rt: ResourceType) -> Iterator[dict[str, Any]]:
        return iter(list(self._data.get(rt.key, {}).values()))

    def count(self, rt: ResourceType) -> int:
        return len(self._data.get(rt.key, {}))

    def by_labels(self, rt: ResourceType, namespace: str, pairs: builtins.list[tuple[str, str]]) -> builtins.list[dict[str, Any]] | None:
        """Objects in namespace carrying every key=value pair, from the index; None if pairs is empty."""
        if not pairs:
            return None
        index = self._label_index.get(rt.key, {})
        sets = [index.get((namespace, k, v), set()) for k, v in pairs]
        sets.sort(key=len)
        keys = set(sets[0])
        for s in sets[1:]:
            keys &= s
            if not keys:
                break
        table = self._data.get(rt.key, {})
        return [table[k] for k in keys if k in table]

    # ---- history ----
    @property
    def compacted(self) -> int:
        """Reads and watches from a resourceVersion below this are 410 Gone: the history before it is dropped."""
        return self._compacted

    def history_since(self, rt: ResourceType, rv: int) -> builtins.list[Event]:
        if rv < self._compacted:
            raise Compacted(rv, self._compacted + 1)
        if rv >= self._rv:
            return []
        out = []
        for ev in reversed(self._history):
            if ev.rv <= rv:
                break
            if ev.rt is rt:
                out.append(ev)
        out.reverse()
        return out

    def compact(self) -> None:
        """Drop all history (as etcd compaction would), so older watches get 410."""
        self._history.clear()
        self._compacted = self._rv

    def set_history_window(self, n: int) -> None:
        old = list(self._history)
        self._history = deque(old[-n:], maxlen=max(1, n))
        if len(old) > n:
            self._compacted = old[-n - 1].rv

    # ---- writing ----
    def subscribe(self, fn: Callable[[Event], None]) -> None:
        self._listeners.append(fn)

    def unsubscribe(self, fn: Callable[[Event], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def create(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        md = obj["metadata"]
        md.setdefault("uid", str(uuid.uuid4()))
        md.setdefault("creationTimestamp", self.clock.iso())
        rv = self.next_rv()
        md["resourceVersion"] = str(rv)
        obj.setdefault("apiVersion", rt.api_version)
        obj.setdefault("kind", rt.kind)
        key = obj_key(obj)
        self.table(rt)[key] = obj
        self._index(rt, key, None, obj)
        self._emit(Event(ADDED, rt, obj, None, rv))
        return obj

    def replace(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        key = obj_key(obj)
        table = self.table(rt)
        old = table[key]
        rv = self.next_rv()
        obj["metadata"]["resourceVersion"] = str(rv)
        table[key] = obj
        self._index(rt, key, old, obj)
        self._emit(Event(MODIFIED, rt, obj, old, rv))
        return obj

    def remove(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any] | None:
        key = (namespace or "" if rt.namespaced else "", name)
        table = self.table(rt)
        old = table.pop(key, None)
        if old is None:
            return None
        rv = self.next_rv()
        final = dict(old)
        final["metadata"] = dict(old["metadata"], resourceVersion=str(rv))
        self._index(rt, key, old, None)
        self._emit(Event(DELETED, rt, final, old, rv))
        return final

    def _emit(self, ev: Event) -> None:
        if len(self._history) == self._history.maxlen:
            self._compacted = self._history[0].rv
        self._history.append(ev)
        for fn in list(self._listeners):
            fn(ev)

    def _index(self, rt: ResourceType, key: Key, old: dict | None, new: dict | None) -> None:
        index = self._label_index.setdefault(rt.key, {})
        old_labels = (old or {}).get("metadata", {}).get("labels") or {}
        new_labels = (new or {}).get("metadata", {}).get("labels") or {}
        if old_labels == new_labels and old is not None and new is not None:
            return
        ns = key[0]
        for k, v in old_labels.items():
            s = index.get((ns, k, v))
            if s is not None:
                s.discard(key)
                if not s:
                    del index[(ns, k, v)]
        for k, v in new_labels.items():
            index.setdefault((ns, k, v), set()).add(key)
