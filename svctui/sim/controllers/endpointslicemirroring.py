"""The EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring).

Endpoints that users write for a Service without a selector are mirrored into EndpointSlices, so
clients that read only slices (kube-proxy, svctui) see them. Endpoints labelled
endpointslice.kubernetes.io/skip-mirror=true (the `kubernetes` Service's) are not mirrored.
"""

from __future__ import annotations

import logging
from typing import Any

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions
from ..store import ADDED, DELETED, Event
from .base import Controller, ObjectKey
from .servicepods import MANAGED_BY_LABEL, SERVICE_NAME_LABEL, TRIGGER_TIME, owner_ref, selector_of

log = logging.getLogger("svctui.sim.controllers")

CONTROLLER_NAME = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ENDPOINTS_PER_SLICE = 1000


class EndpointSliceMirroringController(Controller[ObjectKey]):
    name = "endpointslicemirroring"

    def __init__(self, cluster: Any):
        super().__init__(cluster)
        self._writing = False

    def keys_for(self, ev: Event) -> list[ObjectKey]:
        md = ev.obj["metadata"]
        if ev.rt is R.ENDPOINTS:
            return [(md["namespace"], md["name"])]
        if ev.rt is R.SERVICES:
            # Only a selectorless Service coming or going changes what is mirrored.
            was = ev.type != ADDED and ev.old is not None and selector_of(ev.old) is None
            now = ev.type != DELETED and selector_of(ev.obj) is None
            return [(md["namespace"], md["name"])] if was != now else []
        if ev.rt is R.ENDPOINTSLICES and not self._writing:
            labels = md.get("labels") or {}
            if labels.get(MANAGED_BY_LABEL) == CONTROLLER_NAME and SERVICE_NAME_LABEL in labels:
                return [(md["namespace"], labels[SERVICE_NAME_LABEL])]
        return []

    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        svc = self.store.get(R.SERVICES, ns, name)
        endpoints = self.store.get(R.ENDPOINTS, ns, name)
        existing = sorted(self.store.by_labels(R.ENDPOINTSLICES, ns, [(SERVICE_NAME_LABEL, name), (MANAGED_BY_LABEL, CONTROLLER_NAME)]) or [],
                          key=lambda s: s["metadata"]["name"])
        mirror = (svc is not None and selector_of(svc) is None and endpoints is not None
                  and (endpoints["metadata"].get("labels") or {}).get(SKIP_MIRROR) != "true")
        desired = self._desired(endpoints) if mirror and endpoints is not None else []
        unused = list(existing)
        pending = []
        for body in desired:
            match = next((s for s in unused if s["addressType"] == body["addressType"]
                          and (s.get("ports") or []) == (body.get("ports") or [])), None)
            if match is None:
                pending.append(body)
                continue
            unused.remove(match)
            self._update(match, body)
        for body in pending:
            reuse = next((s for s in unused if s["addressType"] == body["addressType"]), None)
            if reuse is not None:
                unused.remove(reuse)
                self._update(reuse, body)
            else:
                self._create(body)
        for s in unused:
            try:
                self._guarded(self.api.delete, R.ENDPOINTSLICES, ns, s["metadata"]["name"], DeleteOptions())
            except E.ApiError:
                pass

    def _desired(self, endpoints: dict[str, Any]) -> list[dict[str, Any]]:
        md = endpoints["metadata"]
        labels = dict(md.get("labels") or {})
        labels[SERVICE_NAME_LABEL] = md["name"]
        labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
        annotations = {k: v for k, v in (md.get("annotations") or {}).items() if k not in (TRIGGER_TIME, LAST_APPLIED)}
        # (address type, ports) -> {ip: endpoint}; subsets with the same ports share slices
        groups: dict[tuple[str, tuple], tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]] = {}
        for subset in endpoints.get("subsets") or []:
            ports = []
            for p in subset.get("ports") or []:
                port = {"name": p.get("name", ""), "port": p.get("port"), "protocol": p.get("protocol", "TCP")}
                if p.get("appProtocol"):
                    port["appProtocol"] = p["appProtocol"]
                ports.append(port)
            pkey = tuple(tuple(sorted(p.items())) for p in ports)
            for field, ready in (("addresses", True), ("notReadyAddresses", False)):
                for addr in subset.get(field) or []:
                    ip = addr.get("ip", "")
                    family = "IPv6" if ":" in ip else "IPv4"
                    group = groups.setdefault((family, pkey), (ports, {}))
                    group[1].setdefault(ip, _endpoint(addr, ready))
        out = []
        for (family, _), (ports, eps) in groups.items():
            items = list(eps.values())
            for start in range(0, len(items), MAX_ENDPOINTS_PER_SLICE):
                meta: dict[str, Any] = {"generateName": f"{md['name']}-", "namespace": md["namespace"], "labels": labels}
                if annotations:
                    meta["annotations"] = annotations
                meta["ownerReferences"] = [owner_ref(endpoints)]
                out.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta,
                            "addressType": family, "endpoints": items[start:start + MAX_ENDPOINTS_PER_SLICE],
                            "ports": ports or None})
        return out

    def _create(self, body: dict[str, Any]) -> None:
        try:
            self._guarded(self.api.create, R.ENDPOINTSLICES, body["metadata"]["namespace"], body)
        except E.ApiError as exc:
            log.warning("endpointslicemirroring: cannot mirror %s/%s: %s", body["metadata"]["namespace"],
                        body["metadata"]["labels"][SERVICE_NAME_LABEL], exc.message)

    def _update(self, old: dict[str, Any], body: dict[str, Any]) -> None:
        new = dict(old)
        md = new["metadata"] = dict(old["metadata"])
        md["labels"] = body["metadata"]["labels"]
        if body["metadata"].get("annotations"):
            md["annotations"] = body["metadata"]["annotations"]
        else:
            md.pop("annotations", None)
        md["ownerReferences"] = body["metadata"]["ownerReferences"]
        new["endpoints"] = body["endpoints"]
        new["ports"] = body["ports"]
        if new == old:
            return
        if new["endpoints"] != old.get("endpoints") or new["ports"] != old.get("ports") or md["labels"] != old["metadata"].get("labels"):
            md["generation"] = old["metadata"].get("generation", 1) + 1
        self._guarded(self.api.write, R.ENDPOINTSLICES, new)

    def _guarded(self, fn: Any, *args: Any) -> Any:
        self._writing = True
        try:
            return fn(*args)
        finally:
            self._writing = False


def _endpoint(address: dict[str, Any], ready: bool) -> dict[str, Any]:
    ep: dict[str, Any] = {"addresses": [address.get("ip", "")], "conditions": {"ready": ready}}
    if address.get("hostname"):
        ep["hostname"] = address["hostname"]
    if address.get("targetRef"):
        ep["targetRef"] = address["targetRef"]
    if address.get("nodeName"):
        ep["nodeName"] = address["nodeName"]
    return ep


CONTROLLERS = [EndpointSliceMirroringController]
