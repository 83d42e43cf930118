"""The ReplicaSet controller: keeps `spec.replicas` pods matching the template alive.

Pods being deleted do not count towards the replicas (as in Kubernetes), so deleting every pod of a
ReplicaSet creates replacements at once while the old ones are still terminating.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions, deep_copy
from ..clock import parse_time
from ..selectors import selector_from_object
from ..store import DELETED, Event
from .base import Controller, ObjectKey

# How many pods one sync creates or deletes at most (Kubernetes' burstReplicas).
BURST = 500


# ---- pod state as the kubelet reports it ----

def is_terminating(obj: dict[str, Any]) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def is_active(pod: dict[str, Any]) -> bool:
    return not is_terminating(pod) and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def ready_since(pod: dict[str, Any]) -> float | None:
    """When the pod became Ready, or None if it is not Ready."""
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            if c.get("status") != "True":
                return None
            return parse_time(c.get("lastTransitionTime")) or 0.0
    return None


def is_ready(pod: dict[str, Any]) -> bool:
    return ready_since(pod) is not None


def available_in(pod: dict[str, Any], min_ready: int, now: float) -> float | None:
    """0 if the pod is available now, the seconds until it will be if it stays Ready, None if not Ready."""
    since = ready_since(pod)
    if since is None:
        return None
    if min_ready <= 0:
        return 0.0
    return max(0.0, since + min_ready - now)


def controller_ref(obj: dict[str, Any]) -> dict[str, Any] | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owner_ref(owner: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def orphan_changed(ev: Event) -> bool:
    """Whether an object without a controller may newly match some controller's selector."""
    if ev.type == DELETED or is_terminating(ev.obj):
        return False
    if ev.old is None:
        return True
    md, old = ev.obj["metadata"], ev.old["metadata"]
    return md.get("labels") != old.get("labels") or md.get("ownerReferences") != old.get("ownerReferences")


def claim(api: Any, rt: R.ResourceType, owner: dict[str, Any], selector_obj: dict[str, Any] | None,
          candidates: list[dict[str, Any]], owned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adopt matching orphans and release owned objects that no longer match (ControllerRefManager)."""
    uid = owner["metadata"]["uid"]
    sel = selector_from_object(selector_obj)
    kept = []
    for obj in owned:
        if sel.matches(obj["metadata"].get("labels")):
            kept.append(obj)
        elif not is_terminating(obj) and not is_terminating(owner):
            new = deep_copy(obj)
            refs = [r for r in new["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
            if refs:
                new["metadata"]["ownerReferences"] = refs
            else:
                new["metadata"].pop("ownerReferences", None)
            api.write(rt, new)
    if is_terminating(owner):
        return kept
    seen = {o["metadata"]["uid"] for o in kept}
    for obj in candidates:
        if obj["metadata"]["uid"] in seen or controller_ref(obj) is not None or is_terminating(obj):
            continue
        if not sel.matches(obj["metadata"].get("labels")):
            continue
        new = deep_copy(obj)
        new["metadata"].setdefault("ownerReferences", []).append(owner_ref(owner))
        kept.append(api.write(rt, new))
    return kept


def selector_candidates(store: Any, rt: R.ResourceType, namespace: str, selector_obj: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Objects in namespace that may match the selector, from the label index when it can answer."""
    sel = selector_from_object(selector_obj)
    if sel.is_empty():
        return []
    found = store.by_labels(rt, namespace, sel.equality_pairs())
    if found is None:
        found = store.list(rt, namespace)
    return found


class ReplicaSetController(Controller[ObjectKey]):
    name = "replicaset-controller"
    owner_kind = "ReplicaSet"
    rt = R.REPLICASETS

    def __init__(self, cluster: Any):
        super().__init__(cluster)
        self._timers: dict[ObjectKey, asyncio.TimerHandle] = {}

    def keys_for(self, ev: Event) -> list[ObjectKey]:
        if ev.rt is self.rt:
            md = ev.obj["metadata"]
            return [(md["namespace"], md["name"])]
        if ev.rt is not R.PODS:
            return []
        keys: list[ObjectKey] = []
        for obj in (ev.obj, ev.old):
            if obj is None:
                continue
            ref = controller_ref(obj)
            if ref is not None:
                if ref.get("kind") == self.owner_kind:
                    keys.append((obj["metadata"]["namespace"], ref["name"]))
            elif obj is ev.obj and orphan_changed(ev):
                keys += self._matching_owners(obj)
        return keys

    def _matching_owners(self, pod: dict[str, Any]) -> list[ObjectKey]:
        ns = pod["metadata"]["namespace"]
        labels = pod["metadata"].get("labels") or {}
        return [(ns, o["metadata"]["name"]) for o in self.store.list(self.rt, ns)
                if selector_from_object(o["spec"].get("selector")).matches(labels) and not is_terminating(o)]

    def _owned_pods(self, rs: dict[str, Any]) -> list[dict[str, Any]]:
        ns = rs["metadata"]["namespace"]
        owned = self.gc.dependents(rs["metadata"]["uid"], R.PODS)
        owned = [p for p in owned if (controller_ref(p) or {}).get("uid") == rs["metadata"]["uid"]]
        candidates = selector_candidates(self.store, R.PODS, ns, rs["spec"].get("selector"))
        return claim(self.api, R.PODS, rs, rs["spec"].get("selector"), candidates, owned)

    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        rs = self.store.get(self.rt, ns, name)
        if rs is None:
            return
        pods = self._owned_pods(rs)
        active = [p for p in pods if is_active(p)]
        failure = None
        if not is_terminating(rs):
            failure = self._manage(rs, active)
            rs = self.store.get(self.rt, ns, name) or rs
            active = [p for p in self._owned_pods(rs) if is_active(p)]
        self._write_status(rs, active, failure)

    def _manage(self, rs: dict[str, Any], active: list[dict[str, Any]]) -> str | None:
        diff = len(active) - rs["spec"].get("replicas", 1)
        if diff < 0:
            for _ in range(min(-diff, BURST)):
                try:
                    pod = self.api.create(R.PODS, rs["metadata"]["namespace"], self._pod_from_template(rs))
                except E.ApiError as err:
                    self.cluster.recorder.record(rs, "Warning", "FailedCreate", f"Error creating: {err.message}", self.name)
                    return err.message
                self.cluster.recorder.record(rs, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}", self.name)
        elif diff > 0:
            for pod in sorted(active, key=self._deletion_rank)[:min(diff, BURST)]:
                try:
                    self.api.delete(R.PODS, pod["metadata"]["namespace"], pod["metadata"]["name"], DeleteOptions())
                except E.ApiError:
                    continue
                self.cluster.recorder.record(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", self.name)
        return None

    def _deletion_rank(self, pod: dict[str, Any]) -> tuple:
        """Pods to delete first: unscheduled, pending, not ready, ready for less time, more restarts, newer."""
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(status.get("phase", "Pending"), 0)
        since = ready_since(pod)
        restarts = sum(c.get("restartCount", 0) for c in status.get("containerStatuses") or [])
        created = parse_time(pod["metadata"].get("creationTimestamp")) or 0.0
        return (bool(spec.get("nodeName")), phase_rank, since is not None, -(since or 0.0), -restarts, -created)

    def _pod_from_template(self, rs: dict[str, Any]) -> dict[str, Any]:
        template = rs["spec"].get("template") or {}
        tmd = template.get("metadata") or {}
        md: dict[str, Any] = {"generateName": rs["metadata"]["name"] + "-", "ownerReferences": [owner_ref(rs)]}
        for field in ("labels", "annotations", "finalizers"):
            if tmd.get(field):
                md[field] = deep_copy(tmd[field])
        return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": deep_copy(template.get("spec") or {})}

    def _write_status(self, rs: dict[str, Any], active: list[dict[str, Any]], failure: str | None) -> None:
        now = self.clock.now()
        min_ready = rs["spec"].get("minReadySeconds") or 0
        template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
        ready = available = labeled = 0
        wait: float | None = None
        for p in active:
            labels = p["metadata"].get("labels") or {}
            if all(labels.get(k) == v for k, v in template_labels.items()):
                labeled += 1
            left = available_in(p, min_ready, now)
            if left is None:
                continue
            ready += 1
            if left == 0:
                available += 1
            else:
                wait = left if wait is None else min(wait, left)
        old = rs.get("status") or {}
        status: dict[str, Any] = {"replicas": len(active)}
        for field, value in (("fullyLabeledReplicas", labeled), ("readyReplicas", ready), ("availableReplicas", available)):
            if value:
                status[field] = value
        status["observedGeneration"] = rs["metadata"].get("generation", 1)
        conditions = [c for c in old.get("conditions") or [] if c.get("type") != "ReplicaFailure"]
        if failure is not None:
            prev = next((c for c in old.get("conditions") or [] if c.get("type") == "ReplicaFailure"), None)
            conditions.append({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": failure,
                               "lastTransitionTime": prev["lastTransitionTime"] if prev else self.clock.iso()})
        if conditions:
            status["conditions"] = conditions
        self.api.write_status(self.rt, rs, status)
        if wait is not None:
            # minReadySeconds is compared with wall-clock timestamps, so the re-check is not scaled.
            self._recheck_after(wait, (rs["metadata"]["namespace"], rs["metadata"]["name"]))

    def _recheck_after(self, seconds: float, key: ObjectKey) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        self._timers[key] = asyncio.get_running_loop().call_later(seconds + 0.01, self._fire, key)

    def _fire(self, key: ObjectKey) -> None:
        self._timers.pop(key, None)
        self.enqueue(key)

    async def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        await super().stop()


CONTROLLERS = [ReplicaSetController]
