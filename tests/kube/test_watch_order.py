"""The app's EndpointSlice stream under concurrent writes, with the sim's bookmarks racing them:
kubeconfig → HTTP → watch → model. A watch in resourceVersion order is followed without a
re-list (the "went backwards" check raises no false alarm), and the model ends at every slice's
stored RV."""

from __future__ import annotations

import asyncio
import logging

import orjson
import pytest

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
