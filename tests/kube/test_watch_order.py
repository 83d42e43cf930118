"""The app's EndpointSlice stream under concurrent writes, with the sim's bookmarks racing them:
kubeconfig → HTTP → watch → model. A watch in resourceVersion order is followed without a
re-list (the "went backwards" check raises no false alarm), and the model ends at every slice's
stored RV."""

from __future__ import annotations

import asyncio
import logging

import orjson
import pytest

from svctui.kube import api as kapi
from svctui.kube.sink import ModelSink
from svctui.kube.stream import ResourceStream, ServerForgot, WatchOptions
from svctui.model.cluster import ClusterModel
from svctui.model.store import ENDPOINTSLICE
from tests.conftest import start_sim

from .conftest import SERVICES, SLICES, Http, endpoint, endpoint_slice, service, start_harness

NAMESPACES = ("default", "kube-system")
WRITERS = 8
WRITES_EACH = 50


async def test_concurrent_slice_writes_are_followed_without_a_relist(tmp_path, caplog: pytest.LogCaptureFixture):
    sim = start_sim(bookmark_interval=0.002)
    http = Http(sim.url)
    try:
        names = [(ns, f"s{i}") for ns in NAMESPACES for i in range(4)]
        for ns, name in names:
            await http.create(SERVICES, service(name, ns))
            await http.create(SLICES, endpoint_slice(name, name, [endpoint("10.244.1.5", f"{name}-1", ns=ns)], ns=ns))
        h = await start_harness(sim, tmp_path)
        try:
            stream = h.watch.streams[(ENDPOINTSLICE, None)]
            await h.wait_for(lambda: stream.stats.bookmarks > 0, what="a bookmark")
            caplog.set_level(logging.WARNING, logger="svctui")

            async def writer(w: int) -> None:
                for i in range(WRITES_EACH):
                    ns, name = names[(w + i) % len(names)]
                    patch = {"metadata": {"labels": {"writer": str(w), "n": str(i)}}}
                    async with http.session.patch(
                            f"{sim.url}{SLICES.format(ns=ns)}/{name}", data=orjson.dumps(patch),
                            headers={"Content-Type": "application/merge-patch+json"}) as r:
                        assert r.status == 200, await r.text()

            await asyncio.gather(*(writer(w) for w in range(WRITERS)))
            stored = {}
            for ns, name in names:
                stored[(ns, name)] = (await http.get(f"{SLICES.format(ns=ns)}/{name}"))["metadata"]["resourceVersion"]
            await h.wait_for(lambda: all(h.model.store.slices[k].resource_version == rv for k, rv in stored.items()),
                             what="every slice at its stored RV")
            assert [r.getMessage() for r in caplog.records if "backwards" in r.getMessage()] == []
            assert stream.stats.lists == 1
            assert stream.stats.events >= WRITERS * WRITES_EACH
        finally:
            await h.close()
    finally:
        await http.close()
        sim.stop()


def _stream(last_rv: str) -> tuple[ResourceStream, ClusterModel, ModelSink]:
    model = ClusterModel()
    sink = ModelSink(model, lambda ch: None, clock=lambda: 100.0)
    stream = ResourceStream(None, kapi.ENDPOINTSLICES, None, sink, WatchOptions(), lambda st: None)
    stream.rv = stream.last_rv = last_rv
    return stream, model, sink


def _event(etype: str, name: str, rv: str) -> bytes:
    obj = endpoint_slice(name, "web", [endpoint("10.244.1.5", f"{name}-1")])
    obj["metadata"].update(resourceVersion=rv, uid=f"u-{name}")
    return orjson.dumps({"type": etype, "object": obj})


def _bookmark(rv: str) -> bytes:
    return orjson.dumps({"type": "BOOKMARK", "object": {"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
                                                        "metadata": {"resourceVersion": rv}}})


async def test_a_bookmark_then_newer_changes_is_in_order():
    stream, model, sink = _stream("100")
    stream.handle_lines([_event("ADDED", "a", "101"), _bookmark("101"), _bookmark("140")])
    stream.handle_lines([_bookmark("140"), _event("ADDED", "b", "141")])
    assert stream.rv == stream.last_rv == "141"
    assert set(model.store.slices) == {("default", "a"), ("default", "b")}
    sink.flush()


@pytest.mark.parametrize("lines", [
    [_event("ADDED", "a", "90")],  # the whole batch older
    [_event("ADDED", "a", "95"), _event("ADDED", "b", "103")],  # back, then past our newest again
    [_bookmark("120"), _event("ADDED", "a", "110")],  # older than a bookmark in the same batch
])
async def test_an_older_rv_in_a_batch_means_another_history(lines: list[bytes]):
    stream, model, sink = _stream("100")
    with pytest.raises(ServerForgot, match="resourceVersion went backwards"):
        stream.handle_lines(lines)
    # Nothing of that batch is applied: the re-list reconciles.
    assert model.store.slices == {}
    sink.flush()
