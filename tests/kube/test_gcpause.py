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
