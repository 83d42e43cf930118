"""The StatefulSet controller: pods with stable names `<set>-<ordinal>`, created and removed in order.

Follows pkg/controller/statefulset/stateful_set_control.go: OrderedReady creates one pod at a time, each
once its predecessor is Running and Ready, and scales down from the highest ordinal; Parallel does not
wait. A deleted pod comes back with the same name. RollingUpdate replaces pods from the highest ordinal
down to the partition, one at a time. Pod templates are not kept per revision (there are no
ControllerRevisions here), so every pod is created from the current template.
"""

from __future__ import annotations

from typing import Any

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions, deep_copy
from ..selectors import selector_from_object
from ..store import Event
from .base import Controller, ObjectKey
from .deployment import template_hash
from .replicaset import (
    available_in,
    claim,
    controller_ref,
    is_ready,
    is_terminating,
    orphan_changed,
    owner_ref,
    selector_candidates,
)

REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def _ordinal(set_name: str, pod: dict[str, Any]) -> int | None:
    name = pod["metadata"]["name"]
    prefix = set_name + "-"
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix):]
    return int(rest) if rest.isdigit() and (rest == "0" or not rest.startswith("0")) else None


def _running_and_ready(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and is_ready(pod)


def _healthy(pod: dict[str, Any]) -> bool:
    return _running_and_ready(pod) and not is_terminating(pod)


def _finished(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded")


class StatefulSetController(Controller[ObjectKey]):
    name = "statefulset-controller"

    def keys_for(self, ev: Event) -> list[ObjectKey]:
        md = ev.obj["metadata"]
        if ev.rt is R.STATEFULSETS:
            return [(md["namespace"], md["name"])]
        if ev.rt is not R.PODS:
            return []
        ref = controller_ref(ev.obj)
        if ref is not None:
            return [(md["namespace"], ref["name"])] if ref.get("kind") == "StatefulSet" else []
        if not orphan_changed(ev):
            return []
        labels = md.get("labels") or {}
        return [(md["namespace"], s["metadata"]["name"]) for s in self.store.list(R.STATEFULSETS, md["namespace"])
                if selector_from_object(s["spec"].get("selector")).matches(labels) and _ordinal(s["metadata"]["name"], ev.obj) is not None]

    def _pods(self, sts: dict[str, Any]) -> list[dict[str, Any]]:
        uid = sts["metadata"]["uid"]
        name = sts["metadata"]["name"]
        owned = [p for p in self.gc.dependents(uid, R.PODS) if (controller_ref(p) or {}).get("uid") == uid]
        candidates = [p for p in selector_candidates(self.store, R.PODS, sts["metadata"]["namespace"], sts["spec"].get("selector"))
                      if _ordinal(name, p) is not None]
        return claim(self.api, R.PODS, sts, sts["spec"].get("selector"), candidates, owned)

    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        sts = self.store.get(R.STATEFULSETS, ns, name)
        if sts is None:
            return
        update_revision = f"{name}-{template_hash(sts['spec']['template'], (sts.get('status') or {}).get('collisionCount'))}"
        if not is_terminating(sts):
            self._manage(sts, self._pods(sts), update_revision)
        self._write_status(sts, self._pods(sts), update_revision)

    def _manage(self, sts: dict[str, Any], pods: list[dict[str, Any]], update_revision: str) -> None:
        spec = sts["spec"]
        name = sts["metadata"]["name"]
        start = (spec.get("ordinals") or {}).get("start", 0)
        end = start + spec.get("replicas", 1)
        monotonic = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        by_ordinal: dict[int, dict[str, Any]] = {}
        for p in pods:
            o = _ordinal(name, p)
            if o is not None:
                by_ordinal[o] = p
        # Replicas: create the missing, replace the finished, wait for the unready (OrderedReady).
        for o in range(start, end):
            pod = by_ordinal.get(o)
            if pod is not None and _finished(pod) and not is_terminating(pod):
                self._delete(sts, pod)
                if monotonic:
                    return
                continue
            if pod is None:
                self._create(sts, o, update_revision)
                if monotonic:
                    return
                continue
            if monotonic and not _healthy(pod):
                return
        # Condemned: ordinals out of range go, highest first.
        condemned = sorted((o for o in by_ordinal if not start <= o < end), reverse=True)
        unhealthy = [o for o, p in sorted(by_ordinal.items()) if not _healthy(p)]
        for o in condemned:
            pod = by_ordinal[o]
            if is_terminating(pod):
                if monotonic:
                    return
                continue
            if monotonic and unhealthy and unhealthy[0] != o:
                return
            self._delete(sts, pod)
            if monotonic:
                return
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0)
        for o in range(end - 1, max(start + partition, start) - 1, -1):
            pod = by_ordinal.get(o)
            if pod is None:
                return
            if (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) != update_revision and not is_terminating(pod):
                self._delete(sts, pod)
                return
            if not _healthy(pod):
                return

    def _create(self, sts: dict[str, Any], ordinal: int, revision: str) -> None:
        name = sts["metadata"]["name"]
        pod_name = f"{name}-{ordinal}"
        template = sts["spec"].get("template") or {}
        tmd = template.get("metadata") or {}
        labels = dict(tmd.get("labels") or {})
        labels.update({REVISION_LABEL: revision, POD_NAME_LABEL: pod_name, POD_INDEX_LABEL: str(ordinal)})
        md: dict[str, Any] = {"name": pod_name, "labels": labels, "ownerReferences": [owner_ref(sts)]}
        if tmd.get("annotations"):
            md["annotations"] = deep_copy(tmd["annotations"])
        spec = deep_copy(template.get("spec") or {})
        spec["hostname"] = pod_name
        if sts["spec"].get("serviceName"):
            spec["subdomain"] = sts["spec"]["serviceName"]
        claims = sts["spec"].get("volumeClaimTemplates") or []
        if claims:
            volumes = [v for v in spec.get("volumes") or [] if v.get("name") not in {c["metadata"].get("name") for c in claims}]
            for c in claims:
                claim_name = c["metadata"].get("name")
                volumes.append({"name": claim_name, "persistentVolumeClaim": {"claimName": f"{claim_name}-{pod_name}"}})
            spec["volumes"] = volumes
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec}
        try:
            self.api.create(R.PODS, sts["metadata"]["namespace"], pod)
        except E.ApiError as err:
            self.cluster.recorder.record(sts, "Warning", "FailedCreate",
                                         f"create Pod {pod_name} in StatefulSet {name} failed error: {err.message}", self.name)
            return
        self.cluster.recorder.record(sts, "Normal", "SuccessfulCreate", f"create Pod {pod_name} in StatefulSet {name} successful", self.name)

    def _delete(self, sts: dict[str, Any], pod: dict[str, Any]) -> None:
        pod_name = pod["metadata"]["name"]
        try:
            self.api.delete(R.PODS, pod["metadata"]["namespace"], pod_name,
                            DeleteOptions(preconditions={"uid": pod["metadata"]["uid"]}))
        except E.ApiError:
            return
        self.cluster.recorder.record(sts, "Normal", "SuccessfulDelete",
                                     f"delete Pod {pod_name} in StatefulSet {sts['metadata']['name']} successful", self.name)

    def _write_status(self, sts: dict[str, Any], pods: list[dict[str, Any]], update_revision: str) -> None:
        old = sts.get("status") or {}
        current_revision = old.get("currentRevision") or update_revision
        now = self.clock.now()
        min_ready = sts["spec"].get("minReadySeconds") or 0
        replicas = ready = available = current = updated = 0
        for p in pods:
            replicas += 1
            if _running_and_ready(p):
                ready += 1
                if available_in(p, min_ready, now) == 0:
                    available += 1
            if not is_terminating(p):
                rev = (p["metadata"].get("labels") or {}).get(REVISION_LABEL)
                current += rev == current_revision
                updated += rev == update_revision
        strategy = (sts["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
        if strategy == "RollingUpdate" and updated == replicas and ready == replicas:
            current_revision, current = update_revision, updated
        elif strategy == "OnDelete" and current == 0 and updated == replicas:
            current_revision, current = update_revision, updated
        status: dict[str, Any] = {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": replicas}
        for field, value in (("readyReplicas", ready), ("currentReplicas", current), ("updatedReplicas", updated)):
            if value:
                status[field] = value
        status["currentRevision"] = current_revision
        status["updateRevision"] = update_revision
        status["collisionCount"] = old.get("collisionCount", 0)
        status["availableReplicas"] = available
        self.api.write_status(R.STATEFULSETS, sts, status)


CONTROLLERS = [StatefulSetController]
