"""The objects svctui holds, keyed by (namespace, name), and the deltas each event or re-list makes.

Everything downstream (topology, churn ledger, UI) consumes deltas, never raw events. A delta exists
only when the held state really changes (different uid or resourceVersion), so a re-delivered event
or a re-list after a dropped watch yields nothing for objects that did not change, and exactly the
missed ADDED / MODIFIED / DELETED for those that did: a reconnect never looks like churn.

resourceVersions are compared for equality only: the API says they are opaque, not ordered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from .objects import EndpointSlice, Key, Pod, Service, Workload

SERVICE = "Service"
ENDPOINTSLICE = "EndpointSlice"
POD = "Pod"
DEPLOYMENT = "Deployment"
REPLICASET = "ReplicaSet"
STATEFULSET = "StatefulSet"
WORKLOAD_KINDS = (DEPLOYMENT, REPLICASET, STATEFULSET)
KINDS = (SERVICE, ENDPOINTSLICE, POD, *WORKLOAD_KINDS)

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"
BOOKMARK = "BOOKMARK"

Obj = Service | EndpointSlice | Pod | Workload


class Delta(NamedTuple):  # a NamedTuple: one per object at a first list (100,000 pods)
    kind: str
    type: str  # ADDED | MODIFIED | DELETED
    key: Key
    old: Obj | None
    new: Obj | None


def _same(a: Obj, b: Obj) -> bool:
    if a.uid != b.uid:
        return False
    if a.resource_version and b.resource_version:
        return a.resource_version == b.resource_version
    # Without resourceVersions (hand-built objects, recorded fixtures) fall back to value equality.
    return a == b


class Store:
    def __init__(self) -> None:
        self.services: dict[Key, Service] = {}
        self.slices: dict[Key, EndpointSlice] = {}
        self.pods: dict[Key, Pod] = {}
        # The workloads pods belong to, by kind (names are unique per kind, not across kinds).
        self.workloads: dict[str, dict[Key, Workload]] = {k: {} for k in WORKLOAD_KINDS}
        self._by_kind: dict[str, dict[Key, Obj]] = {
            SERVICE: self.services, ENDPOINTSLICE: self.slices, POD: self.pods,  # type: ignore[dict-item]
            **self.workloads,  # type: ignore[dict-item]
        }

    def objects(self, kind: str) -> dict[Key, Obj]:
        try:
            return self._by_kind[kind]
        except KeyError:
            raise ValueError(f"unknown kind {kind!r}") from None

    def get(self, kind: str, key: Key) -> Obj | None:
        return self.objects(kind).get(key)

    def apply(self, kind: str, event_type: str, obj: Obj) -> list[Delta]:
        held = self.objects(kind)
        if event_type == BOOKMARK:
            return []
        key = (obj.namespace, obj.name)
        old = held.get(key)
        if event_type in (ADDED, MODIFIED):
            return self._put(kind, held, key, old, obj)
        if event_type == DELETED:
            # A DELETED for another incarnation of the name (uid differs) must not remove the current one.
            if old is None or (obj.uid and old.uid and obj.uid != old.uid):
                return []
            del held[key]
            return [Delta(kind, DELETED, key, old, None)]
        raise ValueError(f"unknown event type {event_type!r}")

    def replace_all(self, kind: str, objs: Iterable[Obj], namespace: str | None = None) -> list[Delta]:
        """Reconcile with a full list (of one namespace, or of all when namespace is None)."""
        seen: set[Key] = set()
        return self.put_listed(kind, objs, namespace, seen) + self.drop_unlisted(kind, namespace, seen)

    def put_listed(self, kind: str, objs: Iterable[Obj], namespace: str | None, seen: set[Key]) -> list[Delta]:
        """The first half of replace_all, for part of a list (`seen` collects across the parts)."""
        held = self.objects(kind)
        deltas: list[Delta] = []
        for obj in objs:
            if namespace is not None and obj.namespace != namespace:
                continue
            key = (obj.namespace, obj.name)
            seen.add(key)
            deltas.extend(self._put(kind, held, key, held.get(key), obj))
        return deltas

    def drop_unlisted(self, kind: str, namespace: str | None, seen: set[Key]) -> list[Delta]:
        """The second half: what the list did not have is gone."""
        held = self.objects(kind)
        gone = [k for k in held if k not in seen and (namespace is None or k[0] == namespace)]
        return [Delta(kind, DELETED, key, held.pop(key), None) for key in gone]

    @staticmethod
    def _put(kind: str, held: dict[Key, Obj], key: Key, old: Obj | None, obj: Obj) -> list[Delta]:
        if old is None:
            held[key] = obj
            return [Delta(kind, ADDED, key, None, obj)]
        if _same(old, obj):
            return []
        held[key] = obj
        if old.uid != obj.uid:
            # Same name, new object (a StatefulSet pod, a re-created Service): the old one is gone.
            return [Delta(kind, DELETED, key, old, None), Delta(kind, ADDED, key, None, obj)]
        return [Delta(kind, MODIFIED, key, old, obj)]
