"""Watch lines → model objects: orjson + convert.py (the stream's way until round 5) against
pages.read_event (msgspec Structs, as list pages are read), the same bytes, alternated.

    .venv/bin/python benchmarks/watch_decode.py            # 1,000 Services / 10,000 pods, 5 rounds

The sim (`svctui sim --scenario scale:...`) runs as its own process; a watch from resourceVersion 0
gives an ADDED line for every EndpointSlice and every Pod, the lines a busy cluster's watch carries
(a slice with its 10 endpoints, a pod with its status). Each round reads every line both ways; prints
the median µs per line of each kind and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _painted import load_line, start_sim, stop  # noqa: E402

from svctui.kube.convert import CONVERTERS, resource_version  # noqa: E402
from svctui.kube.pages import read_event  # noqa: E402
from svctui.model.store import ENDPOINTSLICE, POD  # noqa: E402

PATHS = {ENDPOINTSLICE: "/apis/discovery.k8s.io/v1/endpointslices", POD: "/api/v1/pods"}


def lines_of(url: str, path: str) -> list[bytes]:
    with urllib.request.urlopen(f"{url}{path}?watch=1&resourceVersion=0&timeoutSeconds=1", timeout=60) as r:
        return [line for line in r.read().splitlines() if line.strip()]


def before(kind: str, lines: list[bytes]) -> list:
    convert = CONVERTERS[kind]
    out = []
    for line in lines:
        ev = orjson.loads(line)
        raw = ev.get("object")
        out.append((ev["type"], convert(raw), resource_version(raw)))
    return out


def after(kind: str, lines: list[bytes]) -> list:
    return [read_event(kind, line) for line in lines]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--pods", type=int, default=10000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        sim, url, _kc, _took = start_sim(f"scale:services={args.services},pods={args.pods}", workdir)
        try:
            got = {kind: lines_of(url, path) for kind, path in PATHS.items()}
        finally:
            stop(sim)
    print(load_line("at the start"))
    for kind, lines in got.items():
        assert after(kind, lines) == before(kind, lines), "the two ways must give the same events"
        times: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.rounds):
            for name, fn in (("before", before), ("after", after)):
                t0 = time.perf_counter()
                fn(kind, lines)
                times[name].append((time.perf_counter() - t0) / len(lines))
        b, a = statistics.median(times["before"]), statistics.median(times["after"])
        size = sum(map(len, lines)) / len(lines)
        print(f"{kind:14s} {len(lines):6d} lines of {size / 1000:.1f} KB: orjson + convert.py {b * 1e6:6.1f} µs, "
              f"read_event {a * 1e6:6.1f} µs a line ({b / a:.2f}×; medians of {args.rounds} rounds, alternated)")
    print(load_line("at the end"))


if __name__ == "__main__":
    main()
