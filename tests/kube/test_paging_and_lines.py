"""Paginated lists, one-namespace mode, and watch lines of any size."""

from __future__ import annotations

import orjson

from svctui.kube import api as kapi
from svctui.kube.pages import continue_token
from svctui.model.store import SERVICE

from .conftest import SERVICES, SLICES, endpoint, endpoint_slice, service, start_harness


async def test_list_is_paginated_and_complete(sim, http, tmp_path):
    for i in range(7):
        await http.create(SERVICES, service(f"svc-{i}"))
    h = await start_harness(sim, tmp_path, page_size=2)
    try:
        names = {k[1] for k in h.model.store.services if k[0] == "default"}
        assert {f"svc-{i}" for i in range(7)} <= names
        assert h.watch.streams[(SERVICE, None)].stats.lists == 1
    finally:
        await h.close()


async def test_one_namespace(sim, http, tmp_path):
    await http.namespace("team-a")
    await http.create(SERVICES, service("a", "team-a"))
    await http.create(SERVICES, service("metrics", "kube-system"))
    await http.create(SLICES, endpoint_slice("metrics-1", "metrics", [endpoint("10.244.9.9", "m-1", ns="kube-system")],
                                             ns="kube-system"))
    h = await start_harness(sim, tmp_path, namespace="team-a")
    try:
        # kube-dns too, and only it: the header's cluster DNS health (kube/dnswatch.py).
        assert set(h.model.store.services) == {("team-a", "a"), ("kube-system", "kube-dns")}
        assert set(h.watch.states) == {(k, "team-a") for k in ("Service", "EndpointSlice", "Pod", "Deployment",
                                                                "ReplicaSet", "StatefulSet")} | \
            {(k, "kube-system") for k in ("Service", "EndpointSlice", "Pod")}
        system_pods = [p for p in h.model.store.pods.values() if p.namespace == "kube-system"]
        assert system_pods and all(dict(p.labels).get("k8s-app") == "kube-dns" for p in system_pods)
        assert {s.service_name for s in h.model.store.slices.values() if s.namespace == "kube-system"} == {"kube-dns"}
        n = len(h.batches)
        await http.create(SERVICES, service("ignored", "default"))
        await http.create(SERVICES, service("b", "team-a"))
        await h.wait_for(lambda: ("team-a", "b") in h.model.store.services, what="b")
        assert [d.key for d in h.deltas(since=n)] == [("team-a", "b")]
    finally:
        await h.close()


class _Content:
    """Stands in for aiohttp's StreamReader: hands out the given chunks, one readany() each."""

    def __init__(self, chunks: list[bytes], buffered_after_first: int = 0):
        self.chunks = list(chunks)
        self.buffered = buffered_after_first

    async def readany(self) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""

    def read_nowait(self) -> bytes:
        if self.buffered and self.chunks:
            self.buffered -= 1
            return self.chunks.pop(0)
        return b""


class _Resp:
    def __init__(self, content: _Content):
        self.content = content


async def test_read_batches_handles_huge_lines_and_groups_buffered_data():
    big = b'{"type":"ADDED","object":{"x":"' + b"a" * (5 * 1024 * 1024) + b'"}}'
    chunks = [big[:1000], big[1000:3_000_000], big[3_000_000:] + b"\n{\"a\":1}\n{\"b\"", b":2}\n"]
    got = [b async for b in kapi.read_batches(_Resp(_Content(chunks)))]
    assert got == [[big, b'{"a":1}'], [b'{"b":2}']]
    # Data already buffered behind the first chunk comes out in the same batch.
    got = [b async for b in kapi.read_batches(_Resp(_Content([b"1\n", b"2\n", b"3\n"], buffered_after_first=2)))]
    assert got == [[b"1", b"2", b"3"]]


# ---- the next page asked for ahead ----

def test_continue_token_reads_the_lists_head():
    page = b'{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"abc"},"items":[{"x":1}]}'
    assert continue_token(page) == "abc"
    # Items first (not how the API writes it) or no token: the whole body is read, items skipped.
    assert continue_token(b'{"items":[{"metadata":{"continue":"no"}}],"metadata":{"continue":"xyz"}}') == "xyz"
    assert continue_token(b'{"kind":"PodList","items":[],"metadata":{"continue":"xyz"}}') == "xyz"
    assert continue_token(b'{"metadata":{"resourceVersion":"9"},"items":[]}') is None
    assert continue_token(b'{"metadata":{"continue":""},"items":[]}') is None
    assert continue_token(b"not json") is None
    assert continue_token(b'{"metadata":{"continue":7},"items":[]}') is None


def _page(names: list[str], cont: str | None, head: str | None = None) -> bytes:
    """A ServiceList page; `head` puts a second, different metadata before the items (a guess that lies)."""
    md = {"resourceVersion": "50", **({"continue": cont} if cont else {})}
    items = [service(n) | {"metadata": {"name": n, "namespace": "default", "uid": n, "resourceVersion": "5"}}
             for n in names]
    first = orjson.dumps({"continue": head}).decode() if head else None
    body = orjson.dumps({"kind": "ServiceList", "items": items, "metadata": md}).decode()
    if first:
        body = '{"kind":"ServiceList","metadata":' + first + "," + body[len('{"kind":"ServiceList",'):]
    return body.encode()


async def _list_from(pages, tmp_path) -> tuple[list[str], list[dict]]:
    """ResourceStream's list against a server answering `pages(query) -> (status, body)`; the names
    listed and the queries the server saw."""
    from aiohttp import web

    from svctui.kube.config import load_target
    from svctui.kube.stream import ResourceStream, WatchOptions
    from tests.kube.conftest import write_kubeconfig

    seen: list[dict] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        status, body = pages(dict(request.query))
        return web.Response(status=status, body=body, content_type="application/json")

    runner = web.ServerRunner(web.Server(handle))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    target = await load_target(kubeconfig=str(write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}")))
    got: list = []

    class Sink:
        async def replace_all_stepwise(self, kind, objs, namespace):
            got.extend(objs)
    try:
        stream = ResourceStream(target.api, kapi.SERVICES, None, Sink(), WatchOptions(page_size=2), lambda st: None)
        assert await stream._list() == "50"
    finally:
        await target.close()
        await runner.cleanup()
    return [s.name for s in got], seen


async def test_each_next_page_is_asked_for_once_and_before_this_one_is_read(tmp_path, monkeypatch):
    # A spy on svctui's own request and page-reading calls (the client underneath is untouched).
    import svctui.kube.stream as stream_module

    order: list[str] = []
    get_bytes, read_page = kapi.get_bytes, stream_module.read_page

    async def asked(api, path, query, *a):
        order.append(f"ask {dict(query).get('continue')}")
        return await get_bytes(api, path, query, *a)

    def read(kind, body):
        page = read_page(kind, body)
        order.append(f"read {page.objects[0].name}")
        return page
    monkeypatch.setattr(kapi, "get_bytes", asked)
    monkeypatch.setattr(stream_module, "read_page", read)
    pages = {None: _page(["a", "b"], "p2"), "p2": _page(["c", "d"], "p3"), "p3": _page(["e"], None)}
    names, seen = await _list_from(lambda q: (200, pages[q.get("continue")]), tmp_path)
    assert names == ["a", "b", "c", "d", "e"]
    assert [q.get("continue") for q in seen] == [None, "p2", "p3"]
    # The next page is asked for before this one is decoded (without prefetching: ask, read, ask, read...).
    assert order == ["ask None", "ask p2", "read a", "ask p3", "read c", "read e"]


async def test_a_wrong_guess_is_dropped_and_the_real_next_page_read(tmp_path):
    # The head says "bogus", the list's metadata (the last one, as a decoder reads it) says "p2".
    pages = {None: _page(["a", "b"], "p2", head="bogus"), "p2": _page(["c"], None),
             "bogus": _page(["never"], None)}
    names, seen = await _list_from(lambda q: (200, pages[q.get("continue")]), tmp_path)
    assert names == ["a", "b", "c"]
    assert [q.get("continue") for q in seen if q.get("continue") != "bogus"] == [None, "p2"]


async def test_an_expired_continue_token_starts_over_in_one_request(tmp_path):
    expired = orjson.dumps({"kind": "Status", "status": "Failure", "reason": "Expired", "code": 410,
                            "message": "The provided continue parameter is too old"})

    def pages(q):
        if "limit" not in q:
            return 200, _page(["a", "b", "c"], None)
        return (410, expired) if q.get("continue") else (200, _page(["a", "b"], "p2"))
    names, seen = await _list_from(pages, tmp_path)
    assert names == ["a", "b", "c"]
    assert seen == [{"limit": "2"}, {"limit": "2", "continue": "p2"}, {}]


async def test_a_list_answer_that_is_not_json_is_a_bad_response_to_retry(tmp_path):
    # A proxy's HTML error page with status 200: the stream retries it (transient), it does not crash.
    import pytest

    with pytest.raises(kapi.ApiError) as info:
        await _list_from(lambda q: (200, b"<html>upstream timed out</html>"), tmp_path)
    assert info.value.reason == "BadResponse" and info.value.transient
