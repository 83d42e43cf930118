"""What ctrl+d would delete for the selected row: one pod (a pod or endpoint row), or every pod the
selected Service's selector matches; or why nothing can be offered. A pure function of the model, so
the confirmation shows exactly what will be asked of the API server (each delete carries the uid shown
here as a precondition: see kube/actions.py)."""

from __future__ import annotations

from dataclasses import dataclass

from .cluster import ClusterModel
from .objects import Key
from .selector import selector_text
from .store import POD


@dataclass(frozen=True, slots=True)
class PodRef:
    namespace: str
    name: str
    uid: str = ""

    @property
    def text(self) -> str:
        return f"pod/{self.name} -n {self.namespace}"


@dataclass(frozen=True, slots=True)
class DeletePlan:
    title: str  # the confirmation's question
    pods: tuple[PodRef, ...]
    equivalent: str  # the kubectl command that would do the same


def delete_plan(model: ClusterModel, kind: str | None, key: Key | None, item: str | None = None) -> DeletePlan | str:
    """For a tree row (kind "ns" | "svc" | "ep" | "pod" | "ghost", the Service key, and for ep the
    endpoint address, for pod the pod name): the plan, or a one-line reason there is none."""
    if kind is None or kind == "ns" or key is None:
        return "select a Service or an endpoint to delete pods"
    ns = key[0]
    topo = model.topology
    if kind in ("ep", "svc") and not model.pods_known(ns):
        # Which pods are behind it is not known: "no pods match" would be a claim.
        gap = next(iter(model.access.gaps(ns, (POD,))), None)
        return f"{gap.text}: svctui cannot tell which pods to delete" if gap else f"the pods of {ns} are not listed yet"
    if kind == "ep":
        view = topo.view(key)
        row = view.rows.get(item or "") if view else None
        if row is None:
            return "that endpoint is gone"
        pod, _ = topo.pod_for(ns, row.endpoint)
        if pod is None:
            return f"no pod known behind {item}"
        return (DeletePlan(f"Delete pod {pod.namespace}/{pod.name} ({item})?",
                           (PodRef(pod.namespace, pod.name, pod.uid),),
                           f"kubectl delete pod {pod.name} -n {pod.namespace}"))
    if kind == "pod":
        pod = model.store.pods.get((ns, item or ""))
        if pod is None:
            return "that pod is gone"
        return DeletePlan(f"Delete pod {ns}/{pod.name}?", (PodRef(ns, pod.name, pod.uid),),
                          f"kubectl delete pod {pod.name} -n {ns}")
    if kind == "ghost":
        return "that endpoint is already gone"
    svc = model.store.services.get(key)
    if svc is None or not svc.has_selector:
        return f"{ns}/{key[1]} has no selector: svctui cannot tell which pods are behind it"
    sel = selector_text(svc.selector or ())
    pods = [p for p in topo.selected_pods(key) if not p.deleting]
    if not pods:
        return f"no pods match {sel} in {ns}"
    what = "the pod" if len(pods) == 1 else f"all {len(pods)} pods"
    return (DeletePlan(f"Delete {what} behind Service {ns}/{key[1]} (selector {sel})?",
                       tuple(PodRef(p.namespace, p.name, p.uid) for p in pods),
                       f"kubectl delete pods -l {sel} -n {ns}"))
