"""Bookmarks sent ahead of events still queued, at a realistic pace: one all-namespaces
EndpointSlice watch while 8 writers send --rate merge patches/s for --seconds, sim bookmarks every
--bookmark-interval s. Not a test: figures are printed, nothing is asserted.

    .venv/bin/python -m tests.sim.bench_watch_order [--seconds 20] [--rate 400] [--bookmark-interval 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp
import orjson

from tests.conftest import start_sim
from tests.sim.test_watch_order import ALL_SLICES, NAMESPACES, _out_of_order, _path, _slice, _watch

WRITERS = 8


async def main(seconds: float, rate: float, interval: float) -> None:
    sim = start_sim(bookmark_interval=interval)
    session = aiohttp.ClientSession()
    try:
        names = [(ns, f"s{i}") for ns in NAMESPACES for i in range(4)]
        for ns, name in names:
            async with session.post(sim.url + _path(ns), json=_slice(name, ns)) as r:
                assert r.status == 201, await r.text()
        async with session.get(sim.url + ALL_SLICES) as r:
            rv = (await r.json())["metadata"]["resourceVersion"]
        watch = asyncio.create_task(_watch(session, sim.url, rv, int(seconds) + 2))
        sent = [0]
        end = time.monotonic() + seconds

        async def writer(w: int) -> None:
            i = 0
            due = time.monotonic()
            while time.monotonic() < end:
                ns, name = names[(w + i) % len(names)]
                patch = orjson.dumps({"metadata": {"labels": {"n": f"{w}-{i}"}}})
                async with session.patch(sim.url + _path(ns, name), data=patch,
                                         headers={"Content-Type": "application/merge-patch+json"}) as r:
                    assert r.status == 200, await r.text()
                sent[0] += 1
                i += 1
                due += WRITERS / rate
                await asyncio.sleep(max(0.0, due - time.monotonic()))

        await asyncio.gather(*(writer(w) for w in range(WRITERS)))
        events = await watch
        marks = sum(1 for e in events if e[0] == "BOOKMARK")
        bad = _out_of_order(events)
        ahead = len({b[0] for b in bad if b[0][0] == "BOOKMARK"})
        print(f"writes {sent[0]} in {seconds:g} s ({sent[0] / seconds:.0f}/s), changes {len(events) - marks}, "
              f"bookmarks {marks}, of them followed by an older event {ahead}; lines older than one before "
              f"them {len(bad)}" + (f", e.g. {bad[0][0]} then {bad[0][1]}" if bad else ""))
    finally:
        await session.close()
        sim.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--rate", type=float, default=400.0, help="merge patches per second, all writers together")
    p.add_argument("--bookmark-interval", type=float, default=0.5)
    a = p.parse_args()
    asyncio.run(main(a.seconds, a.rate, a.bookmark_interval))
