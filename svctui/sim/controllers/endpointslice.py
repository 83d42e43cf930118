"""The EndpointSlice controller (pkg/controller/endpointslice, staging/src/k8s.io/endpointslice).

Per Service with a selector: the matching pods that have an IP and are not finished become endpoints,
grouped into slices by the ports they resolve to, at most 100 per slice. Reconciling follows the real
reconciler so slice names and contents evolve as on a real cluster: endpoints are updated where they
are, new ones fill slices already being written (fullest first), then an untouched slice with room, then
new slices; emptied slices are deleted, a create paired with a delete becomes an update of the old slice,
and a Service with no endpoints keeps one placeholder slice. A slice is written only when its content
changes, so watchers see no churn from pod updates that publish nothing new. Services without a
selector, and ExternalName ones, are left alone, even if slices remain from an earlier selector.
"""

from __future__ import annotations

import logging
from typing import Any

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions
from ..store import ADDED, DELETED, Event
from .base import ObjectKey
from .servicepods import (
    HEADLESS_LABEL,
    MANAGED_BY_LABEL,
    SERVICE_NAME_LABEL,
    TRIGGER_TIME,
    ZONE_LABEL,
    ServicePodsController,
    find_port,
    owner_ref,
    pod_in_endpoints,
    pod_ips,
    pod_ready,
    selector_of,
    service_ip_set,
)

log = logging.getLogger("svctui.sim.controllers")

CONTROLLER_NAME = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS_PER_SLICE = 100
TOPOLOGY_MODE = "service.kubernetes.io/topology-mode"
TOPOLOGY_HINTS_OLD = "service.kubernetes.io/topology-aware-hints"

PortsKey = tuple


def ports_key(ports: list[dict[str, Any]] | None) -> PortsKey:
    return tuple((p.get("name"), p.get("port"), p.get("protocol"), p.get("appProtocol")) for p in ports or [])


def endpoint_key(ep: dict[str, Any]) -> Any:
    ref = ep.get("targetRef") or {}
    return ref.get("uid") or tuple(ep.get("addresses") or ())


def hints_auto(svc: dict[str, Any]) -> bool:
    """The reconciler's hintsEnabled: topology-mode (else the deprecated topology-aware-hints) is Auto.
    Such a Service gets its hints from the topology cache (CPU per zone), which the sim does not have,
    and trafficDistribution is then ignored, so it gets none."""
    notes = svc["metadata"].get("annotations") or {}
    value = notes.get(TOPOLOGY_MODE, notes.get(TOPOLOGY_HINTS_OLD))
    return value in ("Auto", "auto")


def _family(ip: str) -> str:
    return "IPv6" if ":" in ip else "IPv4"


class EndpointSliceController(ServicePodsController):
    name = "endpointslice"

    def other_keys(self, ev: Event) -> list[ObjectKey]:
        if ev.rt is R.ENDPOINTSLICES:
            labels = ev.obj["metadata"].get("labels") or {}
            if self._writing or labels.get(MANAGED_BY_LABEL) != CONTROLLER_NAME or SERVICE_NAME_LABEL not in labels:
                return []
            return [(ev.obj["metadata"]["namespace"], labels[SERVICE_NAME_LABEL])]
        if ev.rt is R.NODES:
            zone = (ev.obj["metadata"].get("labels") or {}).get(ZONE_LABEL)
            old_zone = ((ev.old or {}).get("metadata", {}).get("labels") or {}).get(ZONE_LABEL)
            if zone != old_zone or (ev.type in (ADDED, DELETED) and zone):
                return list(self.all_service_keys())
        return []

    # ---- sync ----
    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        trigger = self.take_trigger(key)
        svc = self.store.get(R.SERVICES, ns, name)
        existing = self.store.by_labels(R.ENDPOINTSLICES, ns, [(SERVICE_NAME_LABEL, name), (MANAGED_BY_LABEL, CONTROLLER_NAME)]) or []
        if svc is None:
            # The garbage collector removes them too (they are owned); whoever comes second finds nothing.
            for s in existing:
                self._delete(s)
            return
        selector = selector_of(svc)
        if selector is None or svc["spec"].get("type") == "ExternalName":
            # As in Kubernetes, slices made while the Service had a selector stay as they are.
            return
        uid = svc["metadata"]["uid"]
        owned: list[dict[str, Any]] = []
        foreign: list[dict[str, Any]] = []
        for s in sorted(existing, key=lambda s: s["metadata"]["name"]):
            refs = s["metadata"].get("ownerReferences") or []
            (owned if any(r.get("uid") == uid for r in refs) else foreign).append(s)
        for s in foreign:
            self._delete(s)
        families = [f for f in svc["spec"].get("ipFamilies") or ["IPv4"] if f in ("IPv4", "IPv6")]
        pods = sorted(self.store.by_labels(R.PODS, ns, sorted(selector.items())) or [], key=lambda p: p["metadata"]["name"])
        zones: dict[str, str | None] = {}
        for family in families:
            groups = self._desired(svc, pods, family, zones)
            self._reconcile(svc, family, groups, [s for s in owned if s.get("addressType") == family], trigger)
        for s in owned:
            if s.get("addressType") not in families:
                self._delete(s)

    def _desired(self, svc: dict[str, Any], pods: list[dict[str, Any]], family: str,
                 zones: dict[str, str | None]) -> dict[PortsKey, tuple[list[dict[str, Any]], dict[Any, dict[str, Any]]]]:
        """Endpoints by resolved port set: ports key -> (ports, {endpoint key: endpoint})."""
        spec = svc["spec"]
        publish = bool(spec.get("publishNotReadyAddresses"))
        svc_name = svc["metadata"]["name"]
        prefer_close = spec.get("trafficDistribution") == "PreferClose" and not hints_auto(svc)
        groups: dict[PortsKey, tuple[list[dict[str, Any]], dict[Any, dict[str, Any]]]] = {}
        for pod in pods:
            if not pod_in_endpoints(pod, True):
                continue
            addresses = [ip for ip in pod_ips(pod) if _family(ip) == family]
            if not addresses:
                continue
            ports = []
            for sp in spec.get("ports") or []:
                number = find_port(pod, sp)
                if number is None:
                    continue
                port = {"name": sp.get("name", ""), "port": number, "protocol": sp.get("protocol", "TCP")}
                if sp.get("appProtocol"):
                    port["appProtocol"] = sp["appProtocol"]
                ports.append(port)
            ep = self._endpoint(pod, addresses, publish, svc_name, zones)
            if prefer_close and ep["conditions"]["ready"] and ep.get("zone"):
                # trafficdist's preferCloseHeuristic: a ready endpoint is hinted for its own zone.
                ep["hints"] = {"forZones": [{"name": ep["zone"]}]}
            pk = ports_key(ports)
            group = groups.get(pk)
            if group is None:
                group = groups[pk] = (ports, {})
            group[1][endpoint_key(ep)] = ep
        return groups

    def _endpoint(self, pod: dict[str, Any], addresses: list[str], publish: bool, svc_name: str,
                  zones: dict[str, str | None]) -> dict[str, Any]:
        md = pod["metadata"]
        spec = pod.get("spec") or {}
        serving = pod_ready(pod)
        terminating = bool(md.get("deletionTimestamp"))
        ep: dict[str, Any] = {
            "addresses": addresses,
            "conditions": {"ready": publish or (serving and not terminating), "serving": serving, "terminating": terminating},
        }
        if spec.get("hostname") and spec.get("subdomain") == svc_name:
            ep["hostname"] = spec["hostname"]
        ep["targetRef"] = {"kind": "Pod", "namespace": md["namespace"], "name": md["name"], "uid": md["uid"]}
        node = spec.get("nodeName")
        if node:
            ep["nodeName"] = node
            if node not in zones:
                obj = self.store.get(R.NODES, None, node)
                zones[node] = ((obj or {}).get("metadata", {}).get("labels") or {}).get(ZONE_LABEL) or None
            if zones[node]:
                ep["zone"] = zones[node]
        return ep

    # ---- reconciling (reconciler.reconcileByAddressType) ----
    def _reconcile(self, svc: dict[str, Any], family: str,
                   groups: dict[PortsKey, tuple[list[dict[str, Any]], dict[Any, dict[str, Any]]]],
                   slices: list[dict[str, Any]], trigger: str | None) -> None:
        labels = self._labels(svc)
        owner = [owner_ref(svc)]
        by_ports: dict[PortsKey, list[dict[str, Any]]] = {}
        for s in slices:
            by_ports.setdefault(ports_key(s.get("ports")), []).append(s)
        creates: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []  # (ports, endpoints)
        updates: dict[str, tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]] = {}  # name -> (slice, ports, eps)
        deletes: list[dict[str, Any]] = []
        for pk, (ports, desired) in groups.items():
            self._reconcile_ports(by_ports.pop(pk, []), ports, dict(desired), labels, owner, creates, updates, deletes)
        for leftover in by_ports.values():
            deletes.extend(leftover)
        if len(slices) == len(deletes) and not creates:
            # Nothing would remain: keep (or make) the placeholder slice.
            if len(deletes) == 1 and not deletes[0].get("endpoints") and not deletes[0].get("ports"):
                placeholder = deletes.pop()
                if self._meta_differs(placeholder, labels, owner):
                    updates[placeholder["metadata"]["name"]] = (placeholder, [], [])
            else:
                creates.append(([], []))
        # A create paired with a delete becomes an update of the slice being deleted.
        while creates and deletes:
            victim = deletes.pop(0)
            ports, eps = creates.pop()
            updates[victim["metadata"]["name"]] = (victim, ports, eps)
        for ports, eps in creates:
            self._create(svc, family, ports, eps, labels, owner, trigger)
        for old, ports, eps in updates.values():
            self._update(old, ports, eps, labels, owner, trigger)
        for s in deletes:
            self._delete(s)

    def _reconcile_ports(self, existing: list[dict[str, Any]], ports: list[dict[str, Any]], desired: dict[Any, dict[str, Any]],
                         labels: dict[str, str], owner: list[dict[str, Any]],
                         creates: list, updates: dict, deletes: list) -> None:
        unchanged: list[dict[str, Any]] = []
        filling: list[tuple[str, list[dict[str, Any]]]] = []
        for s in existing:
            current = s.get("endpoints") or []
            kept = []
            changed = False
            for ep in current:
                want = desired.pop(endpoint_key(ep), None)
                if want is None:
                    changed = True
                    continue
                if want != ep:
                    changed = True
                kept.append(want)
            name = s["metadata"]["name"]
            if changed:
                if not kept:
                    deletes.append(s)
                else:
                    updates[name] = (s, ports, kept)
                    filling.append((name, kept))
            elif self._meta_differs(s, labels, owner):
                updates[name] = (s, ports, kept)
                filling.append((name, kept))
            else:
                unchanged.append(s)
        remaining = list(desired.values())
        remaining.reverse()  # pop() from the end keeps pod-name order
        # Fill the slices being written anyway, fullest first.
        for _, eps in sorted(filling, key=lambda f: -len(f[1])):
            while remaining and len(eps) < MAX_ENDPOINTS_PER_SLICE:
                eps.append(remaining.pop())
        while remaining:
            target = None
            if len(remaining) < MAX_ENDPOINTS_PER_SLICE and unchanged:
                fits = [s for s in unchanged if len(s.get("endpoints") or []) + len(remaining) <= MAX_ENDPOINTS_PER_SLICE]
                if fits:
                    target = max(fits, key=lambda s: len(s.get("endpoints") or []))
            if target is not None:
                unchanged.remove(target)
                eps = list(target.get("endpoints") or [])
                updates[target["metadata"]["name"]] = (target, ports, eps)
            else:
                eps = []
                creates.append((ports, eps))
            while remaining and len(eps) < MAX_ENDPOINTS_PER_SLICE:
                eps.append(remaining.pop())

    # ---- objects ----
    def _labels(self, svc: dict[str, Any]) -> dict[str, str]:
        labels = {k: v for k, v in (svc["metadata"].get("labels") or {}).items()
                  if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL)}
        labels[SERVICE_NAME_LABEL] = svc["metadata"]["name"]
        labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
        if not service_ip_set(svc):
            labels[HEADLESS_LABEL] = ""
        return labels

    @staticmethod
    def _meta_differs(s: dict[str, Any], labels: dict[str, str], owner: list[dict[str, Any]]) -> bool:
        md = s["metadata"]
        return (md.get("labels") or {}) != labels or (md.get("ownerReferences") or []) != owner

    def _create(self, svc: dict[str, Any], family: str, ports: list[dict[str, Any]], eps: list[dict[str, Any]],
                labels: dict[str, str], owner: list[dict[str, Any]], trigger: str | None) -> None:
        md: dict[str, Any] = {"generateName": f"{svc['metadata']['name']}-", "namespace": svc["metadata"]["namespace"],
                              "labels": dict(labels)}
        if trigger:
            md["annotations"] = {TRIGGER_TIME: trigger}
        md["ownerReferences"] = owner
        body = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": md, "addressType": family,
                "endpoints": eps or None, "ports": ports or None}
        try:
            self.guarded(self.api.create, R.ENDPOINTSLICES, md["namespace"], body)
        except E.ApiError as exc:
            log.warning("endpointslice: cannot create a slice for %s/%s: %s", md["namespace"], svc["metadata"]["name"], exc.message)

    def _update(self, old: dict[str, Any], ports: list[dict[str, Any]], eps: list[dict[str, Any]],
                labels: dict[str, str], owner: list[dict[str, Any]], trigger: str | None) -> None:
        new = dict(old)
        md = new["metadata"] = dict(old["metadata"])
        md["labels"] = dict(labels)
        annotations = dict(md.get("annotations") or {})
        if trigger:
            annotations[TRIGGER_TIME] = trigger
        else:
            annotations.pop(TRIGGER_TIME, None)
        if annotations:
            md["annotations"] = annotations
        else:
            md.pop("annotations", None)
        md["ownerReferences"] = owner
        new["endpoints"] = eps or None
        new["ports"] = ports or None
        if new["endpoints"] == old.get("endpoints") and new["ports"] == old.get("ports") and \
                (old["metadata"].get("labels") or {}) == labels and md.get("ownerReferences") == old["metadata"].get("ownerReferences"):
            return
        md["generation"] = old["metadata"].get("generation", 1) + 1
        self.guarded(self.api.write, R.ENDPOINTSLICES, new)

    def _delete(self, s: dict[str, Any]) -> None:
        try:
            self.guarded(self.api.delete, R.ENDPOINTSLICES, s["metadata"]["namespace"], s["metadata"]["name"], DeleteOptions())
        except E.ApiError:
            pass  # already gone (the garbage collector got there first)


CONTROLLERS = [EndpointSliceController]
