"""Services, Endpoints and EndpointSlices: v1 defaulting, the registry's ClusterIP/NodePort allocation,
validation with kube-apiserver's messages, and the printers `kubectl get` shows.

Allocation follows pkg/registry/core/service/storage: it runs after defaulting and validation here (the
real server allocates first, which only changes which error wins when several apply), errors name the
field as the allocator does, and whatever a failed request took is given back.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import resources as R
from .. import tables as T
from ..ipalloc import AllocationError, ServiceAllocators
from ..strategy import Strategy, validate_label_name, validate_labels, validate_qualified_key, validate_subdomain
from ..strategy import register as register_strategy

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster

CLUSTER_IP, NODE_PORT, LOAD_BALANCER, EXTERNAL_NAME = "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"
SERVICE_TYPES = [CLUSTER_IP, EXTERNAL_NAME, LOAD_BALANCER, NODE_PORT]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"]
KUBELET_PORT = 10250
MAX_AFFINITY_SECONDS = 86400
DEFAULT_AFFINITY_SECONDS = 10800
IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
_LINK_LOCAL_MULTICAST = (ipaddress.ip_network("224.0.0.0/24"), ipaddress.ip_network("ff02::/10", strict=False))


# ---- helpers ----

def cluster_ips(svc: dict[str, Any]) -> list[str]:
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or []
    if not ips and spec.get("clusterIP"):
        ips = [spec["clusterIP"]]
    return list(ips)


def is_headless(svc: dict[str, Any]) -> bool:
    return cluster_ips(svc) == ["None"]


def needs_cluster_ip(svc: dict[str, Any]) -> bool:
    return (svc.get("spec") or {}).get("type") != EXTERNAL_NAME


def needs_node_ports(svc: dict[str, Any]) -> bool:
    spec = svc.get("spec") or {}
    if spec.get("type") == NODE_PORT:
        return True
    return spec.get("type") == LOAD_BALANCER and spec.get("allocateLoadBalancerNodePorts") is not False


def needs_health_check_port(svc: dict[str, Any]) -> bool:
    spec = svc.get("spec") or {}
    return spec.get("type") == LOAD_BALANCER and spec.get("externalTrafficPolicy") == "Local"


def externally_accessible(svc: dict[str, Any]) -> bool:
    spec = svc.get("spec") or {}
    t = spec.get("type")
    return t in (LOAD_BALANCER, NODE_PORT) or (t == CLUSTER_IP and bool(spec.get("externalIPs")))


def go_strings(values: list[str] | None) -> str:
    """A []string as Go's %#v prints it inside field errors."""
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(f'"{v}"' for v in values) + "}"


def _invalid_raw(field: str, rendered: str, detail: str, value: Any = None) -> E.FieldError:
    return E.FieldError("FieldValueInvalid", field, f"Invalid value: {rendered}: {detail}", value)


def _required(field: str, detail: str) -> E.FieldError:
    return E.FieldError("FieldValueRequired", field, f"Required value: {detail}")


def _port_key(port: dict[str, Any]) -> str:
    """core.ServicePort{Protocol, Port} as %#v prints it in a duplicate-port error."""
    return (f'core.ServicePort{{Name:"", Protocol:"{port.get("protocol", "")}", AppProtocol:(*string)(nil), '
            f'Port:{port.get("port", 0)}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}')


def port_number_errors(value: Any) -> list[str]:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        return ["must be between 1 and 65535, inclusive"]
    return []


def port_name_errors(name: str) -> list[str]:
    """k8s.io/apimachinery/pkg/util/validation.IsValidPortName (IANA_SVC_NAME)."""
    errs = []
    if len(name) > 15:
        errs.append("must be no more than 15 characters")
    if not name or any(not (c.islower() and c.isascii() or c.isdigit() or c == "-") for c in name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not any("a" <= c <= "z" for c in name):
        errs.append("must contain at least one letter (a-z)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if name and (name[0] == "-" or name[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def special_ip_errors(field: str, ip: str) -> list[E.FieldError]:
    """apivalidation.ValidateNonSpecialIP."""
    addr = ipaddress.ip_address(ip)
    if addr.is_unspecified:
        return [E.invalid(field, ip, "may not be unspecified (0.0.0.0, ::)")]
    if addr.is_loopback:
        return [E.invalid(field, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)")]
    if addr.is_link_local:
        return [E.invalid(field, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)")]
    if any(addr in net for net in _LINK_LOCAL_MULTICAST):
        return [E.invalid(field, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")]
    return []


def _is_ip(value: Any) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


# ---- Service ----

class _Txn:
    """What one request allocated, so a failure (or a dry run) gives it all back."""

    def __init__(self, alloc: ServiceAllocators):
        self.alloc = alloc
        self.ips: list[str] = []
        self.ports: list[int] = []

    def ip(self, ip: str) -> None:
        self.alloc.ips.allocate(ip)
        self.ips.append(ip)

    def next_ip(self) -> str:
        ip = self.alloc.ips.allocate_next()
        self.ips.append(ip)
        return ip

    def port(self, port: int) -> None:
        self.alloc.ports.allocate(port)
        self.ports.append(port)

    def next_port(self) -> int:
        port = self.alloc.ports.allocate_next()
        self.ports.append(port)
        return port

    def rollback(self) -> None:
        for ip in self.ips:
            self.alloc.ips.release(ip)
        for port in self.ports:
            self.alloc.ports.release(port)
        self.ips, self.ports = [], []


def _node_ports(svc: dict[str, Any]) -> set[int]:
    spec = svc.get("spec") or {}
    out = {p.get("nodePort") for p in spec.get("ports") or [] if p.get("nodePort")}
    if spec.get("healthCheckNodePort"):
        out.add(spec["healthCheckNodePort"])
    return out


class ServiceStrategy(Strategy):
    name_rule = "dns1035"

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            spec = obj["spec"] = {}
        spec.setdefault("type", CLUSTER_IP)
        if not spec.get("sessionAffinity"):
            spec["sessionAffinity"] = "None"
        if spec["sessionAffinity"] == "None":
            spec.pop("sessionAffinityConfig", None)
        elif spec["sessionAffinity"] == "ClientIP":
            cfg = spec.get("sessionAffinityConfig") or {}
            if (cfg.get("clientIP") or {}).get("timeoutSeconds") is None:
                spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": DEFAULT_AFFINITY_SECONDS}}
        for port in spec.get("ports") or []:
            if not isinstance(port, dict):
                continue
            port.setdefault("protocol", "TCP")
            if port.get("targetPort") in (None, 0, ""):
                port["targetPort"] = port.get("port")
        if externally_accessible(obj) and not spec.get("externalTrafficPolicy"):
            spec["externalTrafficPolicy"] = "Cluster"
        if spec["type"] in (CLUSTER_IP, NODE_PORT, LOAD_BALANCER):
            spec.setdefault("internalTrafficPolicy", "Cluster")
        if spec["type"] == LOAD_BALANCER:
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        # An old client sets only the singular field.
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]
        if spec["type"] != EXTERNAL_NAME:
            ips = spec.get("clusterIPs") or []
            headless = ips == ["None"]
            if not spec.get("ipFamilies"):
                family = "IPv6" if ips and not headless and ":" in ips[0] else "IPv4"
                spec["ipFamilies"] = [family]
            if not spec.get("ipFamilyPolicy"):
                # Headless Services without a selector get every family the cluster has.
                spec["ipFamilyPolicy"] = "RequireDualStack" if headless and not spec.get("selector") else "SingleStack"

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        txn = _Txn(api.parts.allocators)
        try:
            self._allocate(obj, None, txn)
        except BaseException:
            txn.rollback()
            raise
        if dry_run:
            txn.rollback()
        obj["status"] = {"loadBalancer": {}}

    def prepare_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any], dry_run: bool) -> None:
        _patch_allocated_values(obj, old)
        _normalize_cluster_ips(obj, old)
        _drop_type_dependent_fields(obj, old)
        # Validate before allocating, so a rejected update holds nothing.
        errs = api.validate_meta(R.SERVICES, obj) + self.validate(api, obj) + self.validate_update(api, obj, old)
        if errs:
            raise E.invalid_error(R.SERVICES, obj["metadata"]["name"], errs)
        txn = _Txn(api.parts.allocators)
        try:
            self._allocate(obj, old, txn)
        except BaseException:
            txn.rollback()
            raise
        if dry_run:
            txn.rollback()
            return
        alloc = api.parts.allocators
        if needs_cluster_ip(old) and not needs_cluster_ip(obj):
            for ip in cluster_ips(old):
                if ip != "None":
                    alloc.ips.release(ip)
        for port in _node_ports(old) - _node_ports(obj):
            alloc.ports.release(port)

    def released(self, api: Api, obj: dict[str, Any]) -> None:
        alloc = api.parts.allocators
        if needs_cluster_ip(obj):
            for ip in cluster_ips(obj):
                if ip != "None":
                    alloc.ips.release(ip)
        for port in _node_ports(obj):
            alloc.ports.release(port)

    def _allocate(self, svc: dict[str, Any], old: dict[str, Any] | None, txn: _Txn) -> None:
        spec = svc["spec"]
        name = svc["metadata"]["name"]
        errs: list[E.FieldError] = []
        if needs_cluster_ip(svc):
            errs += _family_errors(svc)
            if errs:
                raise E.invalid_error(R.SERVICES, name, errs)
            if old is None or not needs_cluster_ip(old):
                ips = spec.get("clusterIPs") or []
                if not ips:
                    ip = _allocate_or_fail(name, txn.next_ip, "spec.clusterIPs", go_strings(None), None)
                    spec["clusterIP"] = ip
                    spec["clusterIPs"] = [ip]
                elif ips != ["None"]:
                    _allocate_or_fail(name, lambda: txn.ip(ips[0]), "spec.clusterIPs", go_strings(ips), ips[0])
        ports = spec.get("ports") or []
        owned = _node_ports(old) if old is not None else set()
        taken: set[int] = set()
        if needs_node_ports(svc) or spec.get("type") == LOAD_BALANCER:
            by_port: dict[int, int] = {}
            for i, port in enumerate(ports):
                node_port = port.get("nodePort")
                if node_port:
                    if node_port not in owned and node_port not in taken:
                        _allocate_or_fail(name, lambda n=node_port: txn.port(n), f"spec.ports[{i}].nodePort", str(node_port))
                    taken.add(node_port)
                    by_port.setdefault(port.get("port"), node_port)
                elif needs_node_ports(svc):
                    # TCP and UDP on the same port share one node port.
                    node_port = by_port.get(port.get("port"))
                    if node_port is None:
                        node_port = _allocate_or_fail(name, txn.next_port, f"spec.ports[{i}].nodePort", "0")
                        by_port[port.get("port")] = node_port
                    port["nodePort"] = node_port
                    taken.add(node_port)
        if needs_health_check_port(svc):
            hc = spec.get("healthCheckNodePort")
            if hc:
                if hc not in owned:
                    _allocate_or_fail(name, lambda: txn.port(hc), "spec.healthCheckNodePort", str(hc))
            else:
                spec["healthCheckNodePort"] = _allocate_or_fail(name, txn.next_port, "spec.healthCheckNodePort", "0")

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        spec = obj.get("spec") or {}
        errs: list[E.FieldError] = []
        typ = spec.get("type")
        ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
        headless = (spec.get("clusterIPs") or []) == ["None"]
        if not ports and not headless and typ != EXTERNAL_NAME:
            errs.append(E.required("spec.ports"))
        if typ == LOAD_BALANCER:
            if headless:
                errs.append(E.invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for LoadBalancer services"))
            for i, p in enumerate(ports):
                if p.get("port") == KUBELET_PORT:
                    errs.append(E.invalid(f"spec.ports[{i}]", KUBELET_PORT,
                                          f"may not expose port {KUBELET_PORT} externally since it is used by kubelet"))
        elif typ == NODE_PORT and headless:
            errs.append(E.invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for NodePort services"))
        elif typ == EXTERNAL_NAME:
            if spec.get("clusterIPs"):
                errs.append(E.forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
            if spec.get("ipFamilies"):
                errs.append(E.forbidden("spec.ipFamilies", "may not be set for ExternalName services"))
            if spec.get("ipFamilyPolicy"):
                errs.append(E.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
            cname = (spec.get("externalName") or "").removesuffix(".")
            if cname:
                errs += validate_subdomain("spec.externalName", cname)
            else:
                errs.append(E.required("spec.externalName"))
        names: set[str] = set()
        for i, p in enumerate(ports):
            errs += _validate_port(p, len(ports) > 1, names, f"spec.ports[{i}]")
        if spec.get("selector") is not None:
            errs += validate_labels("spec.selector", spec.get("selector"))
        affinity = spec.get("sessionAffinity")
        if not affinity:
            errs.append(E.required("spec.sessionAffinity"))
        elif affinity not in ("ClientIP", "None"):
            errs.append(E.not_supported("spec.sessionAffinity", affinity, ["ClientIP", "None"]))
        elif affinity == "ClientIP":
            errs += _validate_affinity_config(spec.get("sessionAffinityConfig"))
        errs += _validate_cluster_ips(spec)
        for i, ip in enumerate(spec.get("externalIPs") or []):
            if not _is_ip(ip):
                errs.append(E.invalid(f"spec.externalIPs[{i}]", ip, IP_MSG))
            else:
                errs += special_ip_errors(f"spec.externalIPs[{i}]", ip)
        if not typ:
            errs.append(E.required("spec.type"))
        elif typ not in SERVICE_TYPES:
            errs.append(E.not_supported("spec.type", typ, SERVICE_TYPES))
        if typ == CLUSTER_IP:
            for i, p in enumerate(ports):
                if p.get("nodePort"):
                    errs.append(E.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"))
        seen_node_ports: set[tuple[Any, Any]] = set()
        seen_ports: set[tuple[Any, Any]] = set()
        for i, p in enumerate(ports):
            if p.get("nodePort"):
                key = (p.get("protocol"), p["nodePort"])
                if key in seen_node_ports:
                    errs.append(E.duplicate(f"spec.ports[{i}].nodePort", p["nodePort"]))
                seen_node_ports.add(key)
        for i, p in enumerate(ports):
            key = (p.get("protocol"), p.get("port"))
            if key in seen_ports:
                errs.append(E.FieldError("FieldValueDuplicate", f"spec.ports[{i}]", f"Duplicate value: {_port_key(p)}"))
            seen_ports.add(key)
        for field in ("externalTrafficPolicy", "internalTrafficPolicy"):
            value = spec.get(field)
            if value and value not in ("Cluster", "Local"):
                errs.append(E.not_supported(f"spec.{field}", value, ["Cluster", "Local"]))
        dist = spec.get("trafficDistribution")
        if dist is not None and dist != "PreferClose":  # 1.32 knows only PreferClose (PreferSameZone is 1.33)
            errs.append(E.not_supported("spec.trafficDistribution", dist, ["PreferClose"]))
        if spec.get("externalTrafficPolicy") and not externally_accessible(obj):
            errs.append(E.invalid("spec.externalTrafficPolicy", spec["externalTrafficPolicy"],
                                  "may only be set for externally-accessible services"))
        return errs

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        if not needs_cluster_ip(obj) or not needs_cluster_ip(old):
            return []
        if is_headless(obj) and is_headless(old):
            return []
        new_ips = (obj.get("spec") or {}).get("clusterIPs") or []
        old_ips = (old.get("spec") or {}).get("clusterIPs") or []
        if not new_ips and old_ips:
            return [_invalid_raw("spec.clusterIPs[0]", go_strings(None), "primary clusterIP can not be unset")]
        return [_invalid_raw(f"spec.clusterIPs[{i}]", go_strings(new_ips), "may not change once set", new_ips)
                for i, ip in enumerate(old_ips) if i < len(new_ips) and new_ips[i] != ip]


def _allocate_or_fail(name: str, fn: Any, field: str, rendered: str, ip: str | None = None) -> Any:
    try:
        return fn()
    except AllocationError as exc:
        detail = f"failed to allocate IP {ip}: {exc}" if ip else str(exc)
        if field == "spec.clusterIPs" and ip is None:
            detail = f"failed to allocate a serviceIP: {exc}"
        raise E.invalid_error(R.SERVICES, name, [_invalid_raw(field, rendered, detail)]) from None


def _validate_port(p: dict[str, Any], require_name: bool, names: set[str], path: str) -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    name = p.get("name") or ""
    if require_name and not name:
        errs.append(E.required(f"{path}.name"))
    elif name:
        errs += validate_label_name(f"{path}.name", name)
        if name in names:
            errs.append(E.duplicate(f"{path}.name", name))
        names.add(name)
    for msg in port_number_errors(p.get("port")):
        errs.append(E.invalid(f"{path}.port", p.get("port", 0), msg))
    proto = p.get("protocol")
    if not proto:
        errs.append(E.required(f"{path}.protocol"))
    elif proto not in PROTOCOLS:
        errs.append(E.not_supported(f"{path}.protocol", proto, PROTOCOLS))
    target = p.get("targetPort")
    if isinstance(target, str):
        for msg in port_name_errors(target):
            errs.append(E.invalid(f"{path}.targetPort", target, msg))
    else:
        for msg in port_number_errors(target):
            errs.append(E.invalid(f"{path}.targetPort", target, msg))
    if p.get("appProtocol") is not None:
        errs += validate_qualified_key(f"{path}.appProtocol", p["appProtocol"])
    return errs


def _validate_affinity_config(cfg: Any) -> list[E.FieldError]:
    path = "spec.sessionAffinityConfig"
    when = "when session affinity type is ClientIP"
    if not cfg:
        return [_required(path, when)]
    if not cfg.get("clientIP"):
        return [_required(f"{path}.clientIP", when)]
    timeout = cfg["clientIP"].get("timeoutSeconds")
    if timeout is None:
        return [_required(f"{path}.clientIP.timeoutSeconds", when)]
    if not 0 < timeout <= MAX_AFFINITY_SECONDS:
        return [E.invalid(f"{path}.clientIP.timeoutSeconds", timeout,
                          f"must be greater than 0 and less than {MAX_AFFINITY_SECONDS}")]
    return []


def _validate_cluster_ips(spec: dict[str, Any]) -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    ips = spec.get("clusterIPs") or []
    if ips and spec.get("clusterIP") != ips[0]:
        errs.append(_invalid_raw("spec.clusterIPs", go_strings(ips), "element [0] must match clusterIP"))
    if len(ips) > 2:
        errs.append(_invalid_raw("spec.clusterIPs", go_strings(ips), "may only hold up to 2 values"))
    for i, ip in enumerate(ips):
        if ip == "None":
            if i > 0 or len(ips) > 1:
                errs.append(E.invalid(f"spec.clusterIPs[{i}]", ip, "'None' must be the first and only value"))
        elif not _is_ip(ip):
            errs.append(E.invalid(f"spec.clusterIPs[{i}]", ip, IP_MSG))
    policy = spec.get("ipFamilyPolicy")
    if policy and policy not in IP_FAMILY_POLICIES:
        errs.append(E.not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
    seen: set[str] = set()
    for i, fam in enumerate(spec.get("ipFamilies") or []):
        if fam not in ("IPv4", "IPv6"):
            errs.append(E.not_supported(f"spec.ipFamilies[{i}]", fam, ["IPv4", "IPv6"]))
        elif fam in seen:
            errs.append(E.duplicate(f"spec.ipFamilies[{i}]", fam))
        seen.add(fam)
    return errs


def _family_errors(svc: dict[str, Any]) -> list[E.FieldError]:
    """This is a single-stack IPv4 cluster, like kind's default."""
    spec = svc["spec"]
    errs: list[E.FieldError] = []
    selectorless_headless = is_headless(svc) and not spec.get("selector")
    if spec.get("ipFamilyPolicy") == "RequireDualStack" and not selectorless_headless:
        errs.append(E.invalid("spec.ipFamilyPolicy", "RequireDualStack", "this cluster is not configured for dual-stack services"))
    for i, fam in enumerate(spec.get("ipFamilies") or []):
        if fam != "IPv4" and not selectorless_headless:
            errs.append(E.invalid(f"spec.ipFamilies[{i}]", fam, "not configured on this cluster"))
    return errs


def _patch_allocated_values(new: dict[str, Any], old: dict[str, Any]) -> None:
    """Keep allocated values a full replace (PUT) left out, as the registry does for idempotent updates."""
    ns, os_ = new.setdefault("spec", {}), old.get("spec") or {}
    if needs_cluster_ip(old) and needs_cluster_ip(new):
        if not ns.get("clusterIP"):
            if os_.get("clusterIP"):
                ns["clusterIP"] = os_["clusterIP"]
            if not ns.get("clusterIPs") and os_.get("clusterIPs"):
                ns["clusterIPs"] = list(os_["clusterIPs"])
    if needs_node_ports(old) and needs_node_ports(new):
        used = {p.get("nodePort") for p in ns.get("ports") or []} & {p.get("nodePort") for p in os_.get("ports") or []}
        by_name = {p.get("name", ""): p.get("nodePort") for p in os_.get("ports") or []}
        for p in ns.get("ports") or []:
            if not p.get("nodePort"):
                previous = by_name.get(p.get("name", ""))
                if previous and previous not in used:
                    p["nodePort"] = previous
    if needs_health_check_port(old) and needs_health_check_port(new) and not ns.get("healthCheckNodePort"):
        if os_.get("healthCheckNodePort"):
            ns["healthCheckNodePort"] = os_["healthCheckNodePort"]


def _normalize_cluster_ips(new: dict[str, Any], old: dict[str, Any]) -> None:
    ns, os_ = new["spec"], old.get("spec") or {}
    if os_.get("clusterIP") == ns.get("clusterIP"):
        return
    same_plural = (ns.get("clusterIPs") or []) == (os_.get("clusterIPs") or [])
    if not ns.get("clusterIP"):
        if same_plural:
            ns.pop("clusterIPs", None)
    elif same_plural:
        ips = list(ns.get("clusterIPs") or [""])
        ips[0] = ns["clusterIP"]
        ns["clusterIPs"] = ips


def _drop_type_dependent_fields(new: dict[str, Any], old: dict[str, Any]) -> None:
    """Clear what the old type needed and the new one does not, unless the user changed it too."""
    ns, os_ = new["spec"], old.get("spec") or {}

    def same(field: str) -> bool:
        return ns.get(field) == os_.get(field)

    if needs_cluster_ip(old) and not needs_cluster_ip(new):
        if same("clusterIP") and same("clusterIPs"):
            ns.pop("clusterIP", None)
            ns.pop("clusterIPs", None)
        if same("ipFamilies"):
            ns.pop("ipFamilies", None)
        if same("ipFamilyPolicy"):
            ns.pop("ipFamilyPolicy", None)
    if needs_node_ports(old) and not needs_node_ports(new):
        if [p.get("nodePort") for p in ns.get("ports") or []] == [p.get("nodePort") for p in os_.get("ports") or []]:
            for p in ns.get("ports") or []:
                p.pop("nodePort", None)
    if needs_health_check_port(old) and not needs_health_check_port(new) and same("healthCheckNodePort"):
        ns.pop("healthCheckNodePort", None)
    if os_.get("type") == LOAD_BALANCER and ns.get("type") != LOAD_BALANCER:
        if same("allocateLoadBalancerNodePorts"):
            ns.pop("allocateLoadBalancerNodePorts", None)
        if same("loadBalancerClass"):
            ns.pop("loadBalancerClass", None)
    if externally_accessible(old) and not externally_accessible(new) and same("externalTrafficPolicy"):
        ns.pop("externalTrafficPolicy", None)


# ---- Endpoints ----

def _validate_ip(field: str, ip: Any) -> list[E.FieldError]:
    if not isinstance(ip, str) or not _is_ip(ip):
        return [E.invalid(field, ip, IP_MSG)]
    return special_ip_errors(field, ip)


class EndpointsStrategy(Strategy):
    has_status = False

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        for subset in obj.get("subsets") or []:
            for port in subset.get("ports") or []:
                port.setdefault("protocol", "TCP")

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        errs: list[E.FieldError] = []
        for i, subset in enumerate(obj.get("subsets") or []):
            path = f"subsets[{i}]"
            if not subset.get("addresses") and not subset.get("notReadyAddresses"):
                errs.append(_required(path, "must specify `addresses` or `notReadyAddresses`"))
            for field in ("addresses", "notReadyAddresses"):
                for j, addr in enumerate(subset.get(field) or []):
                    errs += _validate_ip(f"{path}.{field}[{j}].ip", addr.get("ip"))
                    if addr.get("hostname"):
                        errs += validate_label_name(f"{path}.{field}[{j}].hostname", addr["hostname"])
            ports = subset.get("ports") or []
            for j, port in enumerate(ports):
                pp = f"{path}.ports[{j}]"
                if len(ports) > 1 and not port.get("name"):
                    errs.append(E.required(f"{pp}.name"))
                elif port.get("name"):
                    errs += validate_label_name(f"{pp}.name", port["name"])
                for msg in port_number_errors(port.get("port")):
                    errs.append(E.invalid(f"{pp}.port", port.get("port", 0), msg))
                if port.get("protocol") not in PROTOCOLS:
                    errs.append(E.not_supported(f"{pp}.protocol", port.get("protocol"), PROTOCOLS))
        return errs


# ---- EndpointSlice ----

ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]


class EndpointSliceStrategy(Strategy):
    has_status = False
    tracks_generation = True

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        for port in obj.get("ports") or []:
            if port.get("name") is None:
                port["name"] = ""
            if port.get("protocol") is None:
                port["protocol"] = "TCP"

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        errs: list[E.FieldError] = []
        address_type = obj.get("addressType")
        for i, ep in enumerate(obj.get("endpoints") or []):
            path = f"endpoints[{i}].addresses"
            addresses = ep.get("addresses") or []
            if not addresses:
                errs.append(_required(path, "must contain at least 1 address"))
            elif len(addresses) > 100:
                errs.append(E.FieldError("FieldValueTooMany", path, f"Too many: {len(addresses)}: must have at most 100 items"))
            for j, addr in enumerate(addresses):
                if address_type in ("IPv4", "IPv6"):
                    cls = ipaddress.IPv4Address if address_type == "IPv4" else ipaddress.IPv6Address
                    try:
                        cls(addr)
                    except ValueError:
                        errs.append(E.invalid(f"{path}[{j}]", addr, f"must be a valid {address_type} address"))
                        continue
                    errs += special_ip_errors(f"{path}[{j}]", addr)
            if ep.get("hostname") is not None:
                errs += validate_label_name(f"endpoints[{i}].hostname", ep["hostname"])
        names: set[str] = set()
        for i, port in enumerate(obj.get("ports") or []):
            name = port.get("name") or ""
            if name:
                errs += validate_label_name(f"ports[{i}].name", name)
            if name in names:
                errs.append(E.duplicate(f"ports[{i}].name", name))
            names.add(name)
            if port.get("protocol") not in PROTOCOLS:
                errs.append(E.not_supported(f"ports[{i}].protocol", port.get("protocol"), PROTOCOLS))
        if not address_type:
            errs.append(E.required("addressType"))
        elif address_type not in ADDRESS_TYPES:
            errs.append(E.not_supported("addressType", address_type, ADDRESS_TYPES))
        return errs

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        if obj.get("addressType") != old.get("addressType"):
            return [E.immutable("addressType", obj.get("addressType"))]
        return []


# ---- printers (pkg/printers/internalversion/printers.go) ----

def _service_external_ip(svc: dict[str, Any]) -> str:
    spec = svc.get("spec") or {}
    external = spec.get("externalIPs") or []
    typ = spec.get("type")
    if typ in (CLUSTER_IP, NODE_PORT):
        return ",".join(external) if external else "<none>"
    if typ == LOAD_BALANCER:
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        lb = sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")})
        if external:
            return ",".join(lb + list(external))
        return ",".join(lb) if lb else "<pending>"
    if typ == EXTERNAL_NAME:
        return spec.get("externalName", "")
    return "<unknown>"


def format_service_ports(ports: list[dict[str, Any]]) -> str:
    pieces = []
    for p in ports:
        if p.get("nodePort"):
            pieces.append(f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', '')}")
        else:
            pieces.append(f"{p.get('port')}/{p.get('protocol', '')}")
    return ",".join(pieces)


def format_labels(labels: dict[str, str] | None) -> str:
    if not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _service_cells(svc: dict[str, Any], now: float) -> list[Any]:
    spec = svc.get("spec") or {}
    ips = cluster_ips(svc)
    return [svc["metadata"]["name"], spec.get("type", ""), ips[0] if ips else "<none>", _service_external_ip(svc),
            format_service_ports(spec.get("ports") or []) or "<none>", T.age(svc["metadata"].get("creationTimestamp"), now),
            format_labels(spec.get("selector"))]


def _host_port(ip: str, port: Any) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoints(ep: dict[str, Any]) -> str:
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    shown: list[str] = []
    limit, more, count = 3, False, 0
    for ss in subsets:
        addresses = ss.get("addresses") or []
        ports = ss.get("ports") or []
        if not ports:
            count += len(addresses)
            for a in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(a.get("ip", ""))
            continue
        for port in ports:
            count += len(addresses)
            for a in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(_host_port(a.get("ip", ""), port.get("port")))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def _list_with_more(items: list[str], count: int) -> str:
    limit = 3
    text = ",".join(items[:limit])
    if count > limit:
        return f"{text} + {count - limit} more..."
    return text or "<unset>"


def _slice_cells(eps: dict[str, Any], now: float) -> list[Any]:
    ports = eps.get("ports") or []
    port_items = [str(p["port"]) if p.get("port") is not None else (p["name"] if p.get("name") is not None else "*") for p in ports]
    addresses = [a for ep in eps.get("endpoints") or [] for a in ep.get("addresses") or []]
    return [eps["metadata"]["name"], eps.get("addressType", ""), _list_with_more(port_items, len(port_items)),
            _list_with_more(addresses, len(addresses)), T.age(eps["metadata"].get("creationTimestamp"), now)]


def register(cluster: Cluster) -> None:
    register_strategy(R.SERVICES, ServiceStrategy())
    register_strategy(R.ENDPOINTS, EndpointsStrategy())
    register_strategy(R.ENDPOINTSLICES, EndpointSliceStrategy())
    T.register(R.SERVICES, [
        T.NAME_COLUMN,
        T.col("Type", description="type determines how the Service is exposed. Defaults to ClusterIP."),
        T.col("Cluster-IP", description="clusterIP is the IP address of the service and is usually assigned randomly."),
        T.col("External-IP", description="externalIPs is a list of IP addresses for which nodes in the cluster will "
              "also accept traffic for this service."),
        T.col("Port(s)", description="The list of ports that are exposed by this service."),
        T.AGE_COLUMN,
        T.col("Selector", priority=1, description="Route service traffic to pods with label keys and values matching "
              "this selector."),
    ], _service_cells)
    T.register(R.ENDPOINTS, [
        T.NAME_COLUMN,
        T.col("Endpoints", description="The set of all endpoints is the union of all subsets."),
        T.AGE_COLUMN,
    ], lambda ep, now: [ep["metadata"]["name"], format_endpoints(ep), T.age(ep["metadata"].get("creationTimestamp"), now)])
    T.register(R.ENDPOINTSLICES, [
        T.NAME_COLUMN,
        T.col("AddressType", description="addressType specifies the type of address carried by this EndpointSlice."),
        T.col("Ports", description="ports specifies the list of network ports exposed by each endpoint in this slice."),
        T.col("Endpoints", description="endpoints is a list of unique endpoints in this slice."),
        T.AGE_COLUMN,
    ], _slice_cells)
