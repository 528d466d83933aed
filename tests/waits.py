"""Waiting for a condition instead of sleeping for a guessed time."""

from __future__ import annotations

import asyncio


async def until(cond, timeout: float = 8.0, every: float = 0.05):
    """Poll `cond` (a blocking callable, run in a thread) until it returns something true;
    AssertionError when `timeout` seconds pass first."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        got = await asyncio.to_thread(cond)
        if got:
            return got
        await asyncio.sleep(every)
    raise AssertionError("condition not met in time")
