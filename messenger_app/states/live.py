"""One bus listener per browser tab, shared by the operator inbox and the visitor widget."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator, Callable

from messenger_app.services import events

log = logging.getLogger("messenger.live")
RETRY = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds between tries while the state store is down
RELOAD = "reload"  # apply(): the tab's state is gone, reload the page
RELOAD_JS = "window.location.reload()"
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


def _state_errors() -> tuple[type[BaseException], ...]:
    """What entering a tab's state raises while its store (Redis with REDIS_URL) is down, or
    what a refresh raises while the database is unreachable."""
    from redis.exceptions import RedisError
    from reflex_base.utils.exceptions import LockExpiredError
    from sqlalchemy.exc import OperationalError  # and the database, while it restarts

    return (RedisError, OSError, LockExpiredError, OperationalError)


def _lost(state) -> bool:
    """A state the store made afresh: it never saw an event of its tab (no router data)."""
    try:
        return not state.router.session.client_token
    except AttributeError:
        return False


async def apply(state, token: str, batch: list[dict], step: Callable[[list[dict]], Any]) -> Any:
    """`async with state: return step(batch)`, surviving a state store outage: while the
    store is down it is tried again with backoff (the tab's listener stays alive instead of
    dying with the first event), and once it works `step` also gets a resync event, since
    what happened meanwhile is not in the batch. Returns False when the tab went away during
    the outage, RELOAD when the store has no state of this tab any more (a Redis restarted
    without persistence; then the bus's resync or any event finds it blank): the listener then has the browser reload the page (RELOAD_JS),
    which rebuilds the state from the session cookie and local storage."""
    errors = _state_errors()
    missed = False
    tries = 0
    while True:
        try:
            async with state:
                if _lost(state):
                    return RELOAD
                return step(batch + [{"kind": events.RESYNC}] if missed else batch)
        except errors as e:
            if not missed:
                log.warning("tab %s: state store unavailable (%s); retrying", token[:8],
                            type(e).__name__)
            missed = True
            if not _connected(token):
                return False
            await asyncio.sleep(RETRY[min(tries, len(RETRY) - 1)])
            tries += 1
