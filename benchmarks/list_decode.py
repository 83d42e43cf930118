"""Decoding a full pod list as the watch layer does: raw pages → dicts → model objects.

    .venv/bin/python benchmarks/list_decode.py                      # 20,000 pods
    .venv/bin/python benchmarks/list_decode.py --pods 100000 --services 10000

The sim (`svctui sim --scenario scale:...`) runs as its own process; this fetches every page of
`GET /api/v1/pods?limit=500` once, then decodes the same bytes twice per round, alternating:
  baseline  orjson.loads + convert.pod per item with the garbage collector running (as before);
  paused    the same under one kube.gcpause.gc_paused for the whole list;
  lean      kube.pages.read_page (msgspec Structs of only the fields svctui reads, straight into
            model objects), paused: what ResourceStream._list does now.
The decoded objects of a round are kept until the round ends, as the model keeps them. Prints the
median seconds of each and their ratios to the baseline.

--offloop: instead, is decoding off the event loop worth it? Alternated in the same run, each page
read with pages.read_page as the stream does, on an asyncio loop where a ticker (sleep 1 ms, forever)
stands for the app's screen and records how late it wakes:
  loop      on the loop, returning to it between pages (what ResourceStream._list does);
  thread    each page in asyncio.to_thread (the GIL: msgspec holds it while decoding);
  process   each page in a worker process (ProcessPoolExecutor), the objects pickled back.
Prints the wall time of the whole list and the ticker's worst and p99 lateness.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _painted import start_sim, stop  # noqa: E402

from svctui.kube.convert import pod  # noqa: E402
from svctui.kube.gcpause import gc_paused  # noqa: E402
from svctui.kube.pages import read_page  # noqa: E402
from svctui.model.store import POD  # noqa: E402


def pages(url: str) -> list[bytes]:
    out, cont = [], None
    while True:
        q = "limit=500" + (f"&continue={cont}" if cont else "")
        with urllib.request.urlopen(f"{url}/api/v1/pods?{q}") as r:
            raw = r.read()
        out.append(raw)
        cont = orjson.loads(raw)["metadata"].get("continue")
        if not cont:
            return out


def decode(raw_pages: list[bytes]) -> list:
    kept = []
    for raw in raw_pages:
        kept.extend(pod(item) for item in orjson.loads(raw)["items"])
    return kept


def decode_paused(raw_pages: list[bytes]) -> list:
    kept = []
    with gc_paused():  # from the first page to the last, as ResourceStream._list holds it
        for raw in raw_pages:
            kept.extend(pod(item) for item in orjson.loads(raw)["items"])
    return kept


def decode_lean(raw_pages: list[bytes]) -> list:
    kept = []
    with gc_paused():
        for raw in raw_pages:
            kept.extend(read_page(POD, raw).objects)
    return kept


def _decode_objects(raw: bytes) -> list:
    return read_page(POD, raw).objects


async def _offloop_round(mode: str, raw_pages: list[bytes], pool) -> tuple[float, float, float]:
    import asyncio

    late: list[float] = []
    stop_tick = False

    async def ticker() -> None:
        while not stop_tick:
            t = time.perf_counter()
            await asyncio.sleep(0.001)
            late.append(time.perf_counter() - t - 0.001)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()
    kept: list = []
    t0 = time.perf_counter()
    with gc_paused():
        for raw in raw_pages:
            if mode == "loop":
                kept.extend(_decode_objects(raw))
                await asyncio.sleep(0)
            elif mode == "thread":
                kept.extend(await asyncio.to_thread(_decode_objects, raw))
            else:
                kept.extend(await loop.run_in_executor(pool, _decode_objects, raw))
    took = time.perf_counter() - t0
    stop_tick = True
    await tick
    late.sort()
    return took, late[-1], late[int(0.99 * (len(late) - 1))]


def offloop(raw_pages: list[bytes], rounds: int) -> None:
    import asyncio
    from concurrent.futures import ProcessPoolExecutor

    results: dict[str, list[tuple[float, float, float]]] = {"loop": [], "thread": [], "process": []}
    with ProcessPoolExecutor(1) as pool:
        pool.submit(_decode_objects, raw_pages[0]).result()  # the worker started and warm
        for _ in range(rounds):
            for mode in results:
                gc.collect()
                results[mode].append(asyncio.run(_offloop_round(mode, raw_pages, pool)))
    base = statistics.median(r[0] for r in results["loop"])
    for mode, rs in results.items():
        took = statistics.median(r[0] for r in rs)
        print(f"{mode:8s} list {took:6.2f} s ({', '.join(f'{r[0]:.2f}' for r in rs)}; {took / base:.2f}× loop)   "
              f"ticker late: worst {statistics.median(r[1] for r in rs) * 1000:6.1f} ms, "
              f"p99 {statistics.median(r[2] for r in rs) * 1000:5.1f} ms (medians of {len(rs)} rounds)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--services", type=int, default=2000)
    p.add_argument("--pods", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--offloop", action="store_true", help="A/B: decoding on the loop, in a thread, in a process")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        sim, url, _kc, took = start_sim(f"scale:services={args.services},pods={args.pods}", workdir)
        try:
            raw_pages = pages(url)
        finally:
            stop(sim)
    size = sum(map(len, raw_pages)) / 1e6
    print(f"{len(raw_pages)} pages, {size:.0f} MB of pod JSON ({args.pods} pods)")
    if args.offloop:
        offloop(raw_pages, args.rounds)
        return
    times: dict[str, list[float]] = {"baseline": [], "paused": [], "lean": []}
    for _ in range(args.rounds):
        for name, fn in (("baseline", decode), ("paused", decode_paused), ("lean", decode_lean)):
            gc.collect()
            t0 = time.perf_counter()
            kept = fn(raw_pages)
            times[name].append(time.perf_counter() - t0)
            assert len(kept) >= args.pods
            del kept
    base, paused, lean = (statistics.median(times[k]) for k in ("baseline", "paused", "lean"))
    print(f"baseline (orjson, collector running)   median {base:6.2f} s   {[round(t, 2) for t in times['baseline']]}")
    print(f"paused   (orjson, gc_paused)           median {paused:6.2f} s   {[round(t, 2) for t in times['paused']]}")
    print(f"lean     (pages.read_page, paused)     median {lean:6.2f} s   {[round(t, 2) for t in times['lean']]}")
    print(f"ratio baseline / paused                {base / paused:6.2f}×")
    print(f"ratio baseline / lean                  {base / lean:6.2f}×   (paused / lean {paused / lean:.2f}×)")


if __name__ == "__main__":
    main()
