"""Broken objects and lines are skipped and reported; the stream and the rest of the batch go on."""

from __future__ import annotations

import orjson

from svctui.kube import api as kapi
from svctui.kube.sink import ModelSink
from svctui.kube.stream import ResourceStream, WatchOptions
from svctui.model.cluster import ClusterModel
from svctui.model.store import ENDPOINTSLICE
from svctui.sim import resources as R

from .conftest import SERVICES, SLICES, endpoint, endpoint_slice, service, start_harness

SLICE_RT = R.for_kind("discovery.k8s.io/v1", "EndpointSlice")


def _broken(name: str) -> dict:
    # Written straight into the sim's store, past its validation, as a buggy server might serve it.
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4", "endpoints": "not-a-list"}


async def test_malformed_objects_are_skipped_in_list_and_watch(sim, http, tmp_path):
    await http.create(SERVICES, service("web"))
    await http.create(SLICES, endpoint_slice("good-1", "web", [endpoint("10.244.1.5", "web-1")]))
    sim.call(lambda c: c.store.create(SLICE_RT, _broken("bad-1")))
    h = await start_harness(sim, tmp_path)
    try:
        assert ("default", "good-1") in h.model.store.slices
        assert ("default", "bad-1") not in h.model.store.slices
        assert [(s.kind, s.reason) for s in h.skipped] == [
            (ENDPOINTSLICE, "EndpointSlice default/bad-1: expected a list, got str")]

        sim.call(lambda c: c.store.create(SLICE_RT, _broken("bad-2")))
        await http.create(SLICES, endpoint_slice("good-2", "web", [endpoint("10.244.1.6", "web-2")]))
        await h.wait_for(lambda: ("default", "good-2") in h.model.store.slices, what="the slice after the bad one")
        assert len(h.skipped) == 2 and "bad-2" in h.skipped[1].reason
        stream = h.watch.streams[(ENDPOINTSLICE, None)]
        assert stream.stats.lists == 1 and stream.stats.skipped == 2
    finally:
        await h.close()


def _line(etype: str, obj) -> bytes:
    return orjson.dumps({"type": etype, "object": obj})


async def test_bad_lines_are_skipped_and_rv_still_advances():
    model = ClusterModel()
    skipped = []
    sink = ModelSink(model, lambda ch: None, clock=lambda: 100.0)
    stream = ResourceStream(None, kapi.ENDPOINTSLICES, None, sink, WatchOptions(), lambda st: None, skipped.append)
    stream.rv = "10"
    good = endpoint_slice("good", "web", [endpoint("10.244.1.5", "web-1")])
    good["metadata"].update(resourceVersion="12", uid="u1")
    bad = _broken("bad")
    bad["metadata"]["resourceVersion"] = "11"
    stream.handle_lines([b"{not json", _line("ADDED", bad), _line("ADDED", good), _line("SURPRISE", {}),
                         _line("ADDED", {"metadata": None}), b'"just a string"'])
    assert stream.rv == "12"
    assert set(model.store.slices) == {("default", "good")}
    assert len(skipped) == 5
    assert stream.stats.events == 3 and stream.stats.skipped == 5
    stream.handle_lines([_line("BOOKMARK", {"kind": "EndpointSlice", "metadata": {"resourceVersion": "40"}})])
    assert stream.rv == "40"
    sink.flush()


async def test_error_event_applies_what_came_before_then_raises():
    model = ClusterModel()
    sink = ModelSink(model, lambda ch: None)
    stream = ResourceStream(None, kapi.ENDPOINTSLICES, None, sink, WatchOptions(), lambda st: None)
    good = endpoint_slice("good", "web", [endpoint("10.244.1.5", "web-1")])
    good["metadata"].update(resourceVersion="12", uid="u1")
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
              "message": "too old resource version: 5 (120)", "reason": "Expired", "code": 410}
    try:
        stream.handle_lines([_line("ADDED", good), _line("ERROR", status)])
    except kapi.ApiError as exc:
        assert exc.expired and exc.message == "too old resource version: 5 (120)"
    else:
        raise AssertionError("no ApiError")
    assert ("default", "good") in model.store.slices and stream.rv == "12"
    sink.flush()


async def test_a_broken_deleted_event_still_deletes():
    model = ClusterModel()
    sink = ModelSink(model, lambda ch: None)
    stream = ResourceStream(None, kapi.ENDPOINTSLICES, None, sink, WatchOptions(), lambda st: None)
    good = endpoint_slice("web-a", "web", [endpoint("10.244.1.5", "web-1")])
    good["metadata"].update(resourceVersion="12", uid="u1")
    stream.handle_lines([_line("ADDED", good)])
    gone = _broken("web-a")
    gone["metadata"].update(resourceVersion="13", uid="u1")
    stream.handle_lines([_line("DELETED", gone)])
    assert model.store.slices == {} and stream.stats.skipped == 1 and stream.rv == "13"
    sink.flush()
