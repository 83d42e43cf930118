"""Raw API JSON (dicts from orjson) → svctui's model objects, keeping only the fields svctui uses.

Pure functions, no client models: the generated models cost ~10× more per object (design.md).
Nothing is sanitised here (the UI does that at render time); values are taken as sent.

Robustness: the API may omit or null any optional field, and a broken object (a proxy mangling JSON,
a buggy aggregated API) must not take the stream down. Every converter either returns a model object
or raises `ConvertError`; the stream skips that object and reports it. Optional fields default;
only what identifies an object (metadata.name, and metadata.namespace for these namespaced kinds)
is required.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from svctui.model.objects import (
    NORMAL_WAITING,
    SERVICE_NAME_LABEL,
    TOPOLOGY_HINTS_OLD,
    TOPOLOGY_MODE,
    ContainerPort,
    Endpoint,
    EndpointPort,
    EndpointSlice,
    Labels,
    Pod,
    Service,
    ServicePort,
    Workload,
)
from svctui.model.store import DEPLOYMENT, ENDPOINTSLICE, POD, REPLICASET, SERVICE, STATEFULSET, WORKLOAD_KINDS, Obj

MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"


class ConvertError(ValueError):
    """An object that cannot be converted; `where` names it as far as it could be read."""

    def __init__(self, kind: str, where: str, reason: str):
        super().__init__(f"{kind} {where}: {reason}")
        self.kind = kind
        self.where = where
        self.reason = reason


# ---- small readers: None/absent → default, wrong type → TypeError (turned into ConvertError) ----

def _dict(v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if type(v) is not dict:
        raise TypeError(f"expected an object, got {type(v).__name__}")
    return v


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    if type(v) is not list:
        raise TypeError(f"expected a list, got {type(v).__name__}")
    return v


def _str(v: Any) -> str | None:
    if v is None or type(v) is str:
        return v
    raise TypeError(f"expected a string, got {type(v).__name__}")


def _int(v: Any) -> int | None:
    # bool is an int subclass; a boolean port is malformed, not 1.
    if v is None or (type(v) is int):
        return v
    raise TypeError(f"expected an integer, got {type(v).__name__}")


def _bool(v: Any) -> bool | None:
    if v is None or type(v) is bool:
        return v
    raise TypeError(f"expected a boolean, got {type(v).__name__}")


def _strs(v: Any) -> tuple[str, ...]:
    out = tuple(_list(v))
    for s in out:
        if type(s) is not str:
            raise TypeError(f"expected strings, got {type(s).__name__}")
    return out


def _labels(v: Any) -> Labels:
    d = _dict(v)
    if not d:
        return ()
    for k, val in d.items():
        if type(val) is not str:
            raise TypeError(f"label {k!r} is not a string")
    return tuple(sorted(d.items()))


_ts_cache: dict[str, float] = {}


def epoch_seconds(v: Any) -> float | None:
    """RFC 3339 (the API sends second precision, 'Z') → epoch seconds. Unparseable → None: a bad
    timestamp only costs an age column, not the object."""
    if v is None or type(v) is not str:
        return None
    t = _ts_cache.get(v)
    if t is None:
        try:
            t = datetime.fromisoformat(v).timestamp()
        except ValueError:
            return None
        # Many objects share creation seconds (a rollout, a scenario load); the cache stays small.
        if len(_ts_cache) > 4096:
            _ts_cache.clear()
        _ts_cache[v] = t
    return t


def _meta(kind: str, raw: Any) -> tuple[dict[str, Any], str, str]:
    if type(raw) is not dict:
        raise ConvertError(kind, "?", f"not an object ({type(raw).__name__})")
    md = raw.get("metadata")
    if type(md) is not dict:
        raise ConvertError(kind, "?", "no metadata")
    name, ns = md.get("name"), md.get("namespace")
    if type(name) is not str or not name:
        raise ConvertError(kind, "?", "no metadata.name")
    if type(ns) is not str or not ns:
        raise ConvertError(kind, name, "no metadata.namespace")
    return md, ns, name


# ---- Service ----

def _service_port(p: Any) -> ServicePort:
    p = _dict(p)
    tp = p.get("targetPort")
    if tp is not None and type(tp) not in (int, str):
        raise TypeError("targetPort is neither an integer nor a string")
    return ServicePort(_str(p.get("name")) or "", _int(p.get("port")) or 0, tp,
                       _str(p.get("protocol")) or "TCP", _int(p.get("nodePort")), _str(p.get("appProtocol")))


def service(raw: Any) -> Service:
    md, ns, name = _meta(SERVICE, raw)
    try:
        spec = _dict(raw.get("spec"))
        ingress = _list(_dict(_dict(raw.get("status")).get("loadBalancer")).get("ingress"))
        sel = spec.get("selector")
        cluster_ip = _str(spec.get("clusterIP"))
        notes = _dict(md.get("annotations"))
        return Service(
            ns, name,
            uid=_str(md.get("uid")) or "",
            resource_version=_str(md.get("resourceVersion")) or "",
            type=_str(spec.get("type")) or "ClusterIP",
            cluster_ip=cluster_ip,
            cluster_ips=_strs(spec.get("clusterIPs")),
            external_name=_str(spec.get("externalName")),
            external_ips=_strs(spec.get("externalIPs")),
            lb_ingress=tuple(i for i in (_str(_dict(x).get("ip")) or _str(_dict(x).get("hostname"))
                                         for x in ingress) if i),
            ports=tuple(_service_port(p) for p in _list(spec.get("ports"))),
            selector=None if sel is None else _labels(sel),
            headless=cluster_ip == "None",
            publish_not_ready=bool(_bool(spec.get("publishNotReadyAddresses"))),
            session_affinity=_str(spec.get("sessionAffinity")),
            internal_traffic_policy=_str(spec.get("internalTrafficPolicy")),
            external_traffic_policy=_str(spec.get("externalTrafficPolicy")),
            ip_families=_strs(spec.get("ipFamilies")),
            labels=_labels(md.get("labels")),
            created=epoch_seconds(md.get("creationTimestamp")),
            affinity_timeout=_int(_dict(_dict(spec.get("sessionAffinityConfig")).get("clientIP")).get("timeoutSeconds")),
            ip_family_policy=_str(spec.get("ipFamilyPolicy")),
            traffic_distribution=_str(spec.get("trafficDistribution")),
            topology_mode=_str(notes.get(TOPOLOGY_MODE)) or _str(notes.get(TOPOLOGY_HINTS_OLD)),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConvertError(SERVICE, f"{ns}/{name}", str(exc)) from None


# ---- EndpointSlice ----

_zone_sets: dict[tuple[str, ...], tuple[str, ...]] = {}


def shared_zones(zones: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple per distinct hint set: a slice's endpoints name the same few zones over and over."""
    if not zones:
        return ()
    got = _zone_sets.get(zones)
    if got is None:
        if len(_zone_sets) > 4096:
            _zone_sets.clear()
        got = _zone_sets[zones] = zones
    return got


def _hint_zones(h: Any) -> tuple[str, ...]:
    if h is None:
        return ()
    return shared_zones(tuple(z for z in (_str(_dict(f).get("name")) for f in _list(_dict(h).get("forZones"))) if z))

def _endpoint(e: Any) -> Endpoint:
    e = _dict(e)
    cond = _dict(e.get("conditions"))
    ref = e.get("targetRef")
    if ref is None:
        kind = rname = ruid = rns = None
    else:
        ref = _dict(ref)
        kind, rname, ruid, rns = (_str(ref.get("kind")), _str(ref.get("name")), _str(ref.get("uid")),
                                  _str(ref.get("namespace")))
    return Endpoint(_strs(e.get("addresses")), _bool(cond.get("ready")), _bool(cond.get("serving")),
                    _bool(cond.get("terminating")), _str(e.get("hostname")), _str(e.get("nodeName")),
                    _str(e.get("zone")), kind, rname, ruid or None, rns, _hint_zones(e.get("hints")))


def _endpoint_port(p: Any) -> EndpointPort:
    p = _dict(p)
    return EndpointPort(_str(p.get("name")) or "", _int(p.get("port")), _str(p.get("protocol")) or "TCP",
                        _str(p.get("appProtocol")))


def endpoint_slice(raw: Any) -> EndpointSlice:
    md, ns, name = _meta(ENDPOINTSLICE, raw)
    try:
        labels = _labels(md.get("labels"))
        lab = dict(labels)
        return EndpointSlice(
            ns, name,
            uid=_str(md.get("uid")) or "",
            resource_version=_str(md.get("resourceVersion")) or "",
            service_name=lab.get(SERVICE_NAME_LABEL) or None,
            address_type=_str(raw.get("addressType")) or "IPv4",
            ports=tuple(_endpoint_port(p) for p in _list(raw.get("ports"))),
            # `endpoints: null` is what a slice with no endpoints often carries.
            endpoints=tuple(_endpoint(e) for e in _list(raw.get("endpoints"))),
            managed_by=lab.get(MANAGED_BY_LABEL),
            labels=labels,
            created=epoch_seconds(md.get("creationTimestamp")),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConvertError(ENDPOINTSLICE, f"{ns}/{name}", str(exc)) from None


# ---- Pod ----

def _owner(md: dict[str, Any]) -> tuple[str | None, str | None]:
    refs = _list(md.get("ownerReferences"))
    if not refs:
        return None, None
    # The controller reference is the owner that matters (a pod may carry others).
    ref = next((r for r in refs if _dict(r).get("controller") is True), refs[0])
    ref = _dict(ref)
    return _str(ref.get("kind")), _str(ref.get("name"))


def pod(raw: Any) -> Pod:
    md, ns, name = _meta(POD, raw)
    try:
        spec = _dict(raw.get("spec"))
        status = _dict(raw.get("status"))
        ready = None
        unscheduled = None
        for c in _list(status.get("conditions")):
            c = _dict(c)
            if c.get("type") == "Ready" and ready is None:  # the first one counts
                ready = c.get("status") == "True"
            elif c.get("type") == "PodScheduled" and c.get("status") == "False" and unscheduled is None:
                unscheduled = _str(c.get("reason")) or "Unschedulable"
        restarts = 0
        waiting = None
        for cs in _list(status.get("containerStatuses")):
            cs = _dict(cs)
            restarts += _int(cs.get("restartCount")) or 0
            reason = _str(_dict(_dict(cs.get("state")).get("waiting")).get("reason"))
            if waiting is None and reason and reason not in NORMAL_WAITING:
                waiting = reason
        ports = []
        for c in _list(spec.get("containers")):
            for p in _list(_dict(c).get("ports")):
                p = _dict(p)
                ports.append(ContainerPort(_str(p.get("name")), _int(p.get("containerPort")) or 0,
                                           _str(p.get("protocol")) or "TCP"))
        okind, oname = _owner(md)
        return Pod(
            ns, name,
            uid=_str(md.get("uid")) or "",
            resource_version=_str(md.get("resourceVersion")) or "",
            labels=_labels(md.get("labels")),
            node_name=_str(spec.get("nodeName")),
            pod_ip=_str(status.get("podIP")) or None,
            pod_ips=tuple(ip for ip in (_str(_dict(x).get("ip")) for x in _list(status.get("podIPs"))) if ip),
            phase=_str(status.get("phase")) or "Pending",
            ready=bool(ready),
            deleting=md.get("deletionTimestamp") is not None,
            restarts=restarts,
            container_ports=tuple(ports),
            hostname=_str(spec.get("hostname")),
            subdomain=_str(spec.get("subdomain")),
            owner_kind=okind,
            owner_name=oname,
            created=epoch_seconds(md.get("creationTimestamp")),
            start_time=epoch_seconds(status.get("startTime")),
            waiting_reason=waiting,
            unscheduled_reason=unscheduled,
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConvertError(POD, f"{ns}/{name}", str(exc)) from None


# ---- Deployment, ReplicaSet, StatefulSet ----

def _workload(kind: str, raw: Any) -> Workload:
    """spec.replicas and the controller owner only: what a Service's desired count needs (model/intent.py)."""
    md, ns, name = _meta(kind, raw)
    try:
        replicas = _int(_dict(raw.get("spec")).get("replicas"))
        okind, oname = _owner(md)
        return Workload(ns, name, kind, uid=_str(md.get("uid")) or "",
                        resource_version=_str(md.get("resourceVersion")) or "",
                        replicas=1 if replicas is None else replicas, owner_kind=okind, owner_name=oname)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConvertError(kind, f"{ns}/{name}", str(exc)) from None


def deployment(raw: Any) -> Workload:
    return _workload(DEPLOYMENT, raw)


def replica_set(raw: Any) -> Workload:
    return _workload(REPLICASET, raw)


def stateful_set(raw: Any) -> Workload:
    return _workload(STATEFULSET, raw)


CONVERTERS: dict[str, Callable[[Any], Obj]] = {SERVICE: service, ENDPOINTSLICE: endpoint_slice, POD: pod,
                                               DEPLOYMENT: deployment, REPLICASET: replica_set,
                                               STATEFULSET: stateful_set}


_BARE: dict[str, Callable[..., Obj]] = {SERVICE: Service, ENDPOINTSLICE: EndpointSlice, POD: Pod}


def _bare_workload(kind: str) -> Callable[..., Obj]:
    return lambda ns, name, uid="": Workload(ns, name, kind, uid)


_BARE.update({k: _bare_workload(k) for k in WORKLOAD_KINDS})


def tombstone(kind: str, raw: Any) -> Obj | None:
    """For a DELETED event whose object is otherwise broken: enough identity to remove what we hold
    (the store keeps the last good version for the delta), so a deletion is never lost to bad JSON."""
    try:
        md, ns, name = _meta(kind, raw)
    except ConvertError:
        return None
    uid = md.get("uid")
    return _BARE[kind](ns, name, uid=uid if type(uid) is str else "")


def resource_version(raw: Any) -> str | None:
    """The RV of a raw object, read even when the rest of it is broken (so the watch resumes after it)."""
    if type(raw) is dict:
        md = raw.get("metadata")
        rv = md.get("resourceVersion") if type(md) is dict else None
        if type(rv) is str:
            return rv
    return None
