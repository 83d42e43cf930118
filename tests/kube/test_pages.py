"""List pages read by pages.py (msgspec Structs straight into model objects) give exactly the objects
orjson + convert.py give: on the sim's real pages, on hand-made edge cases of every optional field,
and on malformed pages (which fall back to orjson and convert.py item by item)."""

from __future__ import annotations

import urllib.request

import orjson
import pytest

from svctui.kube.convert import CONVERTERS, ConvertError
from svctui.kube.pages import read_event, read_page
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE

PATHS = {SERVICE: "/api/v1/services", ENDPOINTSLICE: "/apis/discovery.k8s.io/v1/endpointslices",
         POD: "/api/v1/pods"}
LISTS = {SERVICE: "ServiceList", ENDPOINTSLICE: "EndpointSliceList", POD: "PodList"}


def converted(kind: str, raw_page) -> list:
    """What convert.py makes of each item (the error text for one it refuses)."""
    out = []
    for raw in raw_page.get("items") or ():
        try:
            out.append(CONVERTERS[kind](raw))
        except ConvertError as exc:
            out.append(str(exc))
    return out


def page(kind: str, *items, **md) -> bytes:
    return orjson.dumps({"kind": LISTS[kind], "metadata": {"resourceVersion": "7", **md}, "items": list(items)})


def fast(kind: str, body: bytes) -> list:
    got = read_page(kind, body)
    assert got.objects is not None, "expected the page to fit the fast path"
    return got.objects


@pytest.mark.parametrize("kind", [SERVICE, ENDPOINTSLICE, POD])
def test_the_sims_pages_read_to_the_same_objects(demo_sim, kind):
    with urllib.request.urlopen(f"{demo_sim.url}{PATHS[kind]}?limit=500") as r:
        body = r.read()
    full = orjson.loads(body)
    got = read_page(kind, body)
    assert got.objects is not None and len(got.objects) > 3
    assert got.objects == converted(kind, full)
    assert got.rv == full["metadata"]["resourceVersion"] and got.cont == full["metadata"].get("continue")
    with urllib.request.urlopen(f"{demo_sim.url}{PATHS[kind]}?limit=2") as r:
        assert read_page(kind, r.read()).cont  # a continue token comes through


def meta(name: str, **extra) -> dict:
    return {"name": name, "namespace": "default", **extra}


# Every optional field absent, null, empty, or set in an unusual way, per kind.
EDGES = {
    SERVICE: [
        {"metadata": meta("a")},
        {"metadata": meta("b", uid=None, labels=None, creationTimestamp="not a time"), "spec": None, "status": None},
        {"metadata": meta("c", labels={}), "spec": {"selector": {}, "ports": None, "clusterIP": "None",
                                                    "type": None, "ipFamilies": []}},
        {"metadata": meta("d", creationTimestamp="2026-12-01T10:00:00Z"),
         "spec": {"type": "LoadBalancer", "selector": {"b": "2", "a": "1"}, "publishNotReadyAddresses": True,
                  "ports": [{"port": 80, "targetPort": "http"}, {"name": "x", "targetPort": 9000, "nodePort": 30000,
                                                                 "protocol": "UDP", "appProtocol": "h2c"}, {}],
                  "externalIPs": ["1.2.3.4"], "clusterIPs": ["10.0.0.1", "fd00::1"],
                  "internalTrafficPolicy": "Local", "externalTrafficPolicy": "Cluster", "sessionAffinity": "ClientIP"},
         "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example"}, {"ip": "5.6.7.8"}, {}]}}},
        {"metadata": meta("e"), "spec": {"type": "ExternalName", "externalName": "db.example.com"},
         "status": {"loadBalancer": None}},
        {"metadata": meta("f", annotations={"service.kubernetes.io/topology-mode": "Auto", "other": "x"}),
         "spec": {"sessionAffinity": "ClientIP", "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}},
                  "ipFamilies": ["IPv6", "IPv4"], "ipFamilyPolicy": "PreferDualStack",
                  "trafficDistribution": "PreferClose"}},
        {"metadata": meta("g", annotations={"service.kubernetes.io/topology-aware-hints": "auto"}),
         "spec": {"sessionAffinity": "ClientIP", "sessionAffinityConfig": {"clientIP": None}}},
        {"metadata": meta("h", annotations={"service.kubernetes.io/topology-mode": "",
                                            "service.kubernetes.io/topology-aware-hints": "Auto"}),
         "spec": {"sessionAffinityConfig": {}}},
        {"metadata": meta("i", annotations=None), "spec": {"sessionAffinityConfig": None}},
    ],
    ENDPOINTSLICE: [
        {"metadata": meta("s1")},
        {"metadata": meta("s2", labels={"kubernetes.io/service-name": "web",
                                        "endpointslice.kubernetes.io/managed-by": "me"}),
         "addressType": "IPv6", "endpoints": None, "ports": None},
        {"metadata": meta("s3", labels={"kubernetes.io/service-name": ""}), "ports": [{}, {"name": "", "port": 8080}],
         "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": [], "conditions": None},
                       {"addresses": ["10.0.0.2", "10.0.0.3"], "conditions": {"ready": False, "serving": True,
                                                                             "terminating": True},
                        "targetRef": {"kind": "Pod", "name": "p", "uid": "", "namespace": "other"},
                        "hostname": "h", "nodeName": "n", "zone": "z"},
                       {"addresses": None, "targetRef": {}, "conditions": {"ready": None}}]},
        {"metadata": meta("s4"),
         "endpoints": [{"addresses": ["10.0.0.4"], "zone": "zone-a", "hints": {"forZones": [{"name": "zone-a"}]}},
                       {"addresses": ["10.0.0.5"], "hints": {"forZones": [{"name": "zone-a"}, {"name": "zone-b"}]},
                        "targetRef": {"kind": "Pod", "name": "q"}},
                       {"addresses": ["10.0.0.6"], "hints": {}}, {"addresses": ["10.0.0.7"], "hints": None},
                       {"addresses": ["10.0.0.8"], "hints": {"forZones": [{}, {"name": ""}]}},
                       {"addresses": ["10.0.0.9"], "hints": {"forZones": None}}]},
    ],
    POD: [
        {"metadata": meta("p1")},
        {"metadata": meta("p2", deletionTimestamp="2026-12-01T10:00:00Z", ownerReferences=[]),
         "spec": None, "status": None},
        {"metadata": meta("p3", ownerReferences=[{"kind": "Job", "name": "j"},
                                                 {"kind": "ReplicaSet", "name": "rs", "controller": True}],
                          labels={"z": "1", "a": "2"}),
         "spec": {"nodeName": "n", "hostname": "h", "subdomain": "s",
                  "containers": [{"ports": None}, {}, {"ports": [{"containerPort": 80}, {"name": "dns", "containerPort": 53,
                                                                                         "protocol": "UDP"}, {}]}]},
         "status": {"phase": None, "podIP": "", "podIPs": [{"ip": "10.0.0.1"}, {}, {"ip": "fd00::1"}],
                    "conditions": [{"type": "Ready", "status": "False"}, {"type": "Ready", "status": "True"}],
                    "containerStatuses": [{"restartCount": 2}, {}, {"restartCount": None}], "startTime": "bad"}},
        {"metadata": meta("p4", ownerReferences=[{"kind": "Node", "name": "n1", "controller": False}]),
         "status": {"phase": "Succeeded", "conditions": [{"type": "Initialized"}, {}]}},
        {"metadata": meta("p5"), "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}},
        {"metadata": meta("p6"), "status": {
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"},
                           {"type": "PodScheduled", "status": "False", "reason": "Later"}],
            "containerStatuses": [{"state": {"waiting": {"reason": "ContainerCreating"}}}, {"state": None},
                                  {"state": {"waiting": None}}, {"state": {"waiting": {"reason": "ImagePullBackOff"}}},
                                  {"state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}},
        {"metadata": meta("p7"), "status": {"conditions": [{"type": "PodScheduled", "status": "False", "reason": None}],
                                            "containerStatuses": [{"state": {"running": {}}}]}},
    ],
}


@pytest.mark.parametrize("kind", [SERVICE, ENDPOINTSLICE, POD])
def test_every_optional_field_reads_as_convert_reads_it(kind):
    body = page(kind, *EDGES[kind], **{"continue": "tok"})
    assert fast(kind, body) == converted(kind, orjson.loads(body))
    got = read_page(kind, body)
    assert (got.cont, got.rv) == ("tok", "7")


def test_equal_port_sets_are_one_shared_tuple():
    a, b = fast(POD, page(POD, *(EDGES[POD][2] | {"metadata": meta(n)} for n in ("x", "y"))))
    assert a.container_ports == b.container_ports and a.container_ports is b.container_ports


def test_the_seed_003_fields_are_read():
    svcs = {s.name: s for s in fast(SERVICE, page(SERVICE, *EDGES[SERVICE]))}
    f = svcs["f"]
    assert (f.session_affinity, f.affinity_timeout, f.ip_families, f.ip_family_policy, f.traffic_distribution,
            f.topology_mode) == ("ClientIP", 60, ("IPv6", "IPv4"), "PreferDualStack", "PreferClose", "Auto")
    assert (svcs["g"].topology_mode, svcs["g"].affinity_timeout) == ("auto", None)
    assert svcs["h"].topology_mode == "Auto"  # an empty new annotation falls back to the old one
    assert svcs["i"].topology_mode is None
    (sl,) = fast(ENDPOINTSLICE, page(ENDPOINTSLICE, EDGES[ENDPOINTSLICE][3]))
    assert [e.hint_zones for e in sl.endpoints] == [("zone-a",), ("zone-a", "zone-b"), (), (), (), ()]


def test_equal_hint_sets_are_one_shared_tuple():
    (sl,) = fast(ENDPOINTSLICE, page(ENDPOINTSLICE, {"metadata": meta("s"), "endpoints": [
        {"addresses": [ip], "hints": {"forZones": [{"name": "zone-a"}]}} for ip in ("10.0.0.1", "10.0.0.2")]}))
    a, b = sl.endpoints
    assert a.hint_zones is b.hint_zones


def pod(name: str, **extra) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "uid": f"u-{name}", "labels": {"app": "x"}},
            "status": {"phase": "Running", "podIP": "10.0.0.1"}, **extra}


@pytest.mark.parametrize("bad", [
    {"metadata": {"name": "b", "namespace": "default", "labels": {"app": 7}}},       # convert.py skips it
    {"metadata": {"name": None, "namespace": "default"}},                            # no name: skipped
    {"metadata": {"name": "b", "namespace": ""}},                                    # no namespace: skipped
    {"metadata": None},                                                              # skipped
    {"metadata": {"name": "c", "namespace": "default"},
     "status": {"conditions": [{"type": "Ready", "status": True}]}},                 # convert.py takes it
    {"metadata": {"name": "d", "namespace": "default"}, "spec": {"containers": [{"ports": [{"containerPort": True}]}]}},
    {"metadata": {"name": "e", "namespace": "default", "ownerReferences": [None]}},  # convert.py takes it
    "not an object",
])
def test_a_page_that_does_not_fit_is_left_to_convert_item_by_item(bad):
    body = page(POD, pod("a"), bad, pod("z"))
    got = read_page(POD, body)
    assert got.objects is None and got.raw == orjson.loads(body) and got.rv == "7"
    objs = converted(POD, got.raw)
    assert objs[0].name == "a" and objs[2].name == "z"


def test_what_is_not_a_json_list_raises():
    with pytest.raises(orjson.JSONDecodeError):
        read_page(SERVICE, b"{not json")
    with pytest.raises(ValueError):
        read_page(SERVICE, b'["a list"]')


def test_why_a_pod_waits_is_read_by_both_decoders():
    body = page(POD, *EDGES[POD])
    for objs in (fast(POD, body), converted(POD, orjson.loads(body))):
        by_name = {p.name: p for p in objs}
        assert (by_name["p6"].waiting_reason, by_name["p6"].unscheduled_reason) == ("ImagePullBackOff", "Unschedulable")
        assert (by_name["p7"].waiting_reason, by_name["p7"].unscheduled_reason) == (None, "Unschedulable")
        assert (by_name["p1"].waiting_reason, by_name["p1"].unscheduled_reason) == (None, None)


# ---- watch lines: read_event ----------------------------------------------------------------------

def watch_lines(url: str, path: str) -> list[bytes]:
    """The sim's watch from resourceVersion 0: an ADDED line for every object, as a fresh watch gets."""
    with urllib.request.urlopen(f"{url}{path}?watch=1&resourceVersion=0&timeoutSeconds=1", timeout=10) as r:
        return [line for line in r.read().splitlines() if line.strip()]


def slow(kind: str, line: bytes):
    """What the stream made of a watch line before read_event: orjson, then convert.py."""
    ev = orjson.loads(line)
    try:
        obj = CONVERTERS[kind](ev["object"])
    except ConvertError as exc:
        obj = str(exc)
    return ev["type"], obj, ev["object"]["metadata"]["resourceVersion"]


@pytest.mark.parametrize("kind", [SERVICE, ENDPOINTSLICE, POD])
def test_the_sims_watch_lines_read_to_the_same_events(demo_sim, kind):
    lines = watch_lines(demo_sim.url, PATHS[kind])
    assert len(lines) > 3
    for line in lines:
        assert read_event(kind, line) == slow(kind, line)


@pytest.mark.parametrize("kind", [SERVICE, ENDPOINTSLICE, POD])
@pytest.mark.parametrize("etype", ["ADDED", "MODIFIED", "DELETED"])
def test_every_optional_field_of_a_watched_object_reads_as_convert_reads_it(kind, etype):
    for item in EDGES[kind]:
        item = {**item, "metadata": {**item["metadata"], "resourceVersion": "42"}}
        line = orjson.dumps({"type": etype, "object": item})
        assert read_event(kind, line) == slow(kind, line)


@pytest.mark.parametrize("line", [
    {"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "9"}}},
    {"type": "ERROR", "object": {"kind": "Status", "code": 410, "message": "too old resource version"}},
    {"type": "MODIFIED", "object": {"metadata": {"name": "b", "namespace": "default", "labels": {"app": 7}}}},
    {"type": "MODIFIED", "object": {"metadata": None}},
    {"type": "MODIFIED"},
    {"object": pod("a")},
    {"type": "SOMETHING", "object": pod("a")},
])
def test_what_is_not_a_plain_change_is_left_to_orjson_and_convert(line):
    assert read_event(POD, orjson.dumps(line)) is None
    assert read_event(POD, b"{not json") is None
    assert read_event("Deployment", orjson.dumps({"type": "ADDED", "object": pod("a")})) is None
