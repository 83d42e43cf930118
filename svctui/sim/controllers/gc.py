"""The garbage collector: dependents follow their owners (ownerReferences) out of the cluster.

Background: once every owner of an object is gone, the object is deleted. Foreground: an owner carrying
the `foregroundDeletion` finalizer stays until its blocking dependents are gone. Orphan: an owner
carrying the `orphan` finalizer has its references stripped from its dependents before it leaves.
The dependency graph is indexed by owner uid, so a sync touches only the objects concerned.
"""

from __future__ import annotations

from typing import Any, Literal

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions, deep_copy
from ..store import ADDED, DELETED, Event
from .base import Controller

Ref = tuple[R.ResourceType, str, str]  # (type, namespace, name)
# An owner to finish deleting (by uid), or a dependent whose owners to check.
GcKey = tuple[Literal["owner"], str] | tuple[Literal["dependent"], Ref]

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


def _ref(rt: R.ResourceType, obj: dict[str, Any]) -> Ref:
    md = obj["metadata"]
    return (rt, md.get("namespace") or "", md["name"])


def _owner_uids(obj: dict[str, Any] | None) -> set[str]:
    if obj is None:
        return set()
    return {r["uid"] for r in obj["metadata"].get("ownerReferences") or [] if r.get("uid")}


class GarbageCollector(Controller[GcKey]):
    name = "garbage-collector-controller"

    def __init__(self, cluster: Any):
        super().__init__(cluster)
        self._objects: dict[str, Ref] = {}  # uid -> object
        self._dependents: dict[str, dict[Ref, None]] = {}  # owner uid -> dependents

    def start(self) -> None:
        for rt in R.ALL:
            for obj in self.store.iter(rt):
                self._index(rt, None, obj)
                if obj["metadata"].get("ownerReferences"):
                    self.enqueue(("dependent", _ref(rt, obj)))
        super().start()

    # ---- the dependency graph ----
    def dependents(self, owner_uid: str, rt: R.ResourceType | None = None) -> list[dict[str, Any]]:
        """The current objects (optionally of one type) whose ownerReferences name owner_uid."""
        out = []
        for ref in list(self._dependents.get(owner_uid, ())):
            if rt is not None and ref[0] is not rt:
                continue
            obj = self.store.get(*ref)
            if obj is not None:
                out.append(obj)
        return out

    def _index(self, rt: R.ResourceType, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        obj = new if new is not None else old
        assert obj is not None
        md = obj["metadata"]
        uid = md.get("uid")
        if new is None:
            self._objects.pop(uid, None)
        elif old is None and uid:
            self._objects[uid] = _ref(rt, obj)
        before = old["metadata"].get("ownerReferences") if old is not None else None
        after = new["metadata"].get("ownerReferences") if new is not None else None
        if not before and not after or before == after:
            return
        ref = _ref(rt, obj)
        old_uids, new_uids = _owner_uids(old), _owner_uids(new)
        for owner in old_uids - new_uids:
            deps = self._dependents.get(owner)
            if deps is not None:
                deps.pop(ref, None)
                if not deps:
                    del self._dependents[owner]
        for owner in new_uids - old_uids:
            self._dependents.setdefault(owner, {})[ref] = None

    def on_event(self, ev: Event) -> None:
        old = ev.old if ev.type != ADDED else None
        new = ev.obj if ev.type != DELETED else None
        self._index(ev.rt, old, new)
        md = ev.obj["metadata"]
        uid = md.get("uid")
        if ev.type == DELETED:
            # Its dependents may have lost their last owner; its owners may be waiting for it.
            for ref in list(self._dependents.get(uid, ())):
                self.enqueue(("dependent", ref))
            for owner in _owner_uids(ev.obj):
                self.enqueue(("owner", owner))
            return
        if ev.type == ADDED and md.get("ownerReferences"):
            self.enqueue(("dependent", _ref(ev.rt, ev.obj)))
        if md.get("deletionTimestamp") and set(md.get("finalizers") or ()) & {FOREGROUND, ORPHAN}:
            self.enqueue(("owner", uid))

    # ---- syncing ----
    def sync(self, key: GcKey) -> None:
        if key[0] == "owner":
            self._sync_owner(key[1])
        else:
            self._sync_dependent(key[1])

    def _owner(self, uid: str) -> dict[str, Any] | None:
        ref = self._objects.get(uid)
        if ref is None:
            return None
        obj = self.store.get(*ref)
        return obj if obj is not None and obj["metadata"].get("uid") == uid else None

    def _sync_owner(self, uid: str) -> None:
        owner = self._owner(uid)
        if owner is None or not owner["metadata"].get("deletionTimestamp"):
            return
        rt = self._objects[uid][0]
        finalizers = owner["metadata"].get("finalizers") or []
        if ORPHAN in finalizers:
            for dep_ref in list(self._dependents.get(uid, ())):
                self._strip_owners(dep_ref, {uid})
            self.api.remove_finalizer(rt, owner, ORPHAN)
            return
        if FOREGROUND in finalizers:
            blocking = [d for d in self.dependents(uid)
                        if any(r.get("uid") == uid and r.get("blockOwnerDeletion") for r in d["metadata"].get("ownerReferences") or [])]
            if not blocking:
                self.api.remove_finalizer(rt, owner, FOREGROUND)
                return
            for dep_ref in list(self._dependents.get(uid, ())):
                self.enqueue(("dependent", dep_ref))

    def _sync_dependent(self, ref: Ref) -> None:
        obj = self.store.get(*ref)
        if obj is None:
            return
        refs = obj["metadata"].get("ownerReferences") or []
        if not refs:
            return
        solid, dangling, waiting = [], [], []
        for r in refs:
            owner = self._owner(r.get("uid", ""))
            if owner is None:
                dangling.append(r)
            elif owner["metadata"].get("deletionTimestamp") and FOREGROUND in (owner["metadata"].get("finalizers") or []):
                waiting.append(r)
            else:
                solid.append(r)
        if solid:
            if dangling or waiting:
                self._strip_owners(ref, {r["uid"] for r in dangling + waiting})
            return
        if obj["metadata"].get("deletionTimestamp"):
            return
        finalizers = obj["metadata"].get("finalizers") or []
        if waiting and self._dependents.get(obj["metadata"]["uid"]):
            policy = "Foreground"
        elif ORPHAN in finalizers:
            policy = "Orphan"
        elif FOREGROUND in finalizers:
            policy = "Foreground"
        else:
            policy = "Background"
        try:
            self.api.delete(ref[0], ref[1], ref[2], DeleteOptions(propagation=policy,
                                                                  preconditions={"uid": obj["metadata"]["uid"]}))
        except E.ApiError:
            pass

    def _strip_owners(self, ref: Ref, uids: set[str]) -> None:
        obj = self.store.get(*ref)
        if obj is None:
            return
        new = deep_copy(obj)
        refs = [r for r in new["metadata"].get("ownerReferences") or [] if r.get("uid") not in uids]
        if refs:
            new["metadata"]["ownerReferences"] = refs
        else:
            new["metadata"].pop("ownerReferences", None)
        self.api.write(ref[0], new)


CONTROLLERS = [GarbageCollector]
