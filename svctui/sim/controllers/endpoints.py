"""The legacy Endpoints controller (pkg/controller/endpoint): one v1 Endpoints per Service with a selector.

Ready pods go to `addresses`, the others to `notReadyAddresses`; terminating pods are left out unless the
Service publishes not-ready addresses. Subsets are repacked as endpoints.RepackSubsets does: addresses
offering the same set of ports share a subset. Services without a selector are left to their users.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions
from ..store import DELETED, Event
from .base import ObjectKey
from .servicepods import (
    HEADLESS_LABEL,
    TRIGGER_TIME,
    ServicePodsController,
    find_port,
    pod_in_endpoints,
    pod_ips,
    pod_ready,
    selector_of,
    service_ip_set,
)

log = logging.getLogger("svctui.sim.controllers")

MAX_CAPACITY = 1000
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
NO_PORTS = ("", -1, "", None)  # RepackSubsets' sentinel for headless Services without ports


class EndpointsController(ServicePodsController):
    name = "endpoints"

    def other_keys(self, ev: Event) -> list[ObjectKey]:
        # Someone else deleted a Service's Endpoints: put it back.
        if ev.rt is R.ENDPOINTS and ev.type == DELETED and not self._writing:
            md = ev.obj["metadata"]
            if selector_of(self.store.get(R.SERVICES, md["namespace"], md["name"])):
                return [(md["namespace"], md["name"])]
        return []

    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        trigger = self.take_trigger(key)
        svc = self.store.get(R.SERVICES, ns, name)
        current = self.store.get(R.ENDPOINTS, ns, name)
        if svc is None:
            if current is not None:
                try:
                    self.guarded(self.api.delete, R.ENDPOINTS, ns, name, DeleteOptions())
                except E.ApiError:
                    pass
            return
        selector = selector_of(svc)
        if selector is None or svc["spec"].get("type") == "ExternalName":
            return
        pods = self.store.by_labels(R.PODS, ns, sorted(selector.items())) or []
        subsets = self._subsets(svc, pods)
        truncated = _truncate(subsets)
        labels = dict(svc["metadata"].get("labels") or {})
        if current is not None:
            current_labels = {k: v for k, v in (current["metadata"].get("labels") or {}).items() if k != HEADLESS_LABEL}
            capacity_ok = ((current["metadata"].get("annotations") or {}).get(OVER_CAPACITY) == "truncated") == truncated
            if (current.get("subsets") or []) == subsets and current_labels == labels and capacity_ok:
                return
        if not service_ip_set(svc):
            labels[HEADLESS_LABEL] = ""
        annotations = dict((current or {}).get("metadata", {}).get("annotations") or {})
        if trigger:
            annotations[TRIGGER_TIME] = trigger
        else:
            annotations.pop(TRIGGER_TIME, None)
        if truncated:
            annotations[OVER_CAPACITY] = "truncated"
        else:
            annotations.pop(OVER_CAPACITY, None)
        if current is None:
            md: dict[str, Any] = {"name": name, "namespace": ns}
            if labels:
                md["labels"] = labels
            if annotations:
                md["annotations"] = annotations
            body: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints", "metadata": md}
            if subsets:
                body["subsets"] = subsets
            try:
                self.guarded(self.api.create, R.ENDPOINTS, ns, body)
            except E.ApiError as exc:
                log.warning("endpoints: cannot create %s/%s: %s", ns, name, exc.message)
            return
        new = dict(current)
        new["metadata"] = md = dict(current["metadata"])
        for field, value in (("labels", labels), ("annotations", annotations)):
            if value:
                md[field] = value
            else:
                md.pop(field, None)
        if subsets:
            new["subsets"] = subsets
        else:
            new.pop("subsets", None)
        self.guarded(self.api.write, R.ENDPOINTS, new)

    def _subsets(self, svc: dict[str, Any], pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
        spec = svc["spec"]
        publish = bool(spec.get("publishNotReadyAddresses"))
        svc_ports = spec.get("ports") or []
        headless_no_ports = not svc_ports and spec.get("clusterIP") == "None"
        # port -> {address key: (address, ready)}, as RepackSubsets' portToAddrReadyMap
        by_port: dict[tuple, dict[tuple, tuple[dict[str, Any], bool]]] = {}
        for pod in pods:
            if not pod_in_endpoints(pod, publish):
                continue
            address = self._address(pod, svc)
            ready = publish or pod_ready(pod)
            akey = (address["ip"], address["targetRef"]["uid"])
            if headless_no_ports:
                by_port.setdefault(NO_PORTS, {})[akey] = (address, ready)
            for sp in svc_ports:
                number = find_port(pod, sp)
                if number is None:
                    continue
                pkey = (sp.get("name", ""), number, sp.get("protocol", "TCP"), sp.get("appProtocol"))
                by_port.setdefault(pkey, {})[akey] = (address, ready)
        # Ports offered by the same addresses (with the same readiness) share a subset.
        grouped: dict[frozenset, tuple[dict, list[tuple]]] = {}
        for pkey, addrs in by_port.items():
            sig = frozenset((k, r) for k, (_, r) in addrs.items())
            entry = grouped.setdefault(sig, (addrs, []))
            if pkey != NO_PORTS:
                entry[1].append(pkey)
        subsets = []
        for addrs, pkeys in grouped.values():
            ready_addresses = sorted((a for a, r in addrs.values() if r), key=_address_order)
            not_ready_addresses = sorted((a for a, r in addrs.values() if not r), key=_address_order)
            subset: dict[str, Any] = {}
            if ready_addresses:
                subset["addresses"] = ready_addresses
            if not_ready_addresses:
                subset["notReadyAddresses"] = not_ready_addresses
            if pkeys:
                subset["ports"] = [_port(p) for p in pkeys]
            subsets.append(subset)
        return subsets

    @staticmethod
    def _address(pod: dict[str, Any], svc: dict[str, Any]) -> dict[str, Any]:
        md = pod["metadata"]
        spec = pod.get("spec") or {}
        address: dict[str, Any] = {"ip": pod_ips(pod)[0]}
        if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
            address["hostname"] = spec["hostname"]
        address["nodeName"] = spec.get("nodeName", "")
        address["targetRef"] = {"kind": "Pod", "namespace": md["namespace"], "name": md["name"], "uid": md["uid"]}
        return address


def _address_order(address: dict[str, Any]) -> tuple[str, str]:
    return (address["ip"], address["targetRef"]["uid"])


def _port(pkey: tuple) -> dict[str, Any]:
    name, number, protocol, app_protocol = pkey
    port: dict[str, Any] = {}
    if name:
        port["name"] = name
    port["port"] = number
    port["protocol"] = protocol
    if app_protocol:
        port["appProtocol"] = app_protocol
    return port


def _truncate(subsets: list[dict[str, Any]]) -> bool:
    """Keep at most 1000 addresses, each subset its share, not-ready ones dropped first (truncateEndpoints)."""
    total_ready = sum(len(s.get("addresses") or []) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses") or []) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return False
    truncate_ready = total_ready > MAX_CAPACITY
    field = "addresses" if truncate_ready else "notReadyAddresses"
    limit = MAX_CAPACITY if truncate_ready else MAX_CAPACITY - total_ready
    total = total_ready if truncate_ready else total_not_ready
    room = limit
    for i, s in enumerate(subsets):
        if truncate_ready:
            s.pop("notReadyAddresses", None)
        items = s.get(field) or []
        share = math.ceil(len(items) / total * limit) if total else 0
        if i == len(subsets) - 1 or share > room:
            share = room
        share = min(share, len(items))
        if items:
            if share:
                s[field] = items[:share]
            else:
                s.pop(field, None)
        room -= share
    subsets[:] = [s for s in subsets if s.get("addresses") or s.get("notReadyAddresses")]
    return True


CONTROLLERS = [EndpointsController]
