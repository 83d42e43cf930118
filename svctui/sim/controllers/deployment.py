"""The Deployment controller: rolls a Deployment's template out through ReplicaSets.

Follows pkg/controller/deployment (sync.go, rolling.go, recreate.go, progress.go): one ReplicaSet per
template, named `<deployment>-<pod-template-hash>`; rolling updates bounded by maxSurge/maxUnavailable;
status and the Available/Progressing conditions that `kubectl rollout status` and `kubectl wait` read.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import orjson

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions, deep_copy
from ..clock import parse_time
from ..kinds.workloads import resolve_int_or_percent
from ..selectors import selector_from_object
from ..store import DELETED, Event
from .base import Controller, ObjectKey
from .replicaset import claim, controller_ref, is_terminating, orphan_changed, owner_ref, selector_candidates

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX = "deployment.kubernetes.io/max-replicas"
_NOT_COPIED = {"kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY, DESIRED, MAX,
               "deprecated.deployment.rollback.to"}
_REVISION_HISTORY_CHARS = 2000
_SAFE_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: dict[str, Any], collision_count: int | None) -> str:
    """A short stable hash of the template, encoded as Kubernetes' rand.SafeEncodeString does."""
    data = orjson.dumps(template, option=orjson.OPT_SORT_KEYS)
    if collision_count:
        data += struct.pack("<I", collision_count & 0xFFFFFFFF)
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE_CHARS[ord(c) % len(_SAFE_CHARS)] for c in str(h))


def _replicas(rs: dict[str, Any] | None) -> int:
    return 0 if rs is None else rs["spec"].get("replicas", 1)


def _status(rs: dict[str, Any] | None, field: str) -> int:
    return 0 if rs is None else (rs.get("status") or {}).get(field, 0)


def _created(obj: dict[str, Any]) -> float:
    return parse_time(obj["metadata"].get("creationTimestamp")) or 0.0


def _revision(rs: dict[str, Any]) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def _without_hash(template: dict[str, Any]) -> dict[str, Any]:
    t = dict(template)
    md = dict(t.get("metadata") or {})
    labels = {k: v for k, v in (md.get("labels") or {}).items() if k != HASH_LABEL}
    md["labels"] = labels
    t["metadata"] = md
    return t


def _is_rolling(d: dict[str, Any]) -> bool:
    return (d["spec"].get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


def _fenceposts(d: dict[str, Any]) -> tuple[int, int]:
    ru = (d["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    desired = _replicas(d)
    surge = resolve_int_or_percent(ru.get("maxSurge", "25%"), desired, True)
    unavailable = resolve_int_or_percent(ru.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: dict[str, Any]) -> int:
    return _fenceposts(d)[0] if _is_rolling(d) else 0


def max_unavailable(d: dict[str, Any]) -> int:
    if not _is_rolling(d) or _replicas(d) == 0:
        return 0
    return min(_fenceposts(d)[1], _replicas(d))


def _condition(status: dict[str, Any], type_: str) -> dict[str, Any] | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == type_), None)


def _remove_condition(status: dict[str, Any], type_: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != type_]


def _set_condition(status: dict[str, Any], cond: dict[str, Any]) -> None:
    current = _condition(status, cond["type"])
    if current is not None and current["status"] == cond["status"] and current.get("reason") == cond.get("reason"):
        return
    if current is not None and current["status"] == cond["status"]:
        cond["lastTransitionTime"] = current.get("lastTransitionTime")
    _remove_condition(status, cond["type"])
    status["conditions"].append(cond)


def _has_deadline(d: dict[str, Any]) -> bool:
    deadline = d["spec"].get("progressDeadlineSeconds")
    return deadline is not None and deadline != 2**31 - 1


def _active(rss: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [rs for rs in rss if rs is not None and _replicas(rs) > 0]


class DeploymentController(Controller[ObjectKey]):
    name = "deployment-controller"

    def __init__(self, cluster: Any):
        super().__init__(cluster)
        self._deadline_timers: dict[ObjectKey, asyncio.TimerHandle] = {}

    # ---- events ----
    def keys_for(self, ev: Event) -> list[ObjectKey]:
        md = ev.obj["metadata"]
        if ev.rt is R.DEPLOYMENTS:
            return [(md["namespace"], md["name"])]
        if ev.rt is R.REPLICASETS:
            keys: list[ObjectKey] = []
            for obj in (ev.obj, ev.old):
                if obj is None:
                    continue
                ref = controller_ref(obj)
                if ref is not None:
                    if ref.get("kind") == "Deployment":
                        keys.append((md["namespace"], ref["name"]))
                elif obj is ev.obj and orphan_changed(ev):
                    labels = obj["metadata"].get("labels") or {}
                    keys += [(md["namespace"], d["metadata"]["name"]) for d in self.store.list(R.DEPLOYMENTS, md["namespace"])
                             if selector_from_object(d["spec"].get("selector")).matches(labels)]
            return keys
        if ev.rt is R.PODS and ev.type == DELETED:
            # Recreate waits for the old pods to be gone.
            ref = controller_ref(ev.obj)
            if ref is not None and ref.get("kind") == "ReplicaSet":
                rs = self.store.get(R.REPLICASETS, md["namespace"], ref["name"])
                owner = controller_ref(rs) if rs is not None else None
                if owner is not None and owner.get("kind") == "Deployment":
                    return [(md["namespace"], owner["name"])]
        return []

    # ---- sync ----
    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        stored = self.store.get(R.DEPLOYMENTS, ns, name)
        if stored is None:
            return
        d = deep_copy(stored)
        d.setdefault("status", {})
        d["status"].setdefault("conditions", [])
        rss = self._claim(d)
        if is_terminating(d):
            new, old = self._new_and_old(d, rss, create=False)
            self._calculate_status(d, old + [new] if new else old, new)
        elif d["spec"].get("paused"):
            self._paused_conditions(d)
            self._sync_scale(d, rss)
        elif self._is_scaling_event(d, rss):
            self._paused_conditions(d)
            self._sync_scale(d, rss)
        elif _is_rolling(d):
            self._paused_conditions(d)
            self._rollout_rolling(d, rss)
        else:
            self._paused_conditions(d)
            self._rollout_recreate(d, rss)
        if not d["status"].get("conditions"):
            d["status"].pop("conditions", None)
        self.api.write(R.DEPLOYMENTS, d)

    def _claim(self, d: dict[str, Any]) -> list[dict[str, Any]]:
        uid = d["metadata"]["uid"]
        owned = [rs for rs in self.gc.dependents(uid, R.REPLICASETS) if (controller_ref(rs) or {}).get("uid") == uid]
        candidates = selector_candidates(self.store, R.REPLICASETS, d["metadata"]["namespace"], d["spec"].get("selector"))
        return claim(self.api, R.REPLICASETS, d, d["spec"].get("selector"), candidates, owned)

    # ---- replica sets ----
    def _new_and_old(self, d: dict[str, Any], rss: list[dict[str, Any]], create: bool) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """getAllReplicaSetsAndSyncRevision: the ReplicaSet running the current template (created if asked)."""
        rss = sorted(rss, key=lambda rs: (_created(rs), rs["metadata"]["name"]))
        template = d["spec"]["template"]
        new = next((rs for rs in rss if _without_hash(rs["spec"]["template"]) == _without_hash(template)), None)
        old = [rs for rs in rss if rs is not new]
        new_revision = str(max((_revision(rs) for rs in old), default=0) + 1)
        if new is not None:
            copy = deep_copy(new)
            changed = self._set_new_rs_annotations(d, copy, new_revision, exists=True)
            if copy["spec"].get("minReadySeconds", 0) != d["spec"].get("minReadySeconds", 0):
                copy["spec"]["minReadySeconds"] = d["spec"].get("minReadySeconds", 0)
                changed = True
            if changed:
                new = self._update_rs(copy) or new
            self._set_revision(d, (new["metadata"].get("annotations") or {}).get(REVISION, ""))
            if _has_deadline(d) and _condition(d["status"], "Progressing") is None:
                _set_condition(d["status"], self._cond("Progressing", "True", "FoundNewReplicaSet",
                                                       f'Found new replica set "{new["metadata"]["name"]}"'))
            return new, old
        if not create:
            return None, old
        return self._create_new(d, old, new_revision), old

    def _create_new(self, d: dict[str, Any], old: list[dict[str, Any]], new_revision: str) -> dict[str, Any] | None:
        ns = d["metadata"]["namespace"]
        while True:
            template = deep_copy(d["spec"]["template"])
            h = template_hash(template, d["status"].get("collisionCount"))
            labels = dict((template.get("metadata") or {}).get("labels") or {}, **{HASH_LABEL: h})
            template.setdefault("metadata", {})["labels"] = labels
            selector = deep_copy(d["spec"]["selector"])
            selector.setdefault("matchLabels", {})[HASH_LABEL] = h
            rs: dict[str, Any] = {
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": f'{d["metadata"]["name"]}-{h}', "namespace": ns, "labels": dict(labels),
                             "ownerReferences": [owner_ref(d)]},
                "spec": {"replicas": 0, "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                         "selector": selector, "template": template},
            }
            rs["spec"]["replicas"] = self._new_rs_replicas(d, old + [rs], rs)
            self._set_new_rs_annotations(d, rs, new_revision, exists=False)
            try:
                created = self.api.create(R.REPLICASETS, ns, rs)
                break
            except E.ApiError as err:
                if err.code != 409:
                    self.cluster.recorder.record(d, "Warning", "FailedCreate", f"Failed to create new replica set "
                                                 f'"{rs["metadata"]["name"]}": {err.message}', self.name)
                    return None
                existing = self.store.get(R.REPLICASETS, ns, rs["metadata"]["name"])
                if existing is not None and (controller_ref(existing) or {}).get("uid") == d["metadata"]["uid"] and \
                        _without_hash(existing["spec"]["template"]) == _without_hash(d["spec"]["template"]):
                    return existing
                # A hash collision with some other ReplicaSet: try the next hash, as Kubernetes does.
                d["status"]["collisionCount"] = d["status"].get("collisionCount", 0) + 1
        replicas = created["spec"]["replicas"]
        if replicas > 0:
            self.cluster.recorder.record(d, "Normal", "ScalingReplicaSet",
                                         f'Scaled up replica set {created["metadata"]["name"]} from 0 to {replicas}', self.name)
        self._set_revision(d, new_revision)
        if _has_deadline(d):
            _set_condition(d["status"], self._cond("Progressing", "True", "NewReplicaSetCreated",
                                                   f'Created new replica set "{created["metadata"]["name"]}"'))
        return created

    def _set_new_rs_annotations(self, d: dict[str, Any], rs: dict[str, Any], new_revision: str, exists: bool) -> bool:
        annotations = rs["metadata"].setdefault("annotations", {})
        changed = False
        for k, v in (d["metadata"].get("annotations") or {}).items():
            if k not in _NOT_COPIED and annotations.get(k) != v:
                annotations[k] = v
                changed = True
        old_revision = annotations.get(REVISION)
        old_int = int(old_revision) if old_revision and old_revision.isdigit() else 0
        if old_int < int(new_revision):
            annotations[REVISION] = new_revision
            changed = True
            if old_revision is not None:
                # Rolling back to this ReplicaSet: keep the revisions it had.
                history = [r for r in annotations.get(REVISION_HISTORY, "").split(",") if r] + [old_revision]
                while len(",".join(history)) > _REVISION_HISTORY_CHARS and len(history) > 1:
                    history.pop(0)
                annotations[REVISION_HISTORY] = ",".join(history)
        if not exists and self._set_replicas_annotations(d, rs):
            changed = True
        return changed

    def _set_replicas_annotations(self, d: dict[str, Any], rs: dict[str, Any]) -> bool:
        annotations = rs["metadata"].setdefault("annotations", {})
        desired, most = str(_replicas(d)), str(_replicas(d) + max_surge(d))
        if annotations.get(DESIRED) == desired and annotations.get(MAX) == most:
            return False
        annotations[DESIRED] = desired
        annotations[MAX] = most
        return True

    def _set_revision(self, d: dict[str, Any], revision: str) -> None:
        if not revision:
            return
        annotations = d["metadata"].setdefault("annotations", {})
        annotations[REVISION] = revision

    def _update_rs(self, rs: dict[str, Any]) -> dict[str, Any] | None:
        md = rs["metadata"]
        try:
            return self.api.update(R.REPLICASETS, md["namespace"], md["name"], rs)
        except E.ApiError:
            self.enqueue_after(1, (md["namespace"], (controller_ref(rs) or {}).get("name", "")))
            return None

    def _scale(self, d: dict[str, Any], rs: dict[str, Any], count: int, operation: str | None = None) -> tuple[bool, dict[str, Any]]:
        """scaleReplicaSet: set the size and the desired/max annotations; record the event."""
        copy = deep_copy(rs)
        size_changed = _replicas(rs) != count
        annotations_changed = self._set_replicas_annotations(d, copy)
        if not (size_changed or annotations_changed):
            return False, rs
        copy["spec"]["replicas"] = count
        updated = self._update_rs(copy)
        if updated is None:
            return False, rs
        if size_changed:
            op = operation or ("up" if count > _replicas(rs) else "down")
            self.cluster.recorder.record(d, "Normal", "ScalingReplicaSet",
                                         f'Scaled {op} replica set {rs["metadata"]["name"]} from {_replicas(rs)} to {count}', self.name)
        return size_changed, updated

    def _new_rs_replicas(self, d: dict[str, Any], all_rss: list[dict[str, Any]], new: dict[str, Any]) -> int:
        if not _is_rolling(d):
            return _replicas(d)
        current = sum(_replicas(rs) for rs in all_rss)
        most = _replicas(d) + max_surge(d)
        if current >= most:
            return _replicas(new)
        return _replicas(new) + min(most - current, _replicas(d) - _replicas(new))

    # ---- rolling update (rolling.go) ----
    def _rollout_rolling(self, d: dict[str, Any], rss: list[dict[str, Any]]) -> None:
        new, old = self._new_and_old(d, rss, create=True)
        all_rss = old + ([new] if new else [])
        if new is not None and _replicas(new) != _replicas(d):
            target = _replicas(d) if _replicas(new) > _replicas(d) else self._new_rs_replicas(d, all_rss, new)
            scaled, new = self._scale(d, new, target)
            if scaled:
                self._sync_rollout_status(d, old + [new], new)
                return
        all_rss = old + ([new] if new else [])
        if self._reconcile_old(d, all_rss, _active(old), new):
            new, old = self._new_and_old(d, self._claim(d), create=False)
            self._sync_rollout_status(d, old + ([new] if new else []), new)
            return
        if self._complete(d, d["status"]):
            self._cleanup(d, old)
        self._sync_rollout_status(d, all_rss, new)

    def _reconcile_old(self, d: dict[str, Any], all_rss: list[dict[str, Any]], old: list[dict[str, Any]],
                       new: dict[str, Any] | None) -> bool:
        if sum(_replicas(rs) for rs in old) == 0:
            return False
        all_pods = sum(_replicas(rs) for rs in all_rss)
        min_available = _replicas(d) - max_unavailable(d)
        new_unavailable = _replicas(new) - _status(new, "availableReplicas")
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        # First scale down old replicas that are not available anyway (cleanupUnhealthyReplicas).
        old = sorted(old, key=_created)
        cleaned = 0
        for i, rs in enumerate(old):
            if cleaned >= max_scaled_down:
                break
            unhealthy = _replicas(rs) - _status(rs, "availableReplicas")
            if _replicas(rs) == 0 or unhealthy <= 0:
                continue
            count = min(max_scaled_down - cleaned, unhealthy)
            _, old[i] = self._scale(d, rs, _replicas(rs) - count)
            cleaned += count
        # Then scale down available old replicas as far as maxUnavailable allows.
        all_rss = old + ([new] if new else [])
        available = sum(_status(rs, "availableReplicas") for rs in all_rss)
        scaled = 0
        if available > min_available:
            total = available - min_available
            for rs in old:
                if scaled >= total:
                    break
                if _replicas(rs) == 0:
                    continue
                count = min(_replicas(rs), total - scaled)
                self._scale(d, rs, _replicas(rs) - count)
                scaled += count
        return cleaned + scaled > 0

    # ---- recreate (recreate.go) ----
    def _rollout_recreate(self, d: dict[str, Any], rss: list[dict[str, Any]]) -> None:
        new, old = self._new_and_old(d, rss, create=False)
        scaled_down = False
        for rs in _active(old):
            changed, _ = self._scale(d, rs, 0)
            scaled_down = scaled_down or changed
        if scaled_down or self._old_pods_running(new, old):
            new, old = self._new_and_old(d, self._claim(d), create=False)
            self._sync_rollout_status(d, old + ([new] if new else []), new)
            return
        if new is None:
            new, old = self._new_and_old(d, self._claim(d), create=True)
        if new is not None:
            _, new = self._scale(d, new, _replicas(d))
        if self._complete(d, d["status"]):
            self._cleanup(d, old)
        self._sync_rollout_status(d, old + ([new] if new else []), new)

    def _old_pods_running(self, new: dict[str, Any] | None, old: list[dict[str, Any]]) -> bool:
        if sum(_status(rs, "replicas") for rs in old) > 0:
            return True
        gc = self.gc
        for rs in old:
            for pod in gc.dependents(rs["metadata"]["uid"], R.PODS):
                if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                    return True
        return False

    # ---- scaling (sync.go) ----
    def _is_scaling_event(self, d: dict[str, Any], rss: list[dict[str, Any]]) -> bool:
        for rs in _active(rss):
            desired = (rs["metadata"].get("annotations") or {}).get(DESIRED)
            if desired is not None and desired != str(_replicas(d)):
                return True
        return False

    def _sync_scale(self, d: dict[str, Any], rss: list[dict[str, Any]]) -> None:
        new, old = self._new_and_old(d, rss, create=False)
        self._proportional_scale(d, new, old)
        new, old = self._new_and_old(d, self._claim(d), create=False)
        if d["spec"].get("paused") and self._complete(d, d["status"]):
            self._cleanup(d, old)
        self._calculate_status(d, old + ([new] if new else []), new)

    def _proportional_scale(self, d: dict[str, Any], new: dict[str, Any] | None, old: list[dict[str, Any]]) -> None:
        active = _active(old + ([new] if new else []))
        if len(active) <= 1:
            target = active[0] if active else (new or (max(old, key=_created) if old else None))
            if target is not None and _replicas(target) != _replicas(d):
                self._scale(d, target, _replicas(d))
            return
        desired = _replicas(d)
        if new is not None and _replicas(new) == desired and _status(new, "availableReplicas") == desired and \
                (new["metadata"].get("annotations") or {}).get(DESIRED) == str(desired):
            for rs in _active(old):
                self._scale(d, rs, 0)
            return
        if not _is_rolling(d):
            return
        allowed = desired + max_surge(d) if desired > 0 else 0
        to_add = allowed - sum(_replicas(rs) for rs in active)
        if to_add > 0:
            active.sort(key=lambda rs: (-_replicas(rs), -_created(rs)))
            operation = "up"
        elif to_add < 0:
            active.sort(key=lambda rs: (-_replicas(rs), _created(rs)))
            operation = "down"
        else:
            operation = None
        sizes, added = [], 0
        for rs in active:
            proportion = self._proportion(d, rs, to_add, added)
            sizes.append(_replicas(rs) + proportion)
            added += proportion
        if to_add:
            sizes[0] = max(0, sizes[0] + to_add - added)
        for rs, size in zip(active, sizes, strict=True):
            self._scale(d, rs, size, operation)

    def _proportion(self, d: dict[str, Any], rs: dict[str, Any], to_add: int, added: int) -> int:
        if _replicas(rs) == 0 or to_add == 0 or to_add == added:
            return 0
        if _replicas(d) == 0:
            fraction = -_replicas(rs)
        else:
            try:
                annotated = int((rs["metadata"].get("annotations") or {}).get(MAX, ""))
            except ValueError:
                annotated = d["status"].get("replicas", 0)
            fraction = int(_replicas(rs) * (_replicas(d) + max_surge(d)) / annotated + 0.5) - _replicas(rs) if annotated else 0
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    def _cleanup(self, d: dict[str, Any], old: list[dict[str, Any]]) -> None:
        """Delete the oldest scaled-down ReplicaSets beyond revisionHistoryLimit."""
        limit = d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        alive = sorted((rs for rs in old if not is_terminating(rs)), key=lambda rs: (_revision(rs), _created(rs)))
        for rs in alive[:max(0, len(alive) - limit)]:
            if _status(rs, "replicas") or _replicas(rs) or \
                    rs["metadata"].get("generation", 1) > (rs.get("status") or {}).get("observedGeneration", 0):
                continue
            try:
                self.api.delete(R.REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"], DeleteOptions())
            except E.ApiError:
                pass

    # ---- status (sync.go calculateStatus, progress.go) ----
    def _cond(self, type_: str, status: str, reason: str, message: str) -> dict[str, Any]:
        now = self.clock.iso()
        return {"type": type_, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
                "reason": reason, "message": message}

    def _calculate_status(self, d: dict[str, Any], all_rss: list[dict[str, Any]], new: dict[str, Any] | None) -> dict[str, Any]:
        available = sum(_status(rs, "availableReplicas") for rs in all_rss)
        counts = {
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": sum(_status(rs, "replicas") for rs in all_rss),
            "updatedReplicas": _status(new, "replicas"),
            "readyReplicas": sum(_status(rs, "readyReplicas") for rs in all_rss),
            "availableReplicas": available,
            "unavailableReplicas": max(0, sum(_replicas(rs) for rs in all_rss) - available),
        }
        status: dict[str, Any] = {k: v for k, v in counts.items() if v}
        status["conditions"] = list(d["status"].get("conditions") or [])
        if d["status"].get("collisionCount"):
            status["collisionCount"] = d["status"]["collisionCount"]
        if available >= _replicas(d) - max_unavailable(d):
            _set_condition(status, self._cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."))
        else:
            _set_condition(status, self._cond("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."))
        d["status"] = status
        return status

    def _complete(self, d: dict[str, Any], status: dict[str, Any]) -> bool:
        desired = _replicas(d)
        return (status.get("updatedReplicas", 0) == desired and status.get("replicas", 0) == desired
                and status.get("availableReplicas", 0) == desired
                and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1))

    def _sync_rollout_status(self, d: dict[str, Any], all_rss: list[dict[str, Any]], new: dict[str, Any] | None) -> None:
        old_status = d["status"]
        status = self._calculate_status(d, all_rss, new)
        key = (d["metadata"]["namespace"], d["metadata"]["name"])
        if not _has_deadline(d):
            _remove_condition(status, "Progressing")
        else:
            current = _condition(status, "Progressing")
            complete = status.get("replicas", 0) == status.get("updatedReplicas", 0) and current is not None \
                and current.get("reason") == "NewReplicaSetAvailable"
            subject = f'ReplicaSet "{new["metadata"]["name"]}"' if new else f'Deployment "{d["metadata"]["name"]}"'
            if not complete:
                if self._complete(d, status):
                    _set_condition(status, self._cond("Progressing", "True", "NewReplicaSetAvailable", f"{subject} has successfully progressed."))
                elif self._progressing(old_status, status):
                    cond = self._cond("Progressing", "True", "ReplicaSetUpdated", f"{subject} is progressing.")
                    if current is not None:
                        if current["status"] == "True":
                            cond["lastTransitionTime"] = current.get("lastTransitionTime")
                        _remove_condition(status, "Progressing")
                    status["conditions"].append(cond)
                elif self._timed_out(d, status):
                    _set_condition(status, self._cond("Progressing", "False", "ProgressDeadlineExceeded", f"{subject} has timed out progressing."))
            self._requeue_stuck(d, status, key)
        failure = _condition(new.get("status") or {}, "ReplicaFailure") if new else None
        if failure is not None and failure.get("status") == "True":
            _set_condition(status, {**failure, "lastUpdateTime": failure.get("lastTransitionTime")})
        else:
            _remove_condition(status, "ReplicaFailure")

    @staticmethod
    def _progressing(old: dict[str, Any], new: dict[str, Any]) -> bool:
        old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
        new_old = new.get("replicas", 0) - new.get("updatedReplicas", 0)
        return (new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_old < old_old
                or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
                or new.get("availableReplicas", 0) > old.get("availableReplicas", 0))

    def _timed_out(self, d: dict[str, Any], status: dict[str, Any]) -> bool:
        cond = _condition(status, "Progressing")
        if cond is None or cond.get("reason") == "NewReplicaSetAvailable":
            return False
        if cond.get("reason") == "ProgressDeadlineExceeded":
            return True
        since = parse_time(cond.get("lastUpdateTime"))
        return since is not None and since + d["spec"]["progressDeadlineSeconds"] < self.clock.now()

    def _requeue_stuck(self, d: dict[str, Any], status: dict[str, Any], key: ObjectKey) -> None:
        """Re-check when the progress deadline passes (wall-clock, as the condition's timestamps are)."""
        timer = self._deadline_timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        cond = _condition(status, "Progressing")
        if cond is None or cond.get("reason") in ("NewReplicaSetAvailable", "ProgressDeadlineExceeded") or self._complete(d, status):
            return
        since = parse_time(cond.get("lastUpdateTime"))
        if since is None:
            return
        after = max(0.0, since + d["spec"]["progressDeadlineSeconds"] - self.clock.now()) + 1
        self._deadline_timers[key] = asyncio.get_running_loop().call_later(after, self.enqueue, key)

    def _paused_conditions(self, d: dict[str, Any]) -> None:
        if not _has_deadline(d):
            return
        cond = _condition(d["status"], "Progressing")
        if cond is not None and cond.get("reason") == "ProgressDeadlineExceeded":
            return
        paused_cond = cond is not None and cond.get("reason") == "DeploymentPaused"
        if d["spec"].get("paused") and not paused_cond:
            _set_condition(d["status"], self._cond("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"))
        elif not d["spec"].get("paused") and paused_cond:
            _set_condition(d["status"], self._cond("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"))

    async def stop(self) -> None:
        for timer in self._deadline_timers.values():
            timer.cancel()
        self._deadline_timers.clear()
        await super().stop()


CONTROLLERS = [DeploymentController]
