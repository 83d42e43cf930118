"""Bulk decoding with the cyclic garbage collector paused.

Listing 100,000 pods allocates tens of millions of small objects, none of them in reference cycles;
with the collector running, those allocations trigger collections that rescan everything already
decoded, which made decoding 100,000 pods take 1.9× as long (benchmarks/list_decode.py). A list holds
the pause from its first page until its objects are in the model, across awaits: other tasks may
allocate under it, which only delays their cycles' collection by those seconds. Pauses nest (three streams list at
once); the collector runs again when the last one ends, if it was running before the first.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    if _depth == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _was_enabled:
            gc.enable()
