"""Live updates (X2): one bus subscription per process, one computation per event batch.

The hub takes the bus's events, coalesces them (a burst within WINDOW seconds becomes one
batch; a lone event after a quiet spell goes out at once) and hands the same `Digest` to
every open tab of this process. A digest memoises what the tabs read for it: the first tab
that needs the changed rows or the folder counters starts the query (in a worker thread,
never on the event loop), every other tab awaits the same result. So the database work of
an event is done once however many tabs are open; a tab queries on its own only for what
depends on its own view (its filter, its open dialog), and tabs with the same view share
that too.

Why a per-process hub and not `rx.SharedState` or `app.modify_state` per tab: a shared
state (reflex/istate/shared.py) holds ONE copy of its vars for every linked tab, but each
tab here shows its own page of rows, filter, time zone and language; and its fan-out is
itself one `app.modify_state` per linked token, i.e. the same per-tab state load and delta
as the per-tab listener, without a place to hold per-tab view. The costs we had were the
per-tab database queries; the hub removes those and leaves Reflex's own delta per tab.
"""

from __future__ import annotations

import asyncio
import logging
import contextlib
from typing import Any, AsyncIterator, Callable

from messenger_app.services import events

log = logging.getLogger("messenger.live")
RETRY = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds between tries while the state store is down
RELOAD = "reload"  # apply(): the tab's state is gone, reload the page
# a live page's marker (components/common.live_marker) once its listener is subscribed:
# browser tests wait on it instead of a fixed pause after the page loads
LIVE_ON_JS = "(document.getElementById('msg-live') || {dataset: {}}).dataset.live = 'on'"
LIVE_OFF_JS = "(document.getElementById('msg-live') || {dataset: {}}).dataset.live = ''"
RELOAD_JS = "window.location.reload()"
_LISTENERS: dict[str, asyncio.Task] = {}  # "<kind>:<client token>" -> its task in this process
TICK = 15.0  # seconds: how often an idle listener checks that its tab is still there
_TICK = object()  # what the hub's clock puts in every tab's queue each TICK seconds
WINDOW = 0.05  # seconds: events closer together than this reach the tabs as one batch


class Digest:
    """One batch of bus events and what tabs read for it, computed once (see module doc)."""

    def __init__(self, batch: list[dict], memo: dict | None = None, subscribed: bool = False):
        self.events = batch
        self._memo: dict[Any, asyncio.Future] = {} if memo is None else memo
        # digests(ready=True)'s first, empty digest: from now on no event is missed
        self.subscribed = subscribed
        # the deltas tabs sent for it, for the tabs it changes the same way (live_delta.send)
        self.deltas: list = []

    @property
    def touched(self) -> set[int]:
        return {ev["dialog_id"] for ev in self.events if ev.get("dialog_id")}

    @property
    def kinds(self) -> set[str]:
        kinds = {ev.get("kind") for ev in self.events}
        if events.RESYNC in kinds:  # the bus was down: anything may have changed meanwhile
            kinds |= {"dialogs_bulk", "folders", "crm_fields", "tag2_options"}
        return kinds

    async def get(self, key: Any, fn: Callable, *args) -> Any:
        """fn(*args) run once in a worker thread for this digest and key; every caller
        with the same key awaits the same result (an exception reaches each of them)."""
        fut = self._memo.get(key)
        if fut is None:
            fut = asyncio.ensure_future(asyncio.to_thread(fn, *args))
            self._memo[key] = fut
        elif fut.done():  # read already (every tab after the first): no shield, no wait
            return fut.result()
        return await asyncio.shield(fut)

    @staticmethod
    def combine(digests: list["Digest"]) -> "Digest":
        """Several digests a slow tab did not take in time, as one: all their events, and
        the newest one's memo (read after every one of those events was published)."""
        if len(digests) == 1:
            return digests[0]
        return Digest([ev for d in digests for ev in d.events], digests[-1]._memo)


class Hub:
    """The process's one bus subscriber; tabs subscribe here (per event loop)."""

    def __init__(self, window: float = WINDOW):
        self.window = window
        self._tabs: set[asyncio.Queue] = set()
        self._task: asyncio.Task | None = None
        self._clock: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0  # how many digests went out (tests, benchmarks)

    def subscribe(self) -> asyncio.Queue:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._tabs = set()
            q = events.bus().subscribe()  # before returning: no event published after is lost
            self._task = loop.create_task(self._run(q))
            if self._clock is not None:
                self._clock.cancel()
            self._clock = loop.create_task(self._tick())
        tab: asyncio.Queue = asyncio.Queue(maxsize=100)
        self._tabs.add(tab)
        return tab

    def unsubscribe(self, tab: asyncio.Queue) -> None:
        self._tabs.discard(tab)

    async def _tick(self) -> None:
        """Every TICK seconds, a tick in each tab's queue: one timer for every listener of the
        process, where each used to wait on its queue with a timeout of its own (a task and a
        timer per tab and event: ~15 % of a tab's share of a live update, issue 11)."""
        while True:
            await asyncio.sleep(TICK)
            for tab in list(self._tabs):
                if not tab.full():  # a full queue has digests enough to wake its listener
                    tab.put_nowait(_TICK)

    async def _run(self, q: asyncio.Queue) -> None:
        loop = asyncio.get_running_loop()
        last = -1e9
        try:
            while True:
                first = await q.get()
                wait = self.window - (loop.time() - last)
                if wait > 0:  # a burst: gather what arrives until the window closes
                    await asyncio.sleep(wait)
                batch = [first]
                while not q.empty():
                    batch.append(q.get_nowait())
                last = loop.time()
                digest = Digest(batch)
                self.batches += 1
                for tab in list(self._tabs):
                    if tab.full():  # a stuck tab must not grow memory: drop its oldest
                        tab.get_nowait()
                    tab.put_nowait(digest)
        finally:
            events.bus().unsubscribe(q)


_hub: Hub | None = None


def hub() -> Hub:
    global _hub
    if _hub is None:
        _hub = Hub()
    return _hub


def _connected(token: str) -> bool:
    from reflex.utils.prerequisites import get_and_validate_app

    try:
        ns = get_and_validate_app().app.event_namespace
    except Exception:
        return True
    return ns is None or token in ns.token_to_sid


async def digests(key: str, token: str, ready: bool = False) -> AsyncIterator[Digest]:
    """The hub's digests for one tab (several pending ones combined); an empty Digest on
    each of the hub's ticks, every TICK seconds (for periodic work such as presence). Ends
    when the tab disconnects. A second listener for the same tab ends at once. With `ready`,
    an empty Digest with `subscribed` set also comes first, once subscribed: from then on no
    event is missed (the tab can say it is live, LIVE_ON_JS); a second listener gets just
    that one, as the first already follows the tab. Use with contextlib.aclosing()."""
    me = asyncio.current_task()
    running = _LISTENERS.get(key)
    if running is not None and not running.done() and running is not me:
        if ready:  # that listener already follows this tab (the same client token)
            yield Digest([], subscribed=True)
        return
    _LISTENERS[key] = me
    h = hub()
    q = h.subscribe()
    try:
        if ready:  # "live" only once Redis confirmed the SUBSCRIBE (at once without Redis)
            await events.bus().ready()
            yield Digest([], subscribed=True)
        while True:
            got = await q.get()
            if got is _TICK:
                if not _connected(token):
                    return
                yield Digest([])
                continue
            pending = [got]
            while not q.empty():
                more = q.get_nowait()
                if more is not _TICK:  # events are coming: this tick has nothing to add
                    pending.append(more)
            yield Digest.combine(pending)
    finally:
        h.unsubscribe(q)
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
    try:  # the session field itself (state.router assembles a whole RouterData)
        session = getattr(state, "rx_router_session", None) or state.router.session
        return not session.client_token
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
async def batches(key: str, token: str) -> AsyncIterator[list[dict]]:
    """The same feed as plain event lists (an empty list every TICK seconds of quiet)."""
    async with contextlib.aclosing(digests(key, token)) as feed:
        async for digest in feed:
            yield digest.events
