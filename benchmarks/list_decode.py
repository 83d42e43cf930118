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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--services", type=int, default=2000)
    p.add_argument("--pods", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        sim, url, _kc, took = start_sim(f"scale:services={args.services},pods={args.pods}", workdir)
        try:
            raw_pages = pages(url)
        finally:
            stop(sim)
    size = sum(map(len, raw_pages)) / 1e6
    print(f"{len(raw_pages)} pages, {size:.0f} MB of pod JSON ({args.pods} pods)")
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
