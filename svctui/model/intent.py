"""How many ready endpoints a Service is meant to have, from its workloads' spec.replicas.

A pod's controller ownerReference leads to a ReplicaSet (and from there to its Deployment) or a
StatefulSet; the Service's desired count is the sum of spec.replicas over the distinct top-level
workloads of the pods it selects. During a rollout a Deployment's old and new ReplicaSets both lead
to the Deployment, so it counts once, at its own spec.replicas (the surge is not intent).

Unknown is said as None, and the churn ledger then keeps its history-based rule: a selectorless
Service, a selected pod without a controller or with another kind of one (DaemonSet, Job), a workload
svctui has not listed (forbidden, or its list not in yet) or that is gone.

`WorkloadIndex` answers the reverse question for the watch path: which Services does a change of
spec.replicas (or a workload appearing or going) touch. Deployments' status changes with every pod
readiness change; those deltas touch nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, cast

from .objects import Key, Pod, Workload
from .store import DEPLOYMENT, POD, REPLICASET, STATEFULSET, WORKLOAD_KINDS, Delta, Store

if TYPE_CHECKING:
    from .cluster import ClusterModel

# (namespace, owner kind, owner name): the parent a pod or a ReplicaSet points at.
Owner = tuple[str, str, str]


def top_workload(store: Store, listed: Callable[[str, str], bool], pod: Pod) -> Workload | None:
    """The Deployment or StatefulSet (or a Deployment-less ReplicaSet) a pod belongs to, if known."""
    ns, kind, name = pod.namespace, pod.owner_kind, pod.owner_name
    if not name or kind not in (REPLICASET, STATEFULSET) or not listed(kind, ns):
        return None
    w = store.workloads[kind].get((ns, name))
    if w is None or w.kind != REPLICASET or w.owner_kind is None:
        return w
    if w.owner_kind != DEPLOYMENT or not w.owner_name or not listed(DEPLOYMENT, ns):
        return None  # a ReplicaSet managed by something svctui does not read (an Argo Rollout, ...)
    return store.workloads[DEPLOYMENT].get((ns, w.owner_name))


def desired_count(store: Store, listed: Callable[[str, str], bool], pods: Iterable[Pod]) -> int | None:
    """Sum of spec.replicas over the pods' distinct workloads; None when any pod's is unknown or
    there are no pods (nothing says what the Service should have)."""
    tops: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str | None, str | None], Workload] = {}  # pods of a ReplicaSet share the answer
    for p in pods:
        owner = (p.owner_kind, p.owner_name)
        w = seen.get(owner)
        if w is None:
            w = top_workload(store, listed, p)
            if w is None:
                return None
            seen[owner] = w
        tops[(w.kind, w.name)] = w.replicas
    return sum(tops.values()) if tops else None


def desired(model: ClusterModel, key: Key) -> int | None:
    """The Service's desired ready count, or None (keep the history-based rule)."""
    svc = model.store.services.get(key)
    if svc is None or not svc.has_selector:
        return None
    # Terminating pods count too: during a scale to 0 they are the only link to the workload.
    pods = model.store.pods
    return desired_count(model.store, model.listed, (pods[k] for k in model.topology.selected_keys(key)))


def _relevant(d: Delta) -> bool:
    if d.old is None or d.new is None:
        return True
    old, new = cast(Workload, d.old), cast(Workload, d.new)
    return (old.replicas, old.owner_kind, old.owner_name) != (new.replicas, new.owner_kind, new.owner_name)


class WorkloadIndex:
    """Children by owner (pods under ReplicaSets and StatefulSets, ReplicaSets under Deployments)."""

    def __init__(self) -> None:
        self._children: dict[Owner, set[Key]] = {}

    def _move(self, kind: str, key: Key, old: Pod | Workload | None, new: Pod | Workload | None) -> None:
        for obj, add in ((old, False), (new, True)):
            if obj is None or not obj.owner_kind or not obj.owner_name:
                continue
            owner = (key[0], obj.owner_kind, obj.owner_name)
            if add:
                self._children.setdefault(owner, set()).add(key)
            else:
                kids = self._children.get(owner)
                if kids is not None:
                    kids.discard(key)
                    if not kids:
                        del self._children[owner]

    def apply(self, deltas: Iterable[Delta], store: Store, services_of: Callable[[Pod], set[Key]]) -> set[Key]:
        """Index the batch; returns the Services whose desired count may have changed with it."""
        changed: list[Workload] = []
        for d in deltas:
            if d.kind == POD:
                self._move(POD, d.key, cast("Pod | None", d.old), cast("Pod | None", d.new))
            elif d.kind in WORKLOAD_KINDS:
                if d.kind == REPLICASET:
                    self._move(REPLICASET, d.key, cast("Workload | None", d.old), cast("Workload | None", d.new))
                if _relevant(d):
                    changed.append(cast(Workload, d.new if d.new is not None else d.old))
        touched: set[Key] = set()
        for w in changed:
            for pod in self._pods_under(store, w):
                touched |= services_of(pod)
        return touched

    def _pods_under(self, store: Store, w: Workload) -> list[Pod]:
        ns = w.namespace
        if w.kind == DEPLOYMENT:
            sets = [(ns, REPLICASET, rs[1]) for rs in self._children.get((ns, DEPLOYMENT, w.name), ())]
        else:
            sets = [(ns, w.kind, w.name)]
        pods = store.pods
        return [pods[k] for owner in sets for k in self._children.get(owner, ()) if k in pods]
