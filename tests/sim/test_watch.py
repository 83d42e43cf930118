"""Watch semantics through kubernetes_asyncio (the client svctui uses), the sync client and kubectl -w."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time

import kubernetes
import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException

from tests.conftest import start_sim

NS = "default"


def cm(name: str, labels: dict | None = None, data: dict | None = None) -> dict:
    md: dict = {"name": name}
    if labels is not None:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data or {"k": "v"}}


def snake(params: dict) -> dict:
    """Query parameter names as the Python clients spell them (resourceVersion -> resource_version)."""
    return {re.sub("([A-Z])", r"_\1", k).lower(): v for k, v in params.items()}


class Client:
    def __init__(self, url: str):
        cfg = client.Configuration(host=url)
        self.api_client = client.ApiClient(cfg)
        self.v1 = client.CoreV1Api(self.api_client)

    async def create(self, name: str, labels: dict | None = None) -> dict:
        obj = await self.v1.create_namespaced_config_map(NS, cm(name, labels))
        return obj

    async def list_rv(self) -> str:
        return (await self.v1.list_namespaced_config_map(NS)).metadata.resource_version

    async def raw(self, **params) -> list[dict]:
        """A watch's whole body (it must end by itself), one decoded event per line."""
        params = snake(params)
        resp = await self.v1.list_namespaced_config_map(NS, watch=True, _preload_content=False, **params)
        events = []
        async with resp:
            while True:
                line = await resp.content.readline()
                if not line:
                    break
                assert line.endswith(b"\n") and line.strip(), line
                events.append(json.loads(line))
        return events

    async def close(self) -> None:
        await self.api_client.close()


@pytest.fixture
async def kc(sim):
    c = Client(sim.url)
    yield c
    await c.close()


def summary(events: list[dict]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"].get("name", "")) for e in events]


def mine(events: list[dict]) -> list[tuple[str, str]]:
    """The events about objects a test created (the cluster's own configmaps are left out)."""
    return [s for s in summary(events) if s[0] != "BOOKMARK" and not s[1].startswith("kube-")]


async def test_watch_from_list_rv_sees_only_later_events(kc):
    await kc.create("before")
    rv = await kc.list_rv()
    task = asyncio.create_task(kc.raw(resourceVersion=rv, timeoutSeconds=1))
    await asyncio.sleep(0.2)
    await kc.create("after")
    await kc.v1.patch_namespaced_config_map("after", NS, {"data": {"k": "2"}})
    await kc.v1.delete_namespaced_config_map("before", NS)
    events = await task
    assert summary(events) == [("ADDED", "after"), ("MODIFIED", "after"), ("DELETED", "before")]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and rvs[0] > int(rv)
    # The DELETED event carries the last state with the deletion's own resourceVersion.
    assert events[2]["object"]["data"] == {"k": "v"}


async def test_watch_history_replays_what_happened_since_rv(kc):
    rv = await kc.list_rv()
    await kc.create("a")
    await kc.create("b")
    events = await kc.raw(resourceVersion=rv, timeoutSeconds=1)
    assert summary(events) == [("ADDED", "a"), ("ADDED", "b")]


async def test_watch_without_rv_starts_with_synthetic_added(kc):
    await kc.create("a")
    await kc.create("b")
    for rv in (None, "0"):
        params = {"timeoutSeconds": 1}
        if rv:
            params["resourceVersion"] = rv
        events = await kc.raw(**params)
        assert mine(events) == [("ADDED", "a"), ("ADDED", "b")]


async def test_timeout_seconds_ends_the_stream(kc):
    start = time.monotonic()
    events = await kc.raw(resourceVersion=await kc.list_rv(), timeoutSeconds=1)
    elapsed = time.monotonic() - start
    assert events == []
    assert 0.8 < elapsed < 3


async def test_bookmarks_only_when_allowed():
    sim = start_sim(bookmark_interval=0.2)
    kc = Client(sim.url)
    try:
        rv = await kc.list_rv()
        events = await kc.raw(resourceVersion=rv, timeoutSeconds=1, allowWatchBookmarks=True)
        marks = [e for e in events if e["type"] == "BOOKMARK"]
        assert len(marks) >= 2 and len(marks) == len(events)
        for m in marks:
            assert m["object"]["kind"] == "ConfigMap" and m["object"]["apiVersion"] == "v1"
            assert set(m["object"]["metadata"]) == {"resourceVersion"}
            assert int(m["object"]["metadata"]["resourceVersion"]) >= int(rv)
        assert await kc.raw(resourceVersion=rv, timeoutSeconds=1) == []
        assert await kc.raw(resourceVersion=rv, timeoutSeconds=1, allowWatchBookmarks="false") == []
        # The client's Watch follows bookmarks: its resource_version moves on.
        await kc.create("x")
        w = watch.Watch()
        seen = []
        async with w.stream(kc.v1.list_namespaced_config_map, NS, resource_version=rv, allow_watch_bookmarks=True,
                            timeout_seconds=1) as stream:
            async for ev in stream:
                seen.append(ev["type"])
        assert seen[0] == "ADDED" and "BOOKMARK" in seen[1:]
        assert int(w.resource_version) > int(rv)
    finally:
        await kc.close()
        sim.stop()


async def test_compacted_rv_is_410_then_relist_and_resume():
    sim = start_sim(history=5)
    kc = Client(sim.url)
    try:
        old = await kc.list_rv()
        for i in range(8):
            await kc.create(f"cm-{i}")
        events = await kc.raw(resourceVersion=old, timeoutSeconds=5)
        assert len(events) == 1 and events[0]["type"] == "ERROR"
        st = events[0]["object"]
        assert st["kind"] == "Status" and st["apiVersion"] == "v1" and st["status"] == "Failure"
        assert st["code"] == 410 and st["reason"] == "Expired"
        assert st["message"].startswith(f"too old resource version: {old} (")

        with pytest.raises(ApiException) as exc:
            async with watch.Watch().stream(kc.v1.list_namespaced_config_map, NS, resource_version=old,
                                            timeout_seconds=5) as stream:
                async for _ in stream:
                    pass
        assert exc.value.status == 410 and exc.value.reason.startswith("Expired: too old resource version")

        # Re-list, then watch from the new list's RV: nothing stale, new writes arrive.
        fresh = await kc.v1.list_namespaced_config_map(NS)
        assert {f"cm-{i}" for i in range(8)} <= {o.metadata.name for o in fresh.items}
        task = asyncio.create_task(kc.raw(resourceVersion=fresh.metadata.resource_version, timeoutSeconds=1))
        await asyncio.sleep(0.2)
        await kc.create("resumed")
        assert summary(await task) == [("ADDED", "resumed")]
    finally:
        await kc.close()
        sim.stop()


async def test_store_compaction_expires_old_watches(kc, sim):
    old = await kc.list_rv()
    await kc.create("a")
    sim.call(lambda c: c.store.compact())
    events = await kc.raw(resourceVersion=old, timeoutSeconds=5)
    assert [e["type"] for e in events] == ["ERROR"] and events[0]["object"]["code"] == 410
    # The current RV is still a valid starting point.
    assert await kc.raw(resourceVersion=await kc.list_rv(), timeoutSeconds=1) == []


async def test_label_selector_watch_follows_label_changes(kc):
    rv = await kc.list_rv()
    task = asyncio.create_task(kc.raw(resourceVersion=rv, timeoutSeconds=2, labelSelector="app=web"))
    await asyncio.sleep(0.2)
    await kc.create("a", {"app": "web"})
    await kc.create("other", {"app": "db"})
    await kc.v1.patch_namespaced_config_map("a", NS, {"data": {"k": "2"}})
    await kc.v1.patch_namespaced_config_map("a", NS, {"metadata": {"labels": {"app": "db"}}})
    await kc.v1.patch_namespaced_config_map("other", NS, {"metadata": {"labels": {"app": "web"}}})
    await kc.v1.delete_namespaced_config_map("other", NS)
    await kc.v1.delete_namespaced_config_map("a", NS)
    events = await task
    assert summary(events) == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a"), ("ADDED", "other"),
                               ("DELETED", "other")]
    # Leaving the selection is reported with the object's new state.
    assert events[2]["object"]["metadata"]["labels"] == {"app": "db"}


async def test_field_selector_watch_by_name(kc):
    rv = await kc.list_rv()
    task = asyncio.create_task(kc.raw(resourceVersion=rv, timeoutSeconds=1, fieldSelector="metadata.name=b"))
    await asyncio.sleep(0.2)
    await kc.create("a")
    await kc.create("b")
    await kc.v1.delete_namespaced_config_map("b", NS)
    assert summary(await task) == [("ADDED", "b"), ("DELETED", "b")]


async def test_send_initial_events(kc):
    await kc.create("a")
    await kc.create("b")
    task = asyncio.create_task(kc.raw(sendInitialEvents=True, resourceVersionMatch="NotOlderThan",
                                      allowWatchBookmarks=True, timeoutSeconds=1))
    await asyncio.sleep(0.3)
    await kc.create("c")
    events = await task
    types = [e["type"] for e in events]
    end = types.index("BOOKMARK")
    assert set(types[:end]) == {"ADDED"}
    assert {"a", "b"} <= {e["object"]["metadata"]["name"] for e in events[:end]}
    assert events[end]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(events[end]["object"]["metadata"]["resourceVersion"]) >= max(
        int(e["object"]["metadata"]["resourceVersion"]) for e in events[:end])
    assert summary(events[end + 1:]) == [("ADDED", "c")]


@pytest.mark.parametrize("params", [
    {"sendInitialEvents": True, "allowWatchBookmarks": True},
    {"sendInitialEvents": True, "resourceVersionMatch": "NotOlderThan"},
    {"sendInitialEvents": True, "resourceVersionMatch": "Exact", "allowWatchBookmarks": True, "resourceVersion": "5"},
])
async def test_invalid_watch_list_combinations_are_422(kc, params):
    params = snake(params)
    resp = await kc.v1.list_namespaced_config_map(NS, watch=True, _preload_content=False, timeout_seconds=1, **params)
    async with resp:
        assert resp.status == 422
        body = json.loads(await resp.read())
    assert body["kind"] == "Status" and body["reason"] == "Invalid" and body["details"]["kind"] == "ListOptions"
    # The client's Watch turns that Status into an exception instead of waiting forever.
    with pytest.raises(ApiException) as exc:
        async with watch.Watch().stream(kc.v1.list_namespaced_config_map, NS, timeout_seconds=1, **params) as stream:
            async for _ in stream:
                pass
    assert exc.value.status == 422


async def test_send_initial_events_is_refused_on_list(kc):
    with pytest.raises(ApiException) as exc:
        await kc.v1.list_namespaced_config_map(NS, send_initial_events=True)
    assert exc.value.status == 422


async def test_asyncio_watch_models_and_resource_version(kc):
    rv = await kc.list_rv()
    w = watch.Watch()
    got = []

    async def consume():
        async with w.stream(kc.v1.list_namespaced_config_map, NS, resource_version=rv, timeout_seconds=1) as stream:
            async for ev in stream:
                got.append((ev["type"], ev["object"]))

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.2)
    created = await kc.create("m", {"app": "x"})
    await task
    assert [(t, o.metadata.name) for t, o in got] == [("ADDED", "m")]
    assert isinstance(got[0][1], client.V1ConfigMap) and got[0][1].metadata.labels == {"app": "x"}
    assert w.resource_version == created.metadata.resource_version


async def test_many_watchers_see_the_same_events(kc):
    rv = await kc.list_rv()
    tasks = [asyncio.create_task(kc.raw(resourceVersion=rv, timeoutSeconds=1)) for _ in range(5)]
    await asyncio.sleep(0.3)
    for i in range(20):
        await kc.create(f"n-{i}")
    results = [summary(e) for e in await asyncio.gather(*tasks)]
    assert results[0] == [("ADDED", f"n-{i}") for i in range(20)]
    assert all(r == results[0] for r in results)


def test_sync_client_watch(sim):
    cfg = kubernetes.client.Configuration()
    cfg.host = sim.url
    api = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(cfg))
    rv = api.list_namespaced_config_map(NS).metadata.resource_version

    def writer():
        time.sleep(0.3)
        api.create_namespaced_config_map(NS, cm("s1"))
        api.delete_namespaced_config_map("s1", NS)

    t = threading.Thread(target=writer)
    t.start()
    w = kubernetes.watch.Watch()
    seen = [(ev["type"], ev["object"].metadata.name)
            for ev in w.stream(api.list_namespaced_config_map, NS, resource_version=rv, timeout_seconds=1)]
    t.join()
    assert seen == [("ADDED", "s1"), ("DELETED", "s1")]

    with pytest.raises(kubernetes.client.exceptions.ApiException) as exc:
        sim.call(lambda c: c.store.compact())
        for _ in kubernetes.watch.Watch().stream(api.list_namespaced_config_map, NS, resource_version=rv,
                                                 timeout_seconds=2):
            pass
    assert exc.value.status == 410


@pytest.mark.kubectl
def test_kubectl_get_watch(kubectl, sim):
    cfg = kubernetes.client.Configuration()
    cfg.host = sim.url
    api = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(cfg))
    proc = kubectl.popen("get", "namespaces", "--watch", "--request-timeout=10s")
    try:
        assert proc.stdout.readline().split() == ["NAME", "STATUS", "AGE"]
        first = [proc.stdout.readline().split() for _ in range(5)]
        assert sorted(r[0] for r in first) == ["default", "kube-node-lease", "kube-public", "kube-system",
                                               "local-path-storage"]
        api.create_namespace({"metadata": {"name": "watched"}})
        assert proc.stdout.readline().split() == ["watched", "Active", "0s"]
        api.patch_namespace("watched", {"metadata": {"labels": {"a": "b"}}})
        assert proc.stdout.readline().split()[:2] == ["watched", "Active"]
    finally:
        proc.kill()
        proc.wait()
