"""A watch delivers events in resourceVersion order under concurrent writes, as kube-apiserver's
(etcd revision order): raw HTTP watches record every line's RV while several writers patch
EndpointSlices in two namespaces, with bookmarks due every few milliseconds so they race the writes.
A bookmark at RV B promises every change up to B was sent: nothing after it may be older."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson

from tests.conftest import start_sim

ALL_SLICES = "/apis/discovery.k8s.io/v1/endpointslices"
NAMESPACES = ("default", "kube-system")
WRITERS = 8
WRITES_EACH = 60


def _slice(name: str, ns: str) -> dict[str, Any]:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": ns, "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}}]}


def _path(ns: str, name: str = "") -> str:
    return f"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices" + (f"/{name}" if name else "")


def _key(md: dict[str, Any]) -> str:
    return f"{md['namespace']}/{md['name']}"


async def _watch(session: aiohttp.ClientSession, url: str, rv: str, seconds: int) -> list[tuple[str, str, int]]:
    """(type, namespace/name, rv) of each line of one watch, until the server ends it."""
    params = {"watch": "true", "resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": str(seconds)}
    got = []
    async with session.get(url + ALL_SLICES, params=params) as r:
        assert r.status == 200
        async for line in r.content:
            ev = orjson.loads(line)
            md = ev["object"]["metadata"]
            got.append((ev["type"], _key(md) if "name" in md else "", int(md["resourceVersion"])))
    return got


def _out_of_order(events: list[tuple[str, str, int]]) -> list[tuple[tuple[str, str, int], tuple[str, str, int]]]:
    """Pairs (before, after) where after is older than what came before it (a change must be newer
    than everything sent before it; a bookmark may repeat the last RV)."""
    bad = []
    newest: tuple[str, str, int] | None = None
    for ev in events:
        if newest is not None and (ev[2] < newest[2] or (ev[2] == newest[2] and ev[0] != "BOOKMARK")):
            bad.append((newest, ev))
        if newest is None or ev[2] > newest[2]:
            newest = ev
    return bad


async def test_watch_rvs_stay_in_order_under_concurrent_writes() -> None:
    sim = start_sim(bookmark_interval=0.002)
    session = aiohttp.ClientSession()
    url = sim.url
    try:
        names = [(ns, f"s{i}") for ns in NAMESPACES for i in range(4)]
        for ns, name in names:
            async with session.post(url + _path(ns), json=_slice(name, ns)) as r:
                assert r.status == 201, await r.text()
        async with session.get(url + ALL_SLICES) as r:
            listed = await r.json()
        list_rv = listed["metadata"]["resourceVersion"]
        assert {(s["metadata"]["namespace"], s["metadata"]["name"]) for s in listed["items"]} >= set(names)

        watches = [asyncio.create_task(_watch(session, url, list_rv, 4)) for _ in range(3)]
        await asyncio.sleep(0.3)

        async def writer(w: int) -> None:
            for i in range(WRITES_EACH):
                ns, name = names[(w + i) % len(names)]
                patch = {"metadata": {"labels": {"writer": str(w), "n": str(i)}}}
                async with session.patch(url + _path(ns, name), data=orjson.dumps(patch),
                                         headers={"Content-Type": "application/merge-patch+json"}) as r:
                    assert r.status == 200, await r.text()

        await asyncio.gather(*(writer(w) for w in range(WRITERS)))
        results = await asyncio.gather(*watches)

        changes = [[e for e in events if e[0] != "BOOKMARK"] for events in results]
        # Every write is a change (the label differs each time), seen once by each watch, after the
        # list (the cluster's own kube-dns slice may change too).
        ours = {f"{ns}/{name}" for ns, name in names}
        assert len([e for e in changes[0] if e[1] in ours]) == WRITERS * WRITES_EACH
        assert all(c == changes[0] for c in changes)
        assert all(e[2] > int(list_rv) for e in changes[0])
        assert any(e[0] == "BOOKMARK" for e in results[0])
        for events in results:
            assert _out_of_order(events) == []

        # Resumed from an RV in the middle: exactly the changes after it, in the same order.
        middle = changes[0][len(changes[0]) // 2][2]
        resumed = await _watch(session, url, str(middle), 1)
        assert _out_of_order(resumed) == []
        assert [e for e in resumed if e[0] != "BOOKMARK"] == [e for e in changes[0] if e[2] > middle]
    finally:
        await session.close()
        sim.stop()



async def test_paged_list_during_writes_then_watch_rebuilds_the_final_state() -> None:
    # The reflector's way: a list in pages (one snapshot, one RV) taken while writes go on, then a
    # watch from its RV; the list with the watch applied must be what a fresh list shows.
    sim = start_sim(bookmark_interval=0.002)
    session = aiohttp.ClientSession()
    url = sim.url
    try:
        names = [(ns, f"s{i}") for ns in NAMESPACES for i in range(4)]
        for ns, name in names:
            async with session.post(url + _path(ns), json=_slice(name, ns)) as r:
                assert r.status == 201, await r.text()

        async def writer(w: int) -> None:
            for i in range(WRITES_EACH):
                ns, name = names[(w + i) % len(names)]
                patch = {"metadata": {"labels": {"writer": str(w), "n": str(i)}}}
                async with session.patch(url + _path(ns, name), data=orjson.dumps(patch),
                                         headers={"Content-Type": "application/merge-patch+json"}) as r:
                    assert r.status == 200, await r.text()

        async def paged_list() -> tuple[str, dict[str, int]]:
            await asyncio.sleep(0.05)  # with the writers under way
            held: dict[str, int] = {}
            params = {"limit": "3"}
            rvs = set()
            while True:
                async with session.get(url + ALL_SLICES, params=params) as r:
                    page = await r.json()
                rvs.add(page["metadata"]["resourceVersion"])
                for s in page["items"]:
                    held[_key(s["metadata"])] = int(s["metadata"]["resourceVersion"])
                if not page["metadata"].get("continue"):
                    break
                params = {"limit": "3", "continue": page["metadata"]["continue"]}
                await asyncio.sleep(0.01)
            assert len(rvs) == 1  # every page at the first page's RV
            return rvs.pop(), held

        async def list_then_watch() -> tuple[str, dict[str, int], list[tuple[str, str, int]]]:
            list_rv, held = await paged_list()
            return list_rv, held, await _watch(session, url, list_rv, 2)

        (list_rv, held, events), *_ = await asyncio.gather(list_then_watch(), *(writer(w) for w in range(WRITERS)))
        async with session.get(url + ALL_SLICES) as r:
            fresh = {_key(s["metadata"]): int(s["metadata"]["resourceVersion"]) for s in (await r.json())["items"]}
        assert all(rv <= int(list_rv) for rv in held.values())
        # The watch opened with writes still going on: some came from history, some live.
        assert int(list_rv) < max(fresh.values()) and len(events) > 100
        assert _out_of_order(events) == []
        rebuilt = dict(held)
        for etype, key, rv in events:
            if etype == "DELETED":
                rebuilt.pop(key, None)
            elif etype != "BOOKMARK":
                assert rv > int(list_rv)
                rebuilt[key] = rv
        assert rebuilt == fresh
    finally:
        await session.close()
        sim.stop()
