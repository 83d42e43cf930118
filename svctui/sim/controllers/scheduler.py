"""default-scheduler: binds pending pods to nodes.

Filters, in the order the default plugins run (a node is counted under the first one it fails):
NodeUnschedulable, TaintToleration (NoSchedule/NoExecute; a NotReady node counts as tainted not-ready),
NodeAffinity (nodeSelector and required node affinity), NodeResourcesFit (pods, cpu, memory requests).
Among the nodes left, the one with the fewest pods wins (spreading replicas); ties are broken with the
cluster's seeded rng. A pod that fits nowhere gets PodScheduled=False/Unschedulable and a FailedScheduling
event worded as the real scheduler's, and is retried when nodes change or a pod leaves.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from .. import quantity
from .. import resources as R
from ..kinds.pods import bind, pod_requests
from ..store import ADDED, DELETED, Event
from .base import Controller, ObjectKey

if TYPE_CHECKING:
    from ..cluster import Cluster

SCHEDULER_NAME = "default-scheduler"
_NOT_HELPFUL = "Preemption is not helpful for scheduling"
_NO_VICTIMS = "No preemption victims found for incoming pod"


class Scheduler(Controller[ObjectKey]):
    name = "scheduler"

    def __init__(self, cluster: Cluster):
        super().__init__(cluster)
        # node -> pod uid -> (cpu millicores, memory bytes) of the pods bound there and not finished
        self.usage: dict[str, dict[str, tuple[int, int]]] = {}
        self.unschedulable: set[ObjectKey] = set()

    def keys_for(self, ev: Event) -> list[ObjectKey]:
        if ev.rt is R.NODES:
            return list(self.unschedulable) if ev.type != DELETED else []
        if ev.rt is not R.PODS:
            return []
        freed = self._account(ev)
        md = ev.obj["metadata"]
        key = (md.get("namespace", ""), md["name"])
        if ev.type == DELETED:
            self.unschedulable.discard(key)
            return list(self.unschedulable) if freed else []
        spec = ev.obj.get("spec") or {}
        if spec.get("nodeName") or spec.get("schedulerName", SCHEDULER_NAME) != SCHEDULER_NAME or md.get("deletionTimestamp"):
            return list(self.unschedulable) if freed else []
        if ev.type == ADDED or key not in self.unschedulable or (ev.old or {}).get("spec") != spec:
            return [key]
        return []

    def _account(self, ev: Event) -> bool:
        """Keep per-node usage current; True when capacity was freed."""
        uid = ev.obj["metadata"].get("uid", "")
        old_node = ((ev.old or {}).get("spec") or {}).get("nodeName")
        node = (ev.obj.get("spec") or {}).get("nodeName")
        done = (ev.obj.get("status") or {}).get("phase") in ("Succeeded", "Failed")
        if ev.type == DELETED or done or not node:
            if old_node or node:
                return self.usage.get(node or old_node or "", {}).pop(uid, None) is not None
            return False
        if uid not in self.usage.get(node, {}):
            self.usage.setdefault(node, {})[uid] = pod_requests(ev.obj["spec"])
        return False

    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        pod = self.store.get(R.PODS, ns, name)
        if pod is None or pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            self.unschedulable.discard(key)
            return
        nodes = sorted(self.store.list(R.NODES), key=lambda n: n["metadata"]["name"])
        fits: list[str] = []
        failures: Counter[str] = Counter()
        resource_failures = 0
        cpu, mem = pod_requests(pod["spec"])
        for node in nodes:
            reasons = self._filter(pod, node, cpu, mem)
            if not reasons:
                fits.append(node["metadata"]["name"])
                continue
            if reasons[0].startswith("Insufficient") or reasons[0] == "Too many pods":
                resource_failures += 1
            for r in reasons:
                failures[r] += 1
        if not fits:
            self._unschedulable(key, pod, len(nodes), failures, resource_failures)
            return
        self.unschedulable.discard(key)
        least = min(len(self.usage.get(n, {})) for n in fits)
        choice = self.cluster.rng.choice([n for n in fits if len(self.usage.get(n, {})) == least])
        bound = bind(self.api, pod, choice)
        self.usage.setdefault(choice, {})[pod["metadata"]["uid"]] = (cpu, mem)
        self.cluster.recorder.record(bound, "Normal", "Scheduled",
                                     f"Successfully assigned {ns}/{name} to {choice}", SCHEDULER_NAME)

    def _filter(self, pod: dict[str, Any], node: dict[str, Any], cpu: int, mem: int) -> list[str]:
        spec = node.get("spec") or {}
        tolerations = pod["spec"].get("tolerations") or []
        if spec.get("unschedulable") and not _tolerates(tolerations, {"key": "node.kubernetes.io/unschedulable",
                                                                      "effect": "NoSchedule"}):
            return ["node(s) were unschedulable"]
        taints = list(spec.get("taints") or [])
        if not _ready(node):
            taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
        for taint in taints:
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerates(tolerations, taint):
                return [f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"]
        if not _matches_affinity(pod["spec"], node["metadata"].get("labels") or {}):
            return ["node(s) didn't match Pod's node affinity/selector"]
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        used = self.usage.get(node["metadata"]["name"], {})
        reasons = []
        if "pods" in allocatable and len(used) + 1 > quantity.units(allocatable["pods"]):
            reasons.append("Too many pods")
        if cpu and cpu + sum(u[0] for u in used.values()) > quantity.milli(allocatable.get("cpu", 0)):
            reasons.append("Insufficient cpu")
        if mem and mem + sum(u[1] for u in used.values()) > quantity.units(allocatable.get("memory", 0)):
            reasons.append("Insufficient memory")
        return reasons

    def _unschedulable(self, key: ObjectKey, pod: dict[str, Any], total: int, failures: Counter,
                       resource_failures: int) -> None:
        """Record the FitError as the scheduler does: condition, then a FailedScheduling event."""
        parts = sorted(f"{n} {reason}" for reason, n in failures.items())
        message = f"0/{total} nodes are available"
        message += (": " + ", ".join(parts) + "." if parts else ".")
        preemption = []
        if total - resource_failures:
            preemption.append(f"{total - resource_failures} {_NOT_HELPFUL}")
        if resource_failures:
            preemption.append(f"{resource_failures} {_NO_VICTIMS}")
        message += f" preemption: 0/{total} nodes are available: " + ", ".join(sorted(preemption)) + "."
        self.unschedulable.add(key)
        status = dict(pod.get("status") or {})
        old = next((c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"), None)
        cond = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message,
                "lastProbeTime": None,
                "lastTransitionTime": old["lastTransitionTime"] if old and old.get("status") == "False" else self.clock.iso()}
        status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"] + [cond]
        stored = self.api.write_status(R.PODS, pod, status)
        self.cluster.recorder.record(stored, "Warning", "FailedScheduling", message, SCHEDULER_NAME)


def _ready(node: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (node.get("status") or {}).get("conditions") or [])


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


def _matches_affinity(spec: dict[str, Any], labels: dict[str, str]) -> bool:
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms")
    if not terms:
        return True
    return any(_term_matches(t, labels) for t in terms)


def _term_matches(term: dict[str, Any], labels: dict[str, str]) -> bool:
    exprs = term.get("matchExpressions") or []
    if not exprs and not term.get("matchFields"):
        return False
    for e in exprs:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        value = labels.get(key)
        if op == "In" and value not in values:
            return False
        if op == "NotIn" and value in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        if op in ("Gt", "Lt"):
            try:
                a, b = int(value or ""), int(values[0])
            except (ValueError, IndexError):
                return False
            if (op == "Gt" and not a > b) or (op == "Lt" and not a < b):
                return False
    return True


CONTROLLERS = [Scheduler]
