"""The recording format: objects round-trip, a torn last frame is dropped (never an error), the
schema of version 1 holds, and the committed v1 fixture still reads and analyses the same."""

from __future__ import annotations

import dataclasses
import json
import zlib
from pathlib import Path

import pytest

from svctui.model import recording as fmt
from svctui.model.degradation import analyse
from svctui.model.objects import (
    ContainerPort,
    Endpoint,
    EndpointPort,
    EndpointSlice,
    Pod,
    Service,
    ServicePort,
)
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "nginx-deletion-v1.svcrec"

SVC = Service("default", "web", uid="u1", resource_version="7", type="NodePort", cluster_ip="10.96.0.9",
              cluster_ips=("10.96.0.9",), ports=(ServicePort("http", 80, "http", "TCP", 30080, "kubernetes.io/h2c"),),
              selector=(("app", "web"),), publish_not_ready=True, labels=(("team", "a[b]"),), created=1.5,
              session_affinity="ClientIP", affinity_timeout=60, ip_family_policy="SingleStack", topology_mode="Auto")
SLICE = EndpointSlice("default", "web-abc", uid="u2", resource_version="8", service_name="web",
                      ports=(EndpointPort("http", 8080),),
                      endpoints=(Endpoint(("10.0.0.1",), True, True, False, None, "n1", "z", "Pod", "web-1", "p1",
                                          hint_zones=("z",)),
                                 Endpoint(("10.0.0.2", "10.0.0.3"), ready=False, terminating=True)),
                      managed_by="endpointslice-controller.k8s.io")
POD_ = Pod("default", "web-1", "p1", "9", (("app", "web"),), "n1", "10.0.0.1", ("10.0.0.1",), "Running", True,
           False, 2, (ContainerPort("http", 8080),), None, None, "ReplicaSet", "web-x", 1.0, 2.0)


def _file(records: list[dict], frames: int = 1) -> bytes:
    enc = fmt.FrameEncoder()
    out = [fmt.MAGIC]
    enc.add(fmt.header_record(100.0, {"namespace": None}))
    out.append(enc.frame())
    for i, r in enumerate(records):
        enc.add(r)
        if (i + 1) % frames == 0:
            out.append(enc.frame())
    if enc.pending:
        out.append(enc.frame())
    return b"".join(out)


@pytest.mark.parametrize(("kind", "obj"), [(SERVICE, SVC), (ENDPOINTSLICE, SLICE), (POD, POD_)])
def test_objects_round_trip(kind, obj):
    d = json.loads(json.dumps(fmt.encode_obj(obj)))
    assert fmt.decode_obj(kind, d) == obj


def test_defaults_are_left_out():
    assert fmt.encode_obj(Service("ns", "a")) == {"namespace": "ns", "name": "a"}


def test_records_round_trip_in_order():
    data = _file([fmt.list_record(101.0, SERVICE, None, [SVC]),
                  fmt.events_record(102.0, ENDPOINTSLICE, [("ADDED", SLICE)]),
                  fmt.probe_record(103.0, ("default", "web"), True, "200 OK"),
                  {"k": fmt.END, "t": 104.0}])
    rec = fmt.loads(data)
    assert not rec.torn and rec.ended and rec.end == 104.0
    assert rec.records == [fmt.ListRecord(101.0, SERVICE, None, (SVC,)),
                           fmt.EventsRecord(102.0, ENDPOINTSLICE, (("ADDED", SLICE),)),
                           fmt.ProbeRecord(103.0, ("default", "web"), True, "200 OK")]


def test_a_torn_last_frame_is_dropped_at_every_cut():
    records = [fmt.events_record(101.0 + i, POD, [("MODIFIED", POD_._replace(restarts=i))]) for i in range(5)]
    data = _file(records)
    whole = fmt.loads(data)
    assert len(whole.records) == 5 and not whole.torn
    last_start = len(_file(records[:4]))  # the same stream up to the last frame (deflate is deterministic)
    assert data[:last_start] == _file(records[:4])
    for cut in range(last_start + 1, len(data)):
        rec = fmt.loads(data[:cut])
        assert rec.torn, cut
        assert [r.t for r in rec.records] == [101.0, 102.0, 103.0, 104.0], cut


def test_not_a_recording_and_a_newer_version_are_clear_errors():
    with pytest.raises(fmt.RecordingError, match="bad magic"):
        fmt.loads(b"{}")
    with pytest.raises(fmt.RecordingError, match="empty recording"):
        fmt.loads(fmt.MAGIC)
    enc = fmt.FrameEncoder()
    enc.add({**fmt.header_record(1.0, {}), "version": fmt.VERSION + 1})
    with pytest.raises(fmt.RecordingError, match="version"):
        fmt.loads(fmt.MAGIC + enc.frame())


def test_unknown_record_kinds_and_fields_are_skipped():
    """What a later version may add (a record kind, a field of an object) is read past."""
    ev = fmt.events_record(101.0, POD, [("ADDED", POD_)])
    ev["ev"][0][1]["future_field"] = {"x": 1}
    data = _file([{"k": "future", "t": 100.5, "x": 1}, ev])
    rec = fmt.loads(data)
    assert rec.records == [fmt.EventsRecord(101.0, POD, (("ADDED", POD_),))]
    assert rec.other == [{"k": "future", "t": 100.5, "x": 1}]


# Version 1 as documented in README ("Recordings"): the object fields a v1 file may hold. Removing or
# renaming one of them, or adding a field without a default, breaks reading old recordings: bump
# VERSION and keep a reader for 1.
V1_FIELDS = {
    Service: {"namespace", "name", "uid", "resource_version", "type", "cluster_ip", "cluster_ips", "external_name",
              "external_ips", "lb_ingress", "ports", "selector", "headless", "publish_not_ready", "session_affinity",
              "internal_traffic_policy", "external_traffic_policy", "ip_families", "labels", "created"},
    ServicePort: {"name", "port", "target_port", "protocol", "node_port", "app_protocol"},
    EndpointSlice: {"namespace", "name", "uid", "resource_version", "service_name", "address_type", "ports",
                    "endpoints", "managed_by", "labels", "created"},
    EndpointPort: {"name", "port", "protocol", "app_protocol"},
    Endpoint: {"addresses", "ready", "serving", "terminating", "hostname", "node_name", "zone", "target_kind",
               "target_name", "target_uid", "target_namespace"},
    Pod: {"namespace", "name", "uid", "resource_version", "labels", "node_name", "pod_ip", "pod_ips", "phase",
          "ready", "deleting", "restarts", "container_ports", "hostname", "subdomain", "owner_kind", "owner_name",
          "created", "start_time"},
    ContainerPort: {"name", "container_port", "protocol"},
}
V1_RECORDS = {fmt.HEADER: {"k", "t", "format", "version", "scope"}, fmt.LIST: {"k", "t", "kind", "ns", "objs"},
              fmt.EVENTS: {"k", "t", "kind", "ev"}, fmt.PROBE: {"k", "t", "svc", "ok", "detail"},
              fmt.PHASE: {"k", "t", "svc", "recovery"}, fmt.END: {"k", "t"}}


@pytest.mark.parametrize("cls", list(V1_FIELDS), ids=lambda c: c.__name__)
def test_schema_v1_fields_are_still_read(cls):
    if dataclasses.is_dataclass(cls):
        now = {f.name: f for f in dataclasses.fields(cls)}
        required = {n for n, f in now.items() if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING}
    else:
        now = dict.fromkeys(cls._fields)
        required = set(cls._fields) - set(cls._field_defaults)
    assert V1_FIELDS[cls] <= set(now), f"{cls.__name__} lost v1 fields {V1_FIELDS[cls] - set(now)}"
    assert required <= V1_FIELDS[cls], f"{cls.__name__}: new fields without defaults {required - V1_FIELDS[cls]}"


def test_schema_v1_records_in_the_fixture():
    lines, torn = fmt.iter_lines(FIXTURE.read_bytes())
    assert not torn
    seen = set()
    for line in lines:
        d = json.loads(line)
        assert set(d) == V1_RECORDS[d["k"]], d["k"]
        seen.add(d["k"])
        for obj in [*(d.get("objs") or ()), *(e[1] for e in d.get("ev") or ())]:
            cls = {SERVICE: Service, ENDPOINTSLICE: EndpointSlice, POD: Pod}[d["kind"]]
            assert set(obj) <= V1_FIELDS[cls]
    assert seen == {fmt.HEADER, fmt.LIST, fmt.EVENTS, fmt.PHASE, fmt.END}


def test_the_v1_fixture_still_reads_and_analyses_the_same():
    """tests/data/nginx-deletion-v1.svcrec: `svctui record -A` on the demo sim while every nginx pod was
    deleted (version 1, kept as made). Later versions must read it and find the same recovery."""
    rec = fmt.loads(FIXTURE.read_bytes())
    assert rec.header["version"] == 1 and rec.ended and not rec.torn
    report = analyse(rec, ("default", "nginx-service"))
    [d] = report.services[("default", "nginx-service")].degradations
    live = next(r for r in rec.records if isinstance(r, fmt.PhaseRecord) and r.service == ("default", "nginx-service"))
    assert d.outcome == "recovered" == live.recovery["outcome"]
    assert (d.started, d.ended) == (live.recovery["started"], live.recovery["ended"])
    assert round(d.ended - d.started, 3) == 0.086
    assert d.removed == ("10.244.1.4", "10.244.2.4", "10.244.2.5")
    assert d.added == ("10.244.1.9", "10.244.2.10", "10.244.2.9")
    assert d.min_ready == 0 and d.steady == 3 and not d.flapped and not d.reused
    assert d.first_removed is not None and d.first_replacement is not None and d.replacement_ready is not None
    assert d.started <= d.first_removed <= d.first_replacement <= d.replacement_ready <= d.ended


def test_a_frame_not_ending_a_record_counts_as_torn():
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    head = json.dumps(fmt.header_record(1.0, {})).encode() + b"\n"
    body1 = z.compress(head) + z.flush(zlib.Z_SYNC_FLUSH)
    body2 = z.compress(b'{"k":"ev","t":2') + z.flush(zlib.Z_SYNC_FLUSH)
    data = fmt.MAGIC + len(body1).to_bytes(4, "big") + body1 + len(body2).to_bytes(4, "big") + body2
    rec = fmt.loads(data)
    assert rec.torn and rec.records == []


def test_a_bad_record_is_left_out_not_the_recording():
    bad_obj = fmt.events_record(102.0, POD, [("ADDED", POD_)])
    bad_obj["ev"][0][1]["pod_ips"] = 5  # not a list
    data = _file([fmt.events_record(101.0, POD, [("ADDED", POD_)]), bad_obj, {"k": fmt.EVENTS, "t": "x"},
                  fmt.events_record(103.0, POD, [("DELETED", POD_)])])
    rec = fmt.loads(data)
    assert rec.skipped == 2
    assert [r.t for r in rec.records] == [101.0, 103.0]
