"""The namespace controller (a terminating namespace is emptied, then removed) and the Event TTL."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions
from ..store import DELETED, Event
from .base import Controller

# kube-apiserver's --event-ttl default; measured on the cluster clock (not scaled by speed).
EVENT_TTL = 3600.0
# Safety net while content remains (objects normally announce their own removal).
RECHECK = 2.0


def _condition(type_: str, status: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {"type": type_, "status": status, "lastTransitionTime": now, "reason": reason, "message": message}


class NamespaceController(Controller[str]):
    name = "namespace-controller"

    def keys_for(self, ev: Event) -> list[str]:
        md = ev.obj["metadata"]
        if ev.rt is R.NAMESPACES:
            return [md["name"]] if md.get("deletionTimestamp") and ev.type != DELETED else []
        if ev.type == DELETED and ev.rt.namespaced:
            ns = self.store.get(R.NAMESPACES, None, md.get("namespace") or "")
            if ns is not None and ns["metadata"].get("deletionTimestamp"):
                return [ns["metadata"]["name"]]
        return []

    def sync(self, key: str) -> None:
        ns = self.store.get(R.NAMESPACES, None, str(key))
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        name = ns["metadata"]["name"]
        for rt in R.ALL:
            if not rt.namespaced:
                continue
            for obj in self.store.list(rt, name):
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.api.delete(rt, name, obj["metadata"]["name"], DeleteOptions(propagation="Background"))
                except E.ApiError:
                    pass
        remaining: dict[str, int] = {}
        finalizers: dict[str, int] = {}
        for rt in R.ALL:
            if not rt.namespaced:
                continue
            objs = self.store.list(rt, name)
            if objs:
                remaining[f"{rt.plural}.{rt.group}"] = len(objs)
            for obj in objs:
                for f in obj["metadata"].get("finalizers") or []:
                    finalizers[f] = finalizers.get(f, 0) + 1
        if not remaining:
            self.api.finish_deletion(R.NAMESPACES, ns)
            return
        self._write_terminating(ns, remaining, finalizers)
        self.enqueue_after(RECHECK, name)

    def _write_terminating(self, ns: dict[str, Any], remaining: dict[str, int], finalizers: dict[str, int]) -> None:
        now = self.clock.iso()
        old = {c["type"]: c for c in (ns.get("status") or {}).get("conditions") or []}
        left = ", ".join(f"{k} has {n} resource instances" for k, n in sorted(remaining.items()))
        conds = [
            _condition("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered", now),
            _condition("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed", now),
            _condition("NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization", now),
            _condition("NamespaceContentRemaining", "True", "SomeResourcesRemain", f"Some resources are remaining: {left}", now),
        ]
        if finalizers:
            fins = ", ".join(f"{f} in {n} resource instances" for f, n in sorted(finalizers.items()))
            conds.append(_condition("NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                                    f"Some content in the namespace has finalizers remaining: {fins}", now))
        else:
            conds.append(_condition("NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers",
                                    "All content-preserving finalizers finished", now))
        for c in conds:
            prev = old.get(c["type"])
            if prev is not None and prev.get("status") == c["status"]:
                c["lastTransitionTime"] = prev.get("lastTransitionTime")
        self.api.write_status(R.NAMESPACES, ns, {"phase": "Terminating", "conditions": conds})


class EventExpiry(Controller[str]):
    """Removes Events an hour after their last write, as etcd's lease on them would."""

    name = "event-ttl"

    def __init__(self, cluster: Any):
        super().__init__(cluster)
        # (expiry, namespace, name, resourceVersion), in write order, so expiries are ascending
        self._writes: deque[tuple[float, str, str, str]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        now = self.clock.now()
        for ev in self.store.iter(R.EVENTS):
            md = ev["metadata"]
            self._writes.append((now + EVENT_TTL, md["namespace"], md["name"], md["resourceVersion"]))
        super().start()
        self._arm()

    def on_event(self, ev: Event) -> None:
        if ev.rt is not R.EVENTS or ev.type == DELETED:
            return
        md = ev.obj["metadata"]
        self._writes.append((self.clock.now() + EVENT_TTL, md["namespace"], md["name"], md["resourceVersion"]))
        if self._timer is None:
            self._arm()

    def _arm(self) -> None:
        if not self._writes:
            self._timer = None
            return
        delay = max(0.0, self._writes[0][0] - self.clock.now()) + 0.01
        self._timer = asyncio.get_running_loop().call_later(delay, self.enqueue, "sweep")

    def sync(self, key: str) -> None:
        now = self.clock.now()
        while self._writes and self._writes[0][0] <= now:
            _, ns, name, rv = self._writes.popleft()
            ev = self.store.get(R.EVENTS, ns, name)
            # A later write of the same event has its own, later, expiry.
            if ev is not None and ev["metadata"]["resourceVersion"] == rv:
                try:
                    self.api.delete(R.EVENTS, ns, name, DeleteOptions())
                except E.ApiError:
                    pass
        self._arm()

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        await super().stop()


CONTROLLERS = [NamespaceController, EventExpiry]
