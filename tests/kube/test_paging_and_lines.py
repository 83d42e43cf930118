"""Paginated lists, one-namespace mode, and watch lines of any size."""

from __future__ import annotations

from svctui.kube import api as kapi
from svctui.model.store import SERVICE

from .conftest import SERVICES, service, start_harness


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
    h = await start_harness(sim, tmp_path, namespace="team-a")
    try:
        assert set(h.model.store.services) == {("team-a", "a")}
        assert set(h.watch.states) == {(k, "team-a") for k in ("Service", "EndpointSlice", "Pod")}
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
