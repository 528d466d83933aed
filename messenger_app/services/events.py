"""The event bus: services publish after commit, every open tab's state listens.

In-process by default. With REDIS_URL set, events go through Redis pub/sub so that
several backend processes (or hosts) see each other's events. `publish()` is safe to call
from any thread (services are synchronous).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

from messenger_app import settings

log = logging.getLogger(__name__)
REDIS_CHANNEL = "messenger:events"


class Bus:
    def __init__(self, redis_url: str = ""):
        self.redis_url = redis_url
        self._subs: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()
        self._lock = threading.Lock()
        self._redis_pub = None
        self._listener: asyncio.Task | None = None

    # -- subscribe -------------------------------------------------------------------
    def subscribe(self) -> asyncio.Queue:
        """A queue of events for the calling coroutine; call unsubscribe() when done."""
        loop = asyncio.get_running_loop()
        q: asyncio.Queue = asyncio.Queue(maxsize=1000)
        with self._lock:
            self._subs.add((loop, q))
        if self.redis_url and (self._listener is None or self._listener.done()):
            self._listener = loop.create_task(self._listen_redis())
        return q

    def unsubscribe(self, q: asyncio.Queue) -> None:
        with self._lock:
            self._subs = {(lp, qq) for lp, qq in self._subs if qq is not q}

    # -- publish ---------------------------------------------------------------------
    def publish(self, kind: str, **data: Any) -> None:
        event = {"kind": kind, **data}
        if self.redis_url:
            try:
                self._redis().publish(REDIS_CHANNEL, json.dumps(event))
                return
            except Exception:  # Redis down: at least this process's tabs hear it
                log.exception("redis publish failed; delivering locally")
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

            self._redis_pub = redis.Redis.from_url(self.redis_url)
        return self._redis_pub

    async def _listen_redis(self) -> None:
        import redis.asyncio as aredis

        while True:
            try:
                client = aredis.Redis.from_url(self.redis_url)
                pubsub = client.pubsub()
                await pubsub.subscribe(REDIS_CHANNEL)
                async for msg in pubsub.listen():
                    if msg.get("type") == "message":
                        self._fan_out(json.loads(msg["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis listener failed; reconnecting")
                await asyncio.sleep(1)


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


def publish(kind: str, **data: Any) -> None:
    bus().publish(kind, **data)


def reset() -> None:
    global _bus
    _bus = None
