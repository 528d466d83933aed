"""One bus listener per browser tab, shared by the operator inbox and the visitor widget."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from messenger_app.services import events

_LISTENERS: dict[str, asyncio.Task] = {}  # "<kind>:<client token>" -> its task in this process
TICK = 15.0  # seconds: how often an idle listener checks that its tab is still there


def _connected(token: str) -> bool:
    from reflex.utils.prerequisites import get_and_validate_app

    try:
        ns = get_and_validate_app().app.event_namespace
    except Exception:
        return True
    return ns is None or token in ns.token_to_sid


async def batches(key: str, token: str) -> AsyncIterator[list[dict]]:
    """Bus events for one tab, in batches; an empty batch every TICK seconds of quiet (for
    periodic work such as presence). Ends when the tab disconnects. A second listener for
    the same tab ends at once. Use with contextlib.aclosing()."""
    me = asyncio.current_task()
    running = _LISTENERS.get(key)
    if running is not None and not running.done() and running is not me:
        return
    _LISTENERS[key] = me
    q = events.bus().subscribe()
    try:
        while True:
            try:
                batch = [await asyncio.wait_for(q.get(), timeout=TICK)]
            except asyncio.TimeoutError:
                if not _connected(token):
                    return
                yield []
                continue
            while not q.empty():
                batch.append(q.get_nowait())
            yield batch
    finally:
        events.bus().unsubscribe(q)
        if _LISTENERS.get(key) is me:
            _LISTENERS.pop(key, None)
