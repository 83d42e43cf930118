"""What the Endpoints and EndpointSlice controllers share: finding the Services that select a pod, and
the part of a pod they publish.

Both must scale to 10,000 Services and 100,000 pods, so a pod event never scans all Services: each
Service sits in the index under one pair of its selector, and a pod's labels find the candidates.
Pod updates that change nothing a controller publishes (most kubelet status writes) wake no Service.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from .. import resources as R
from ..store import ADDED, DELETED, MODIFIED, Event
from .base import Controller, ObjectKey

if TYPE_CHECKING:
    from ..cluster import Cluster

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
HEADLESS_LABEL = "service.kubernetes.io/headless"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
ZONE_LABEL = "topology.kubernetes.io/zone"

Key = tuple[str, str]


def selector_of(svc: dict[str, Any] | None) -> dict[str, str] | None:
    """The Service's selector, or None when the controllers leave it alone (an empty one counts as none)."""
    if svc is None:
        return None
    return (svc.get("spec") or {}).get("selector") or None


def service_ip_set(svc: dict[str, Any]) -> bool:
    ip = (svc.get("spec") or {}).get("clusterIP")
    return bool(ip) and ip != "None"


def owner_ref(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj["metadata"]
    return {"apiVersion": obj.get("apiVersion", "v1"), "kind": obj["kind"], "name": md["name"], "uid": md["uid"],
            "controller": True, "blockOwnerDeletion": True}


class SelectorIndex:
    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str, str], set[str]] = {}
        self._entries: dict[Key, tuple[dict[str, str], tuple[str, str, str]]] = {}

    def set(self, namespace: str, name: str, selector: dict[str, str] | None) -> None:
        key = (namespace, name)
        previous = self._entries.pop(key, None)
        if previous is not None:
            bucket = self._buckets[previous[1]]
            bucket.discard(name)
            if not bucket:
                del self._buckets[previous[1]]
        if selector:
            # The least shared pair keeps the candidate lists short.
            pair = min(((namespace, k, v) for k, v in sorted(selector.items())), key=lambda b: len(self._buckets.get(b, ())))
            self._buckets.setdefault(pair, set()).add(name)
            self._entries[key] = (dict(selector), pair)

    def matching(self, namespace: str, labels: dict[str, str] | None) -> builtins.set[str]:
        out: builtins.set[str] = set()
        if not labels:
            return out
        for k, v in labels.items():
            for name in self._buckets.get((namespace, k, v), ()):
                selector = self._entries[(namespace, name)][0]
                if all(labels.get(sk) == sv for sk, sv in selector.items()):
                    out.add(name)
        return out

    def keys(self) -> list[Key]:
        return list(self._entries)


# ---- pods ----

def pod_ready(pod: dict[str, Any]) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def pod_ips(pod: dict[str, Any]) -> list[str]:
    status = pod.get("status") or {}
    ips = [p.get("ip") for p in status.get("podIPs") or [] if p.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    return ips


def pod_in_endpoints(pod: dict[str, Any], include_terminating: bool) -> bool:
    """endpointsliceutil.ShouldPodBeInEndpoints."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    if not pod_ips(pod):
        return False
    return include_terminating or not pod["metadata"].get("deletionTimestamp")


def find_port(pod: dict[str, Any], svc_port: dict[str, Any]) -> int | None:
    """podutil.FindPort: a number is used as is; a name is looked up in the pod's (sidecar) containers."""
    target = svc_port.get("targetPort", svc_port.get("port"))
    if not isinstance(target, str):
        return target
    protocol = svc_port.get("protocol", "TCP")
    spec = pod.get("spec") or {}
    sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in (spec.get("containers") or []) + sidecars:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return port.get("containerPort")
    return None


def _container_ports(pod: dict[str, Any]) -> tuple:
    spec = pod.get("spec") or {}
    return tuple((p.get("name"), p.get("protocol", "TCP"), p.get("containerPort"))
                 for c in (spec.get("containers") or []) + (spec.get("initContainers") or []) for p in c.get("ports") or [])


def endpoint_view(pod: dict[str, Any] | None) -> tuple | None:
    """Everything of a pod either controller publishes; None when the pod is in no endpoints at all."""
    if pod is None or not pod_in_endpoints(pod, True):
        return None
    md = pod["metadata"]
    spec = pod.get("spec") or {}
    return (md.get("uid"), tuple(pod_ips(pod)), pod_ready(pod), bool(md.get("deletionTimestamp")), spec.get("nodeName"),
            spec.get("hostname"), spec.get("subdomain"), _container_ports(pod))


def pod_trigger_time(pod: dict[str, Any]) -> str | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("lastTransitionTime")
    return None


class ServicePodsController(Controller[ObjectKey]):
    """Syncs one Service at a time, keyed (namespace, name), woken by its own and its pods' changes."""

    def __init__(self, cluster: Cluster):
        super().__init__(cluster)
        self.index = SelectorIndex()
        self._triggers: dict[Key, str] = {}
        self._writing = False
        for svc in self.store.iter(R.SERVICES):
            md = svc["metadata"]
            self.index.set(md["namespace"], md["name"], selector_of(svc))
            self.enqueue((md["namespace"], md["name"]))

    def keys_for(self, ev: Event) -> list[ObjectKey]:
        if ev.rt is R.SERVICES:
            return self._service_keys(ev)
        if ev.rt is R.PODS:
            return self._pod_keys(ev)
        return self.other_keys(ev)

    def other_keys(self, ev: Event) -> list[ObjectKey]:
        return []

    def _service_keys(self, ev: Event) -> list[ObjectKey]:
        md = ev.obj["metadata"]
        key = (md["namespace"], md["name"])
        self.index.set(key[0], key[1], None if ev.type == DELETED else selector_of(ev.obj))
        if ev.type == MODIFIED and ev.old is not None:
            # Annotations count: topology-mode decides the slices' hints.
            if ev.old.get("spec") == ev.obj.get("spec") and ev.old["metadata"].get("labels") == md.get("labels") \
                    and ev.old["metadata"].get("annotations") == md.get("annotations"):
                return []
        self.note_trigger(key, md.get("creationTimestamp"))
        return [key]

    def _pod_keys(self, ev: Event) -> list[ObjectKey]:
        new = None if ev.type == DELETED else ev.obj
        old = None if ev.type == ADDED else ev.old
        new_view, old_view = endpoint_view(new), endpoint_view(old)
        new_labels = (new or {}).get("metadata", {}).get("labels") if new_view else None
        old_labels = (old or {}).get("metadata", {}).get("labels") if old_view else None
        if new_view == old_view and new_labels == old_labels:
            return []
        ns = ev.obj["metadata"].get("namespace", "")
        now_in = self.index.matching(ns, new_labels)
        was_in = self.index.matching(ns, old_labels)
        names = now_in ^ was_in if new_view == old_view else now_in | was_in
        if not names:
            return []
        when = pod_trigger_time(new or old or ev.obj) or self.clock.iso()
        keys = []
        for name in names:
            self.note_trigger((ns, name), when)
            keys.append((ns, name))
        return keys

    def note_trigger(self, key: Key, when: str | None) -> None:
        """Remember the earliest change a sync will publish (endpoints.kubernetes.io/last-change-trigger-time)."""
        if not when:
            return
        current = self._triggers.get(key)
        if current is None or when < current:
            self._triggers[key] = when

    def take_trigger(self, key: Key) -> str | None:
        return self._triggers.pop(key, None)

    def guarded(self, fn: Any, *args: Any) -> Any:
        """Run one of our own writes; the events it causes are not news to us."""
        self._writing = True
        try:
            return fn(*args)
        finally:
            self._writing = False

    def all_service_keys(self) -> list[Key]:
        return self.index.keys()
