"""List pages decoded straight into svctui's model objects: the fast path for the bulk of the data.

A page of 500 pods is ~1.5 MB of JSON, most of it fields svctui never looks at (managedFields,
annotations, container specs, statuses). orjson builds all of it as Python objects first. Here
msgspec decodes the page into Structs holding only the fields convert.py reads (the rest is skipped
without being built), and the Structs become model objects. At 100,000 pods that is ~16 µs a pod
against ~24 µs for typed dicts through convert.py; at 100,000 endpoints, 0.55 s against 0.9 s.

Watch lines of the same kinds are read the same way (read_event). convert.py stays the rule book:
any page or watch line that does not fit goes through it, and so do the other kinds. The
Struct types are never looser than its checks (often stricter: a label that is not a string, a port
that is a boolean, a null in a list), and what it requires (metadata.name and .namespace) is checked
here too: a page that does not fit in any way is decoded again with orjson and its items converted one
by one by convert.py, where a bad object is skipped and reported on its own. So a well-formed page
takes the fast path and a malformed one costs only speed. The converters below repeat convert.py's
defaults field for field; tests/kube/test_pages.py holds them to it on the sim's pages and on
hand-made edge cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import msgspec
import orjson

from svctui.model.objects import (
    NORMAL_WAITING,
    SERVICE_NAME_LABEL,
    TOPOLOGY_HINTS_OLD,
    TOPOLOGY_MODE,
    ContainerPort,
    Endpoint,
    EndpointPort,
    EndpointSlice,
    Pod,
    Service,
    ServicePort,
)
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE, Obj

from .convert import MANAGED_BY_LABEL, epoch_seconds, shared_zones

Str = str | None


class _S(msgspec.Struct, gc=False):  # gc=False: no cycles in decoded JSON; saves the collector's tracking
    pass


class _Owner(_S):
    kind: Str = None
    name: Str = None
    controller: bool | None = None


class _Meta(_S):
    name: Str = None
    namespace: Str = None
    uid: Str = None
    resourceVersion: Str = None
    labels: dict[str, str] | None = None
    creationTimestamp: Str = None
    deletionTimestamp: Str = None
    ownerReferences: list[_Owner] | None = None


_NO_META = _Meta()


class _SvcMeta(_Meta):
    # Only a Service's annotations are read (the topology mode): pods' would cost the decoder dearly.
    annotations: dict[str, str] | None = None

# ---- Service ----


class _ServicePort(_S):
    name: Str = None
    port: int | None = None
    targetPort: int | str | None = None
    protocol: Str = None
    nodePort: int | None = None
    appProtocol: Str = None


class _ClientIP(_S):
    timeoutSeconds: int | None = None


class _AffinityConfig(_S):
    clientIP: _ClientIP | None = None


class _ServiceSpec(_S):
    type: Str = None
    clusterIP: Str = None
    clusterIPs: list[str] | None = None
    externalName: Str = None
    externalIPs: list[str] | None = None
    ports: list[_ServicePort] | None = None
    selector: dict[str, str] | None = None
    publishNotReadyAddresses: bool | None = None
    sessionAffinity: Str = None
    internalTrafficPolicy: Str = None
    externalTrafficPolicy: Str = None
    ipFamilies: list[str] | None = None
    ipFamilyPolicy: Str = None
    trafficDistribution: Str = None
    sessionAffinityConfig: _AffinityConfig | None = None


class _Ingress(_S):
    ip: Str = None
    hostname: Str = None


class _LoadBalancer(_S):
    ingress: list[_Ingress] | None = None


class _ServiceStatus(_S):
    loadBalancer: _LoadBalancer | None = None


class _Service(_S):
    metadata: _SvcMeta | None = None
    spec: _ServiceSpec | None = None
    status: _ServiceStatus | None = None


# ---- EndpointSlice ----

class _Ref(_S):
    kind: Str = None
    name: Str = None
    uid: Str = None
    namespace: Str = None


class _Conditions(_S):
    ready: bool | None = None
    serving: bool | None = None
    terminating: bool | None = None


class _ForZone(_S):
    name: Str = None


class _Hints(_S):
    forZones: list[_ForZone] | None = None


class _Endpoint(_S):
    hints: _Hints | None = None
    addresses: list[str] | None = None
    conditions: _Conditions | None = None
    targetRef: _Ref | None = None
    hostname: Str = None
    nodeName: Str = None
    zone: Str = None


class _EndpointPort(_S):
    name: Str = None
    port: int | None = None
    protocol: Str = None
    appProtocol: Str = None


class _Slice(_S):
    metadata: _Meta | None = None
    addressType: Str = None
    ports: list[_EndpointPort] | None = None
    endpoints: list[_Endpoint] | None = None


# ---- Pod ----

class _ContainerPort(_S):
    name: Str = None
    containerPort: int | None = None
    protocol: Str = None


class _Container(_S):
    ports: list[_ContainerPort] | None = None


class _PodSpec(_S):
    nodeName: Str = None
    hostname: Str = None
    subdomain: Str = None
    containers: list[_Container] | None = None


class _PodCondition(_S):
    type: Str = None
    status: Str = None
    reason: Str = None


class _Waiting(_S):
    reason: Str = None


class _ContainerState(_S):
    waiting: _Waiting | None = None


class _ContainerStatus(_S):
    restartCount: int | None = None
    state: _ContainerState | None = None


class _PodIP(_S):
    ip: Str = None


class _PodStatus(_S):
    phase: Str = None
    podIP: Str = None
    podIPs: list[_PodIP] | None = None
    conditions: list[_PodCondition] | None = None
    containerStatuses: list[_ContainerStatus] | None = None
    startTime: Str = None


class _Pod(_S):
    metadata: _Meta | None = None
    spec: _PodSpec | None = None
    status: _PodStatus | None = None


_NO_SVC_SPEC, _NO_SLICE_COND, _NO_POD_SPEC, _NO_POD_STATUS = _ServiceSpec(), _Conditions(), _PodSpec(), _PodStatus()


# ---- Structs → model objects (convert.py's rules, for input already of the right types) ----

class _Misfit(Exception):
    """Something convert.py would refuse: the page goes the slow way, where it is reported."""


_M = TypeVar("_M", bound=_Meta)


def _ident(md: _M | None) -> tuple[_M, str, str]:
    if md is None or not md.name or not md.namespace:
        raise _Misfit
    return md, md.namespace, md.name


def _labels(d: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(d.items())) if d else ()


def _service(s: _Service) -> Service:
    md, ns, name = _ident(s.metadata)
    spec = s.spec or _NO_SVC_SPEC
    notes = md.annotations or {}
    cip = spec.sessionAffinityConfig.clientIP if spec.sessionAffinityConfig is not None else None
    lb = s.status.loadBalancer if s.status is not None else None
    ingress = (lb.ingress if lb is not None else None) or ()
    sel = spec.selector
    cluster_ip = spec.clusterIP
    return Service(
        ns, name, uid=md.uid or "", resource_version=md.resourceVersion or "", type=spec.type or "ClusterIP",
        cluster_ip=cluster_ip, cluster_ips=tuple(spec.clusterIPs or ()), external_name=spec.externalName,
        external_ips=tuple(spec.externalIPs or ()), lb_ingress=tuple(i for i in (x.ip or x.hostname for x in ingress) if i),
        ports=tuple(ServicePort(p.name or "", p.port or 0, p.targetPort, p.protocol or "TCP", p.nodePort, p.appProtocol)
                    for p in spec.ports or ()),
        selector=None if sel is None else _labels(sel), headless=cluster_ip == "None",
        publish_not_ready=bool(spec.publishNotReadyAddresses), session_affinity=spec.sessionAffinity,
        internal_traffic_policy=spec.internalTrafficPolicy, external_traffic_policy=spec.externalTrafficPolicy,
        ip_families=tuple(spec.ipFamilies or ()), labels=_labels(md.labels), created=epoch_seconds(md.creationTimestamp),
        affinity_timeout=cip.timeoutSeconds if cip is not None else None, ip_family_policy=spec.ipFamilyPolicy,
        traffic_distribution=spec.trafficDistribution,
        topology_mode=notes.get(TOPOLOGY_MODE) or notes.get(TOPOLOGY_HINTS_OLD))


_one_zone: dict[str, tuple[str, ...]] = {}


def _hint_zones(fz: list[_ForZone]) -> tuple[str, ...]:
    """Nearly always one zone (an endpoint hinted for its own): looked up by name, no tuple built."""
    if len(fz) == 1:
        name = fz[0].name
        if not name:
            return ()
        got = _one_zone.get(name)
        if got is None:
            if len(_one_zone) > 4096:
                _one_zone.clear()
            got = _one_zone[name] = shared_zones((name,))
        return got
    return shared_zones(tuple(z.name for z in fz if z.name))


def _endpoint(e: _Endpoint) -> Endpoint:
    c = e.conditions or _NO_SLICE_COND
    r = e.targetRef
    h = e.hints
    zones = _hint_zones(h.forZones) if h is not None and h.forZones else ()
    if r is None:
        return Endpoint(tuple(e.addresses or ()), c.ready, c.serving, c.terminating, e.hostname, e.nodeName, e.zone,
                        None, None, None, None, zones)
    return Endpoint(tuple(e.addresses or ()), c.ready, c.serving, c.terminating, e.hostname, e.nodeName, e.zone,
                    r.kind, r.name, r.uid or None, r.namespace, zones)


def _slice(s: _Slice) -> EndpointSlice:
    md, ns, name = _ident(s.metadata)
    lab = md.labels or {}
    return EndpointSlice(
        ns, name, uid=md.uid or "", resource_version=md.resourceVersion or "",
        service_name=lab.get(SERVICE_NAME_LABEL) or None, address_type=s.addressType or "IPv4",
        ports=tuple(EndpointPort(p.name or "", p.port, p.protocol or "TCP", p.appProtocol) for p in s.ports or ()),
        endpoints=tuple(map(_endpoint, s.endpoints or ())), managed_by=lab.get(MANAGED_BY_LABEL),
        labels=_labels(lab), created=epoch_seconds(md.creationTimestamp))


_port_sets: dict[tuple[tuple[str | None, int, str], ...], tuple[ContainerPort, ...]] = {}


def _container_ports(spec: _PodSpec) -> tuple[ContainerPort, ...]:
    """The pod's ports, one shared tuple per distinct set: the pods of a workload declare the same."""
    raw = tuple((cp.name, cp.containerPort or 0, cp.protocol or "TCP")
                for c in spec.containers or () for cp in c.ports or ())
    if not raw:
        return ()
    got = _port_sets.get(raw)
    if got is None:
        if len(_port_sets) > 4096:
            _port_sets.clear()
        got = _port_sets[raw] = tuple(ContainerPort(*t) for t in raw)
    return got


def _pod(p: _Pod) -> Pod:
    md, ns, name = _ident(p.metadata)
    spec = p.spec or _NO_POD_SPEC
    status = p.status or _NO_POD_STATUS
    ready = None
    unscheduled = None
    for c in status.conditions or ():
        if c.type == "Ready" and ready is None:  # the first one counts
            ready = c.status == "True"
        elif c.type == "PodScheduled" and c.status == "False" and unscheduled is None:
            unscheduled = c.reason or "Unschedulable"
    restarts = 0
    waiting = None
    for cs in status.containerStatuses or ():
        restarts += cs.restartCount or 0
        w = cs.state.waiting if cs.state is not None else None
        if waiting is None and w is not None and w.reason and w.reason not in NORMAL_WAITING:
            waiting = w.reason
    refs = md.ownerReferences
    if refs:
        # The controller reference is the owner that matters (a pod may carry others).
        ref = next((r for r in refs if r.controller is True), refs[0])
        okind, oname = ref.kind, ref.name
    else:
        okind = oname = None
    return Pod(
        ns, name, md.uid or "", md.resourceVersion or "", _labels(md.labels), spec.nodeName, status.podIP or None,
        tuple(ip for ip in (x.ip for x in status.podIPs or ()) if ip), status.phase or "Pending", bool(ready),
        md.deletionTimestamp is not None, restarts, _container_ports(spec), spec.hostname, spec.subdomain, okind, oname,
        epoch_seconds(md.creationTimestamp), epoch_seconds(status.startTime), waiting, unscheduled)


# ---- the page ----

class _ListMeta(_S):
    resourceVersion: Str = None
    continue_: Str = msgspec.field(default=None, name="continue")


def _list_of(item: type) -> type:
    return msgspec.defstruct(f"_{item.__name__.strip('_')}List", [
        # A type made at run time, for msgspec: mypy cannot follow it.
        ("metadata", _ListMeta | None, None), ("items", list[item] | None, None)], bases=(_S,))  # type: ignore[valid-type]


_READERS: dict[str, tuple[msgspec.json.Decoder[Any], Callable[[Any], Obj]]] = {SERVICE: (msgspec.json.Decoder(_list_of(_Service)), _service),
            ENDPOINTSLICE: (msgspec.json.Decoder(_list_of(_Slice)), _slice),
            POD: (msgspec.json.Decoder(_list_of(_Pod)), _pod)}


class Page(NamedTuple):
    """A list page: `objects` converted when it fitted (else None, and `raw` is orjson's reading of
    it, for convert.py item by item); `cont` and `rv` from its metadata either way."""
    objects: list[Obj] | None
    raw: Any
    cont: str | None
    rv: str | None


def read_page(kind: str, body: bytes) -> Page:
    """Raises orjson.JSONDecodeError when the body is not JSON, ValueError when it is not a list."""
    reader = _READERS.get(kind)
    if reader is not None:
        decoder, convert = reader
        try:
            page = decoder.decode(body)
            objects = list(map(convert, page.items or ()))
        except (msgspec.DecodeError, _Misfit):  # a type that does not fit, a nameless object, not JSON
            pass
        else:
            md = page.metadata or _ListMeta()
            return Page(objects, None, md.continue_ or None, md.resourceVersion)
    raw = orjson.loads(body)
    if type(raw) is not dict:
        raise ValueError("list response is not a JSON object")
    md = raw.get("metadata")
    md = md if type(md) is dict else {}
    cont, rv = md.get("continue"), md.get("resourceVersion")
    return Page(None, raw, cont if type(cont) is str and cont else None, rv if type(rv) is str else None)


def _event_of(item: type) -> type:
    return msgspec.defstruct(f"_{item.__name__.strip('_')}Event", [
        ("type", Str, None), ("object", item | None, None)], bases=(_S,))


_CHANGES = ("ADDED", "MODIFIED", "DELETED")
_EVENT_READERS: dict[str, tuple[msgspec.json.Decoder[Any], Callable[[Any], Obj]]] = {
    SERVICE: (msgspec.json.Decoder(_event_of(_Service)), _service),
    ENDPOINTSLICE: (msgspec.json.Decoder(_event_of(_Slice)), _slice),
    POD: (msgspec.json.Decoder(_event_of(_Pod)), _pod)}


def read_event(kind: str, line: bytes) -> tuple[str, Obj, str | None] | None:
    """A watch line's (type, object, resourceVersion) the way list pages are read, for an ADDED,
    MODIFIED or DELETED of an object that fits; None for anything else (a BOOKMARK, an ERROR, a
    kind without a reader, a line that does not fit), which the caller reads with orjson and
    convert.py as before. Under load the watch lines are most of the app's decoding: a slice event
    through convert.py builds every endpoint's dicts first."""
    reader = _EVENT_READERS.get(kind)
    if reader is None:
        return None
    decoder, convert = reader
    try:
        ev = decoder.decode(line)
        if ev.type not in _CHANGES or ev.object is None:
            return None
        obj = convert(ev.object)
    except (msgspec.DecodeError, _Misfit):
        return None
    return ev.type, obj, ev.object.metadata.resourceVersion


class _ListHead(msgspec.Struct):
    metadata: dict[str, Any] | None = None


_HEAD = msgspec.json.Decoder(_ListHead)


def continue_token(body: bytes) -> str | None:
    """A page's metadata.continue, read without decoding its items, so the next page can be asked
    for while this one is decoded. The API writes the list's metadata before its items: the head up
    to "items" is decoded on its own (microseconds); otherwise the whole body is scanned, items
    skipped (~2 ms a page of 500 pods). A guess only: the caller checks it against the full decode.
    None if absent or unreadable."""
    md = None
    i = body.find(b'"items"', 0, 8192)
    head = body[:i].rstrip() if i > 0 else b""
    try:
        if head.endswith(b","):
            md = _HEAD.decode(head[:-1] + b"}").metadata
        if md is None:  # no head, or the metadata comes after the items
            md = _HEAD.decode(body).metadata
    except msgspec.DecodeError:
        return None
    cont = md.get("continue") if type(md) is dict else None
    return cont if type(cont) is str and cont else None
