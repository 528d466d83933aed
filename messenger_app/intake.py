"""Inbound messages of concurrent webhook requests stored together (group commit).

Eight webhook requests arriving at once used to be eight transactions competing for the
database's one write lock (SQLite's waiters sleep in growing steps, so the answer times
grew long tails). Here the requests of one channel queue up in this process: while one batch
is written, the next requests gather, and the writer stores all that are waiting in ONE
transaction (inbound.store_inbound_many -> inbox.receive_many). Each request gets back its
own messages' results, in order; a message that cannot be stored is only that message's
exception (issue 15's rule); a database that is down fails the requests of that batch.
A lone request is written at once: nothing waits for a window.
"""

from __future__ import annotations

import asyncio
import weakref

MAX_BATCH = 500  # messages per transaction at most; more wait for the next one

_lanes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, _Lane]]" = \
    weakref.WeakKeyDictionary()


class _Lane:
    """One channel's queue of waiting requests and the task writing them."""

    def __init__(self):
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        from messenger_app import inbound

        while True:
            ch, messages, fut = await self.queue.get()
            waiting = [(messages, fut)]
            total = len(messages)
            while not self.queue.empty() and total < MAX_BATCH:
                _, more, f = self.queue.get_nowait()
                waiting.append((more, f))
                total += len(more)
            try:
                results = await inbound.store_inbound_many(
                    ch, [m for msgs, _ in waiting for m in msgs])
            except Exception as e:  # noqa: BLE001 — every request of the batch hears it
                for _, f in waiting:
                    if not f.done():
                        f.set_exception(e)
                continue
            at = 0
            for msgs, f in waiting:
                if not f.done():  # a request that went away (client disconnected) is skipped
                    f.set_result(results[at:at + len(msgs)])
                at += len(msgs)


async def store(ch, messages: list) -> list:
    """Store this request's messages with the others waiting for the same channel; one
    result per message (its inbox.Received or the exception that kept it out)."""
    if not messages:
        return []
    loop = asyncio.get_running_loop()
    lanes = _lanes.setdefault(loop, {})
    lane = lanes.get(ch.id)
    if lane is None or lane.task is None or lane.task.done():
        lane = lanes[ch.id] = _Lane()
        lane.task = loop.create_task(lane.run())
    fut = loop.create_future()
    lane.queue.put_nowait((ch, list(messages), fut))
    return await fut
