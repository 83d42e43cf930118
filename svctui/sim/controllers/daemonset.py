"""The DaemonSet controller: one pod per node the template fits (nodeSelector, taints), placed directly.

pkg/controller/daemon, simplified: the pod gets the node's name (and the matchFields node affinity the
real controller sets) instead of going through the scheduler; a missing pod is recreated, a pod on a node
that no longer fits is deleted; status counts as printDaemonSet reads them. Rolling updates of the
template are not simulated (existing pods stay).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions, deep_copy
from ..store import Event
from .base import Controller, ObjectKey
from .replicaset import controller_ref, is_ready, owner_ref

# What the controller adds to every daemon pod (pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations).
_DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


def _tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t.get("key") == taint.get("key"):
                return True
        elif t.get("key") == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def fits(template_spec: dict[str, Any], node: dict[str, Any]) -> bool:
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (template_spec.get("nodeSelector") or {}).items()):
        return False
    tolerations = template_spec.get("tolerations") or []
    return all(_tolerates(tolerations, t) for t in (node.get("spec") or {}).get("taints") or []
               if t.get("effect") in ("NoSchedule", "NoExecute"))


class DaemonSetController(Controller[ObjectKey]):
    name = "daemonset-controller"

    def keys_for(self, ev: Event) -> list[ObjectKey]:
        md = ev.obj["metadata"]
        if ev.rt is R.DAEMONSETS:
            return [(md.get("namespace", ""), md["name"])]
        if ev.rt is R.PODS:
            ref = controller_ref(ev.obj)
            if ref and ref.get("kind") == "DaemonSet":
                return [(md.get("namespace", ""), ref["name"])]
        if ev.rt is R.NODES:
            return [(d["metadata"]["namespace"], d["metadata"]["name"]) for d in self.store.list(R.DAEMONSETS, None)]
        return []

    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        ds = self.store.get(R.DAEMONSETS, ns, name)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        template = ds["spec"].get("template") or {}
        uid = ds["metadata"]["uid"]
        pods = [p for p in self.store.list(R.PODS, ns) if (controller_ref(p) or {}).get("uid") == uid
                and not p["metadata"].get("deletionTimestamp")]
        by_node: dict[str, list[dict[str, Any]]] = {}
        for p in pods:
            by_node.setdefault(p["spec"].get("nodeName") or "", []).append(p)
        wanted = [n for n in self.store.list(R.NODES, None) if fits(template.get("spec") or {}, n)]
        wanted_names = {n["metadata"]["name"] for n in wanted}
        for node_name, on_node in by_node.items():
            extra = on_node[1:] if node_name in wanted_names else on_node
            for p in extra:
                self._delete(p)
        for node in wanted:
            if not by_node.get(node["metadata"]["name"]):
                self._create(ds, node["metadata"]["name"])
        placed = [by_node[n][0] for n in sorted(wanted_names) if by_node.get(n)]
        ready = sum(1 for p in placed if is_ready(p))
        status = {"currentNumberScheduled": len(placed), "desiredNumberScheduled": len(wanted_names),
                  "numberMisscheduled": 0, "numberReady": ready, "observedGeneration": ds["metadata"].get("generation", 1),
                  "updatedNumberScheduled": len(placed)}
        if ready:
            status["numberAvailable"] = ready
        if len(wanted_names) - ready:
            status["numberUnavailable"] = len(wanted_names) - ready
        if status != ds.get("status"):
            self.api.write_status(R.DAEMONSETS, ds, status)

    def _create(self, ds: dict[str, Any], node: str) -> None:
        template = ds["spec"].get("template") or {}
        tmd = template.get("metadata") or {}
        spec = deep_copy(template.get("spec") or {})
        spec["nodeName"] = node
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}}}
        have = spec.setdefault("tolerations", [])
        for t in _DAEMON_TOLERATIONS:
            if t not in have:
                have.append(dict(t))
        labels = deep_copy(tmd.get("labels") or {})
        revision = hashlib.sha256(repr(sorted(template.items())).encode()).hexdigest()[:10]
        labels.update({"controller-revision-hash": revision,
                       "pod-template-generation": str(ds["metadata"].get("generation", 1))})
        md: dict[str, Any] = {"generateName": ds["metadata"]["name"] + "-", "labels": labels,
                              "ownerReferences": [owner_ref(ds)]}
        if tmd.get("annotations"):
            md["annotations"] = deep_copy(tmd["annotations"])
        try:
            pod = self.api.create(R.PODS, ds["metadata"]["namespace"], {"apiVersion": "v1", "kind": "Pod",
                                                                        "metadata": md, "spec": spec})
        except E.ApiError as exc:
            self.cluster.recorder.record(ds, "Warning", "FailedCreate", f"Error creating: {exc.message}",
                                         "daemonset-controller")
            return
        self.cluster.recorder.record(ds, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}",
                                     "daemonset-controller")

    def _delete(self, pod: dict[str, Any]) -> None:
        try:
            self.api.delete(R.PODS, pod["metadata"]["namespace"], pod["metadata"]["name"], DeleteOptions())
        except E.ApiError:
            pass


CONTROLLERS = [DaemonSetController]
