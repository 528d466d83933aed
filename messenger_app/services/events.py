"""The event bus: services publish after commit, every open tab's state listens.

A write adds its typed events (services/event_types.py) to its transaction:

    with db.session() as s:
        ...
        events.on_commit(s, DialogChanged(dialog_id=d, contact_id=c, reason="read"))
        s.commit()

They are buffered in the session (`session.info`) and sent by SQLAlchemy's after_commit
hook once the commit went through; a rollback (or a session closed without commit) drops
them, so a tab never hears of a write that did not happen. There is no other way to send.

In-process by default. With REDIS_URL set, events go through Redis pub/sub so that
several backend processes (or hosts) see each other's events. Sending is safe from any
thread (services are synchronous). On the wire an event is `{"kind": ..., fields}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from typing import Any, Callable

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from messenger_app import settings
from messenger_app.services.event_types import Event

log = logging.getLogger(__name__)
REDIS_CHANNEL = "messenger:events"


RESYNC = "resync"  # fanned out locally when the Redis subscription comes back: refresh fully
TIMEOUT = 2.0  # seconds to connect to / answer from Redis: a dead Redis never stalls a write
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds between reconnects of the listener
PUBLISH_PAUSE = 1.0  # seconds after a failed publish during which events stay local


class Bus:
    """Redis outages: a publish that fails is delivered to this process's tabs and logged
    once per outage (not once per event); the listener reconnects with backoff and, once
    subscribed again, fans out {"kind": "resync"} so that every tab refreshes what it shows
    (events other processes published meanwhile are gone: pub/sub keeps nothing)."""

    def __init__(self, redis_url: str = ""):
        self.redis_url = redis_url
        self._subs: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()
        self._lock = threading.Lock()
        self._redis_pub = None
        self._listener: asyncio.Task | None = None
        self._publish_down = False  # a publish failed and none has worked since
        self._retry_at = 0.0  # after a failed publish, Redis is not tried before this
        self.listener_down = False  # the subscription is broken (health, tests)
        self.subscribed = threading.Event()  # set while the Redis subscription is live

    # -- subscribe -------------------------------------------------------------------
    def subscribe(self) -> "Subscription":
        """A queue of events for the calling coroutine; call unsubscribe() when done.

        `q = await bus.subscribe()` returns once Redis has confirmed the SUBSCRIBE (at most
        TIMEOUT: with Redis down events stay local and the listener keeps retrying), so an
        event another process publishes after that is never missed. Plain `bus.subscribe()`
        returns at once. Until the subscription is live this process's own events are
        delivered to its tabs directly (see publish())."""
        loop = asyncio.get_running_loop()
        q = Subscription(self, maxsize=1000)
        with self._lock:
            self._subs.add((loop, q))
        if self.redis_url and (self._listener is None or self._listener.done()):
            self._listener = loop.create_task(self._listen_redis())
        return q

    async def ready(self, timeout: float = TIMEOUT) -> bool:
        """Wait until Redis confirmed this process's subscription (True), or `timeout`
        passed (False). Without Redis there is nothing to wait for."""
        if not self.redis_url or self.subscribed.is_set():
            return True
        return await asyncio.to_thread(self.subscribed.wait, timeout)

    def unsubscribe(self, q: asyncio.Queue) -> None:
        with self._lock:
            self._subs = {(lp, qq) for lp, qq in self._subs if qq is not q}

    # -- publish ---------------------------------------------------------------------
    def publish(self, kind: str, **data: Any) -> None:
        self.send({"kind": kind, **data})

    def send(self, event: dict) -> None:
        """Never raises: callers have committed already, an event must not undo their work."""
        if self.redis_url and time.monotonic() >= self._retry_at:
            live = self.subscribed.is_set()  # read before publishing: Redis delivers it back
            try:
                self._redis().publish(REDIS_CHANNEL, json.dumps(event))
                if self._publish_down:
                    self._publish_down = False
                    log.info("redis publish works again")
                if not live:  # not subscribed (yet): Redis would not bring it to our tabs
                    self._fan_out(event)  # (at worst twice, right at the SUBSCRIBE: a re-read)
                return
            except Exception as e:  # Redis down: at least this process's tabs hear it
                self._retry_at = time.monotonic() + PUBLISH_PAUSE
                if not self._publish_down:
                    self._publish_down = True
                    log.warning("redis publish failed (%s: %s); events reach this process's "
                                "tabs only until Redis is back", type(e).__name__, e)
        self._fan_out(event)

    def _fan_out(self, event: dict) -> None:
        with self._lock:
            subs = list(self._subs)
        for loop, q in subs:
            try:
                loop.call_soon_threadsafe(_put, q, event)
            except RuntimeError:  # loop closed: drop the dead subscriber
                self.unsubscribe(q)

    def _redis(self):
        if self._redis_pub is None:
            import redis

            from redis.backoff import NoBackoff
            from redis.retry import Retry

            # one quick retry (a pooled connection that died with a Redis restart), no
            # exponential backoff: a write's thread must not wait seconds for a dead Redis
            self._redis_pub = redis.Redis.from_url(
                self.redis_url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT,
                retry=Retry(NoBackoff(), 1))
        return self._redis_pub

    async def _listen_redis(self) -> None:
        import redis.asyncio as aredis

        was_subscribed = False  # a later "subscribe" confirmation is a reconnect
        failures = 0
        while True:
            client = None
            try:
                client = aredis.Redis.from_url(self.redis_url, socket_connect_timeout=TIMEOUT,
                                               socket_keepalive=True)
                pubsub = client.pubsub()
                await pubsub.subscribe(REDIS_CHANNEL)
                async for msg in pubsub.listen():
                    kind = msg.get("type")
                    if kind == "subscribe":  # also after redis-py reconnected by itself
                        failures = 0
                        self.subscribed.set()
                        missed = was_subscribed or self.listener_down
                        if self.listener_down:
                            log.info("redis subscription is back; tabs refresh")
                        self.listener_down = False
                        if missed:
                            _run_hooks({"kind": RESYNC})
                            self._fan_out({"kind": RESYNC})
                        was_subscribed = True
                    elif kind == "message":
                        try:
                            ev = json.loads(msg["data"])
                            if isinstance(ev, dict):
                                _run_hooks(ev)
                            self._fan_out(ev)
                        except (ValueError, TypeError):
                            log.warning("ignored a malformed event on %s", REDIS_CHANNEL)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self.subscribed.clear()
                if not self.listener_down:
                    self.listener_down = True
                    log.warning("redis subscription lost (%s: %s); reconnecting",
                                type(e).__name__, e)
                await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF) - 1)])
                failures += 1
            finally:
                if client is not None:
                    with contextlib.suppress(Exception):
                        await client.aclose()


class Subscription(asyncio.Queue):
    """A subscriber's queue of events; awaiting it waits for the Redis subscription."""

    def __init__(self, bus: Bus, maxsize: int = 0):
        super().__init__(maxsize=maxsize)
        self._bus = bus

    def __await__(self):
        return self._ready().__await__()

    async def _ready(self) -> "Subscription":
        await self._bus.ready()
        return self


def _put(q: asyncio.Queue, event: dict) -> None:
    if q.full():  # a stuck tab must not grow memory: drop its oldest event
        q.get_nowait()
    q.put_nowait(event)


_bus: Bus | None = None


def bus() -> Bus:
    global _bus
    if _bus is None:
        _bus = Bus(settings.get().redis_url)
    return _bus


# -- the unit of work: events go out after their transaction's commit ------------------
_KEY = "messenger_events"  # session.info: [(the (nested) transaction, event), ...]
_READY = "messenger_events_committed"  # session.info: the events of the commit under way


def on_commit(session: Session, *evs: Event) -> None:
    """Send `evs` once `session`'s transaction commits; nothing if it rolls back. Raises
    RuntimeError outside a transaction and TypeError for anything but an Event."""
    if not session.in_transaction():
        raise RuntimeError("events.on_commit outside a transaction: add the events before "
                           "the commit, in the session that writes")
    tx = session.get_nested_transaction() or session.get_transaction()
    buf = session.info.setdefault(_KEY, [])
    for ev in evs:
        if not isinstance(ev, Event):
            raise TypeError(f"not an event: {ev!r}")
        buf.append((tx, ev))


def deliver(wire: dict) -> None:
    """Hand one committed event to the bus (the after-commit hook's only exit)."""
    bus().send(wire)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    buf = session.info.get(_KEY)
    if not buf:
        return
    nested = session.get_nested_transaction()
    if nested is not None:  # a savepoint: its events now belong to the enclosing transaction
        session.info[_KEY] = [(nested.parent if tx is nested else tx, ev) for tx, ev in buf]
        return
    session.info[_KEY] = []
    session.info[_READY] = [ev for _, ev in buf]  # sent once the connection is back in the pool


@sa_event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    """The root transaction ended: after a commit its events go out (the connection is
    released by now, so a slow Redis never holds it); otherwise (rollback, close) they are
    dropped. A savepoint that ended without release drops its own."""
    if transaction.parent is not None:
        buf = session.info.get(_KEY)
        if buf:
            session.info[_KEY] = [(tx, ev) for tx, ev in buf if tx is not transaction]
        return
    session.info[_KEY] = []
    for ev in session.info.pop(_READY, None) or ():
        try:
            wire = ev.wire()
            _run_hooks(wire)  # this process's caches first, whoever listens to the bus
            deliver(wire)
        except Exception:  # the commit happened: an event must not turn it into an error
            log.exception("sending %s after commit failed", ev)


def reset() -> None:
    global _bus
    _bus = None
    _run_hooks({"kind": RESYNC})  # another database (tests): caches start over


# -- hooks: process-wide caches hear every event this process sends or receives ----------
_hooks: list[Callable[[dict], None]] = []


def on_event(fn: Callable[[dict], None]) -> Callable[[dict], None]:
    """Register `fn(event)` for every event this process sends (right after its commit, in
    the committing thread) or hears from other processes through Redis, and for a resync
    ({"kind": "resync"}: anything may have changed). For cache invalidation: it must be
    quick and must not raise."""
    _hooks.append(fn)
    return fn


def _run_hooks(event: dict) -> None:
    for fn in list(_hooks):
        try:
            fn(event)
        except Exception:
            log.exception("event hook %s failed on %s", fn, event)
