"""Leases (coordination.k8s.io/v1) and Ingresses/IngressClasses (networking.k8s.io/v1): rules and printers.

Validation follows pkg/apis/coordination/validation and pkg/apis/networking/validation; printers follow
pkg/printers/internalversion/printers.go. Nothing routes an Ingress: kind runs no ingress controller, so
its ADDRESS stays empty, as there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import resources as R
from .. import tables as T
from ..strategy import Strategy, validate_dns1035, validate_label_name, validate_subdomain
from ..strategy import register as register_strategy

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster

_PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]


class LeaseStrategy(Strategy):
    has_status = False

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        spec = obj.get("spec") or {}
        errs: list[E.FieldError] = []
        for field in ("leaseDurationSeconds", "leaseTransitions"):
            v = spec.get(field)
            if isinstance(v, int) and (v <= 0 if field == "leaseDurationSeconds" else v < 0):
                errs.append(E.invalid(f"spec.{field}", v, "must be greater than 0" if field == "leaseDurationSeconds"
                                      else "must be greater than or equal to 0"))
        return errs


def _validate_backend(field: str, backend: Any) -> list[E.FieldError]:
    if not isinstance(backend, dict):
        return [E.required(field)]
    svc, res = backend.get("service"), backend.get("resource")
    if svc is not None and res is not None:
        return [E.invalid(field, "", "cannot set both resource and service backends")]
    if svc is None and res is None:
        return [E.invalid(field, "", "resource or service backend is required")]
    if svc is None:
        return []
    errs: list[E.FieldError] = []
    name = svc.get("name") or ""
    if not name:
        errs.append(E.required(f"{field}.service.name"))
    else:
        errs += validate_dns1035(f"{field}.service.name", name)
    port = svc.get("port") or {}
    has_name, has_number = bool(port.get("name")), port.get("number") is not None
    if has_name and has_number:
        errs.append(E.invalid(f"{field}.service.port", "", "cannot set both port name & port number"))
    elif has_name:
        errs += validate_label_name(f"{field}.service.port.name", port["name"])
    elif has_number:
        n = port["number"]
        if not isinstance(n, int) or not 0 < n < 65536:
            errs.append(E.invalid(f"{field}.service.port.number", n, "must be between 1 and 65535, inclusive"))
    else:
        errs.append(E.invalid(f"{field}.service.port", "", "port name or number is required"))
    return errs


class IngressStrategy(Strategy):
    tracks_generation = True

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        obj["status"] = {"loadBalancer": {}}

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        spec = obj.get("spec") or {}
        errs: list[E.FieldError] = []
        rules = spec.get("rules") or []
        if spec.get("defaultBackend") is not None:
            errs += _validate_backend("spec.defaultBackend", spec["defaultBackend"])
        elif not rules:
            errs.append(E.invalid("spec.rules", [], "either `defaultBackend` or `rules` must be specified"))
        for i, rule in enumerate(rules):
            host = rule.get("host") or ""
            if host:
                if host.startswith("*."):
                    errs += validate_subdomain(f"spec.rules[{i}].host", host[2:])
                else:
                    errs += validate_subdomain(f"spec.rules[{i}].host", host)
            http = rule.get("http")
            if http is None:
                continue
            paths = http.get("paths")
            if not paths:
                errs.append(E.required(f"spec.rules[{i}].http.paths"))
            for j, p in enumerate(paths or []):
                field = f"spec.rules[{i}].http.paths[{j}]"
                ptype = p.get("pathType")
                path = p.get("path") or ""
                if ptype is None:
                    errs.append(E.required(f"{field}.pathType"))
                    errs[-1].message = "Required value: pathType must be specified"
                elif ptype not in _PATH_TYPES:
                    errs.append(E.not_supported(f"{field}.pathType", ptype, _PATH_TYPES))
                elif ptype in ("Exact", "Prefix"):
                    if not path.startswith("/"):
                        errs.append(E.invalid(f"{field}.path", path, "must be an absolute path"))
                    elif "//" in path:
                        errs.append(E.invalid(f"{field}.path", path, "must not contain '//'"))
                errs += _validate_backend(f"{field}.backend", p.get("backend"))
        for i, tls in enumerate(spec.get("tls") or []):
            for j, host in enumerate(tls.get("hosts") or []):
                errs += validate_subdomain(f"spec.tls[{i}].hosts[{j}]", host[2:] if host.startswith("*.") else host)
        cls = spec.get("ingressClassName")
        if cls:
            errs += validate_subdomain("spec.ingressClassName", cls)
        return errs


class IngressClassStrategy(Strategy):
    has_status = False

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        controller = (obj.get("spec") or {}).get("controller") or ""
        if not controller:
            return [E.required("spec.controller")]
        return []

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        new_c, old_c = (obj.get("spec") or {}).get("controller"), (old.get("spec") or {}).get("controller")
        return [E.immutable("spec.controller", new_c)] if new_c != old_c else []


def _lease_cells(obj: dict[str, Any], now: float) -> list[Any]:
    return [obj["metadata"]["name"], (obj.get("spec") or {}).get("holderIdentity") or "",
            T.age(obj["metadata"].get("creationTimestamp"), now)]


def _ingress_cells(obj: dict[str, Any], now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    hosts = [r.get("host") for r in spec.get("rules") or [] if r.get("host")]
    lb = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    address = ",".join(i.get("ip") or i.get("hostname") or "" for i in lb)
    ports = "80, 443" if spec.get("tls") else "80"
    return [obj["metadata"]["name"], spec.get("ingressClassName") or "<none>", ",".join(hosts) if hosts else "*",
            address, ports, T.age(obj["metadata"].get("creationTimestamp"), now)]


def _ingressclass_cells(obj: dict[str, Any], now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    params = spec.get("parameters")
    text = "<none>"
    if params:
        kind = params.get("kind", "")
        text = f"{kind}.{params['apiGroup']}/{params.get('name', '')}" if params.get("apiGroup") else \
            f"{kind}/{params.get('name', '')}"
    return [obj["metadata"]["name"], spec.get("controller", ""), text, T.age(obj["metadata"].get("creationTimestamp"), now)]


def register(cluster: Cluster) -> None:
    register_strategy(R.LEASES, LeaseStrategy())
    register_strategy(R.INGRESSES, IngressStrategy())
    register_strategy(R.INGRESSCLASSES, IngressClassStrategy())
    T.register(R.LEASES, [
        T.NAME_COLUMN,
        T.col("Holder", description="holderIdentity contains the identity of the holder of a current lease. If "
              "Coordinated Leader Election is used, the holder identity must be equal to the elected "
              "LeaseCandidate.metadata.name field."),
        T.AGE_COLUMN,
    ], _lease_cells)
    T.register(R.INGRESSES, [
        T.NAME_COLUMN,
        T.col("Class", description="The name of the IngressClass resource that should be used for this Ingress."),
        T.col("Hosts", description="Hosts that incoming requests are matched against before the ingress rule"),
        T.col("Address", description="Address is a list containing ingress points for the load-balancer"),
        T.col("Ports", description="Ports of TLS configurations that open"),
        T.AGE_COLUMN,
    ], _ingress_cells)
    T.register(R.INGRESSCLASSES, [
        T.NAME_COLUMN,
        T.col("Controller", description="Controller that is responsible for handling this class"),
        T.col("Parameters", description="A reference to a resource with additional parameters"),
        T.AGE_COLUMN,
    ], _ingressclass_cells)
