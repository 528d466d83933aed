"""One bus listener per browser tab, shared by the operator inbox and the visitor widget."""

from __future__ import annotations

import asyncio
from typing import Callable

from messenger_app.services import events

_LISTENERS: dict[str, asyncio.Task] = {}  # "<kind>:<client token>" -> its task in this process


def _connected(token: str) -> bool:
    from reflex.utils.prerequisites import get_and_validate_app

    try:
        ns = get_and_validate_app().app.event_namespace
    except Exception:
        return True
    return ns is None or token in ns.token_to_sid


async def run(state, key: str, token: str, apply: Callable[[list[dict]], bool]) -> None:
    """Feed bus events to `apply(batch)` under the state's lock until the tab goes away or
    `apply` returns False. A second call for the same tab returns at once."""
    me = asyncio.current_task()
    running = _LISTENERS.get(key)
    if running is not None and not running.done() and running is not me:
        return
    _LISTENERS[key] = me
    q = events.bus().subscribe()
    try:
        while True:
            try:
                batch = [await asyncio.wait_for(q.get(), timeout=15)]
            except asyncio.TimeoutError:
                if not _connected(token):
                    return
                continue
            while not q.empty():
                batch.append(q.get_nowait())
            async with state:
                if apply(batch) is False:
                    return
    finally:
        events.bus().unsubscribe(q)
        if _LISTENERS.get(key) is me:
            _LISTENERS.pop(key, None)
