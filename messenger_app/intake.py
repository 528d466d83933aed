"""Inbound messages of concurrent webhook requests stored together (group commit).

Eight webhook requests arriving at once used to be eight transactions competing for the
database's one write lock (SQLite's waiters sleep in growing steps, so the answer times
grew long tails). Here the requests of one channel queue up in this process: while one batch
is written, the next requests gather, and the writer stores all that are waiting in ONE
transaction (inbound.store_inbound_many -> inbox.receive_many). Each request gets back its
own messages' results, in order, after that transaction's commit; a message that cannot be
stored is only that message's exception (issue 15's rule); a database that is down fails
the requests of that batch.

A batch also waits, MAX_WAIT at most, for the requests of its channel that are being read
or parsed right now (`arriving`): under load half the batches were one message while the
next requests were a parse away. A lone request is written at once: nothing waits for a
window when nothing else is on its way.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Iterator

MAX_BATCH = 500  # messages per transaction at most; more wait for the next one
MAX_WAIT = 0.004  # seconds a batch waits at most for requests still being read

_lanes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, _Lane]]" = \
    weakref.WeakKeyDictionary()


class _Lane:
    """One channel's queue of waiting requests and the task writing them."""

    def __init__(self):
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.arriving = 0  # requests of this channel being read or parsed (they will queue)
        self.changed = asyncio.Event()  # a request queued, or one stopped arriving

    def _take(self, waiting: list, total: int) -> int:
        while not self.queue.empty() and total < MAX_BATCH:
            _, more, f = self.queue.get_nowait()
            waiting.append((more, f))
            total += len(more)
        return total

    async def _gather(self, waiting: list, total: int) -> None:
        """Add what is waiting, and what is still arriving, up to MAX_WAIT from now."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_WAIT
        while True:
            self.changed.clear()
            total = self._take(waiting, total)
            left = deadline - loop.time()
            if total >= MAX_BATCH or not self.arriving or left <= 0:
                return
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                self._take(waiting, total)
                return

    async def run(self) -> None:
        from messenger_app import inbound

        while True:
            ch, messages, fut = await self.queue.get()
            waiting = [(messages, fut)]
            await self._gather(waiting, len(messages))
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


def _lane(channel_id: int) -> _Lane:
    loop = asyncio.get_running_loop()
    lanes = _lanes.setdefault(loop, {})
    lane = lanes.get(channel_id)
    if lane is None or lane.task is None or lane.task.done():
        lane = lanes[channel_id] = _Lane()
        lane.task = loop.create_task(lane.run())
    return lane


@contextlib.contextmanager
def arriving(channel_id: int) -> Iterator[None]:
    """Around reading and parsing a request whose messages will be stored (webhooks): a
    batch being formed for the channel waits for it (MAX_WAIT at most)."""
    lane = _lane(channel_id)
    lane.arriving += 1
    try:
        yield
    finally:
        lane.arriving -= 1
        lane.changed.set()


async def store(ch, messages: list) -> list:
    """Store this request's messages with the others waiting for the same channel; one
    result per message (its inbox.Received or the exception that kept it out), after the
    commit."""
    if not messages:
        return []
    lane = _lane(ch.id)
    fut = asyncio.get_running_loop().create_future()
    lane.queue.put_nowait((ch, list(messages), fut))
    lane.changed.set()
    return await fut
