"""Bulk decoding with the cyclic garbage collector paused.

Listing 100,000 pods allocates tens of millions of small objects, none of them in reference cycles;
with the collector running, those allocations trigger collections that rescan everything already
decoded, which made decoding 100,000 pods take 1.9× as long (benchmarks/list_decode.py). A list holds
the pause from its first page until its objects are in the model, across awaits: other tasks may
allocate under it, which only delays their cycles' collection by those seconds. Pauses nest (three streams list at
once); the collector runs again when the last one ends, if it was running before the first.

With `keep=True` (the lists: their objects live as long as the model), what was allocated is moved
to the collector's permanent generation (gc.freeze) before it runs again: otherwise its first pass
scans the millions of objects just decoded, 0.4 s at 10,000 Services before the tree could be
built. The price: reference cycles made during the pause are never collected (the model's objects
have none; the app freezes the same objects once everything is listed anyway).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
_was_enabled = False
_keep = False


@contextmanager
def gc_paused(keep: bool = False) -> Iterator[None]:
    global _depth, _was_enabled, _keep
    if _depth == 0:
        _was_enabled = gc.isenabled()
        _keep = False
        gc.disable()
    _depth += 1
    try:
        yield
    finally:
        _keep = _keep or keep
        _depth -= 1
        if _depth == 0 and _was_enabled:
            if _keep:
                gc.freeze()
            gc.enable()
