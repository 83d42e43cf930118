"""The collector pause of the list path: nests, overlaps across tasks, restores what it found."""

from __future__ import annotations

import asyncio
import gc

from svctui.kube.gcpause import gc_paused


async def test_overlapping_pauses_end_with_the_collector_running():
    assert gc.isenabled()
    a_in, b_in, a_out = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def a():
        with gc_paused():
            a_in.set()
            await b_in.wait()
        a_out.set()

    async def b():
        await a_in.wait()
        with gc_paused():
            b_in.set()
            await a_out.wait()
            assert not gc.isenabled()  # a left first: b still holds the pause
    await asyncio.gather(a(), b())
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with gc_paused():
            with gc_paused():
                pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_kept_objects_are_frozen_before_the_collector_runs_again():
    # Objects an earlier test froze leave the permanent generation when they die, which would move the
    # count under this test: start from an empty one.
    gc.unfreeze()
    before = gc.get_freeze_count()
    try:
        with gc_paused():
            with gc_paused(keep=True):
                kept = [[i] for i in range(1000)]
            assert gc.get_freeze_count() == before  # the outer pause still holds
        frozen = gc.get_freeze_count()
        assert gc.isenabled() and frozen >= before + len(kept)
        with gc_paused():
            more = [[i] for i in range(1000)]
        # A plain pause freezes nothing: the count cannot grow (it may shrink, as frozen objects of other
        # threads die).
        assert gc.get_freeze_count() <= frozen and len(more) == 1000
    finally:
        gc.unfreeze()
