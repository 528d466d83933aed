"""Background work of the backend: channel pollers, one send lane per channel instance, the
durable job runner, the Web Push notifier.

Runs as a Reflex lifespan task. With several backend processes, only the holder of the
"workers" lease runs them (a holder id per process, not per import: Granian forks workers
after import); the others wait and take over if it dies. Rows are claimed before they are
worked on (outbox.claim_next, jobs.claim), so even a lease hand-over never sends twice.
Every loop is guarded: a database or Redis outage pauses the work, which resumes by itself.

What the loops run lives next door: inbound.py (storing polled and webhook messages, their
media and profiles), job_handlers.py (the durable jobs), process_id.py (holder()). The
names callers know (workers.store_inbound_many, run_due_jobs, holder, ...) stay here.
"""

from __future__ import annotations

import asyncio
import logging
import time

from messenger_app import adapters, settings
from messenger_app.channels import registry
from messenger_app.channels.base import PermanentError, TransientError
from messenger_app.inbound import (MAX_AVATAR, fetch_media, fetch_profile,  # noqa: F401 (callers)
                                   store_inbound, store_inbound_many)
from messenger_app.job_handlers import JOB_HANDLERS, run_due_jobs, run_job  # noqa: F401
from messenger_app.process_id import holder
from messenger_app.services import channels, events, jobs, lease, outbox

log = logging.getLogger("messenger.workers")
LEASE_TTL = 20
MAINTENANCE_EVERY = 30.0  # seconds between stale-claim recoveries
REST_MIN, REST_MAX = 1.0, 5.0  # an empty poll that came back at once waits this long
MAILING_FEED_EVERY = 0.5  # seconds between top-ups of the mailing windows

class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = max(rate, 0.001)
        self.burst = max(burst if burst is not None else max(1.0, rate), 1.0)
        self.tokens = self.burst
        self.at = time.monotonic()

    def wait_time(self) -> float:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    async def take(self) -> None:
        while (wait := self.wait_time()) > 0:
            await asyncio.sleep(wait)
        self.tokens -= 1


class Workers:
    def __init__(self):
        self.versions: dict[int, tuple] = {}  # channel id -> the settings its tasks use
        self.pollers: dict[int, asyncio.Task] = {}
        self.lanes: dict[int, asyncio.Task] = {}
        self.wakeups: dict[int, asyncio.Event] = {}
        self.jobs_task: asyncio.Task | None = None
        self.jobs_wakeup = asyncio.Event()
        self.notifier: asyncio.Task | None = None  # Web Push for inbound messages (N1)
        self.router: asyncio.Task | None = None
        self.mailing_task: asyncio.Task | None = None  # feeds mailing recipients to the lanes
        self.mailing_wakeup = asyncio.Event()

    def adapter_for(self, channel):
        return adapters.get(channel)

    # -- supervision -------------------------------------------------------------------
    async def sync_channels(self) -> None:
        """A send lane for every enabled channel, a poller for each polling one. A channel
        whose settings changed gets fresh tasks and a fresh adapter; a dead task restarts."""
        wanted = {ch.id: ch for ch in await asyncio.to_thread(channels.all_channels)
                  if ch.enabled and ch.kind in registry.KINDS}
        for cid in list(self.versions):
            ch = wanted.get(cid)
            dead = any(t.done() for t in (self.pollers.get(cid), self.lanes.get(cid)) if t)
            if ch is None or self.versions[cid] != adapters.version(ch) or dead:
                self._stop_channel(cid)
        for cid, ch in wanted.items():
            if cid in self.versions:
                continue
            try:
                adapters.get(ch)
            except Exception as e:  # bad settings: shown on the settings page
                await asyncio.to_thread(channels.record_error, cid, f"cannot start: {e}")
                continue
            self.versions[cid] = adapters.version(ch)
            self.wakeups[cid] = asyncio.Event()
            self.lanes[cid] = asyncio.create_task(self.lane_loop(cid), name=f"lane-{cid}")
            if registry.KINDS[ch.kind].polling:
                self.pollers[cid] = asyncio.create_task(self.poll_loop(cid), name=f"poll-{cid}")
        if self.jobs_task is None or self.jobs_task.done():
            self.jobs_task = asyncio.create_task(self.jobs_loop(), name="jobs")
        if self.mailing_task is None or self.mailing_task.done():
            self.mailing_task = asyncio.create_task(self.mailing_loop(), name="mailings")
        if self.router is None or self.router.done():
            self.router = asyncio.create_task(self.route_events(), name="wakeups")
        if self.notifier is None or self.notifier.done():
            from messenger_app.services import push

            self.notifier = asyncio.create_task(push.run_notifier(), name="push-notifier")

    def _stop_channel(self, cid: int) -> None:
        for tasks in (self.pollers, self.lanes):
            t = tasks.pop(cid, None)
            if t is not None:
                t.cancel()
        self.versions.pop(cid, None)
        self.wakeups.pop(cid, None)
        adapters.drop(cid)

    async def stop(self) -> None:
        tasks = [*self.pollers.values(), *self.lanes.values(), self.jobs_task, self.notifier,
                 self.router, self.mailing_task]
        for t in tasks:
            if t is not None:
                t.cancel()
        await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)
        self.pollers.clear()
        self.lanes.clear()
        self.versions.clear()
        self.wakeups.clear()
        self.jobs_task = self.notifier = self.router = self.mailing_task = None
        await adapters.close_all()

    async def route_events(self) -> None:
        """Wake the lane of a channel when something is queued on it, the job runner when a
        job was queued (JobsQueued: also sent by an inbound batch that queued any)."""
        q = await events.bus().subscribe()  # returns once Redis confirmed SUBSCRIBE
        try:
            while True:
                ev = await q.get()
                kind = ev.get("kind")
                if kind == "outbox":
                    cid = ev.get("channel_id")
                    for c, wake in self.wakeups.items():
                        if cid is None or c == cid:
                            wake.set()
                elif kind == "jobs":
                    self.jobs_wakeup.set()
                elif kind == "mailing_feed":
                    self.mailing_wakeup.set()
        finally:
            events.bus().unsubscribe(q)

    # -- polling -----------------------------------------------------------------------
    async def poll_loop(self, channel_id: int) -> None:
        backoff, rest, health_at = 1.0, REST_MIN, 0.0
        while True:
            try:
                ch = await asyncio.to_thread(channels.get, channel_id)
                if ch is None or not ch.enabled:
                    return
                adapter = adapters.get(ch)
                long_poll = getattr(adapter, "poll_timeout", None) or getattr(adapter, "poll_wait", None)
                started = time.monotonic()
                batch, next_cursor = await adapter.poll(ch.cursor)
                problem = ""
                # one transaction for the batch; an unstorable message never blocks the rest
                for msg, got in zip(batch, await store_inbound_many(ch, batch)):
                    if isinstance(got, Exception):
                        why = (str(got).splitlines() or [""])[0][:200] or type(got).__name__
                        problem = f"message {str(msg.external_id)[:60]!r} not stored: {why}"
                # the cursor moves only now that every message it covers is committed, and
                # the row is written only when something changed (or, for health, once a minute)
                now = time.monotonic()
                if next_cursor != ch.cursor or problem or now - health_at > 60:
                    await asyncio.to_thread(channels.save_cursor, ch.id, next_cursor, problem)
                    health_at = now
                backoff = 1.0
                if batch:
                    rest = REST_MIN
                elif long_poll and now - started < long_poll * 0.8:
                    # the API answered at once instead of long-polling: do not spin
                    await asyncio.sleep(rest)
                    rest = min(rest * 2, REST_MAX)
            except asyncio.CancelledError:
                raise
            except TransientError as e:
                await _record_error(channel_id, str(e))
                await asyncio.sleep(e.retry_after if e.retry_after is not None else backoff)
                backoff = min(backoff * 2, 60)
            except PermanentError as e:
                await _record_error(channel_id, str(e))
                await asyncio.sleep(30)
            except Exception as e:  # a bad update or a database outage: pause, never stop
                log.warning("poll of channel %s failed: %s: %s", channel_id, type(e).__name__, e)
                await _record_error(channel_id, f"{type(e).__name__}: {e}")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)

    # -- sending -----------------------------------------------------------------------
    async def lane_loop(self, channel_id: int) -> None:
        """One channel instance's sends, one at a time, paced by its kind's rate limits."""
        ch = await asyncio.to_thread(channels.get, channel_id)
        caps = registry.capabilities(ch.kind) if ch else registry.capabilities("")
        bucket = TokenBucket(caps.rate_per_second)
        per_chat: dict[int, TokenBucket] = {}
        wake = self.wakeups.get(channel_id) or asyncio.Event()
        backoff = 1.0
        while True:
            try:
                claimed = await asyncio.to_thread(outbox.claim_next, channel_id, holder())
                if claimed is None:
                    wait = await asyncio.to_thread(outbox.next_due_in, channel_id)
                    wake.clear()
                    await _wait(wake, min(wait if wait is not None else 5.0, 5.0))
                    continue
                mid, identity_id = claimed
                await bucket.take()
                chat = per_chat.get(identity_id)
                if chat is None:
                    if len(per_chat) > 10_000:
                        per_chat.clear()
                    chat = per_chat[identity_id] = TokenBucket(caps.rate_per_chat_per_second, 3)
                await chat.take()
                outcome = await outbox.deliver_claimed(mid, adapters.get, holder())
                backoff = 1.0
                if outcome.pause:  # 429: the whole channel waits, nothing counts as failed
                    await asyncio.sleep(min(outcome.pause, 600))
            except asyncio.CancelledError:
                raise
            except Exception as e:  # database outage: wait and go on
                backoff = await _rest_after(f"send lane {channel_id}", e, backoff)

    # -- mailings ------------------------------------------------------------------------
    async def mailing_loop(self) -> None:
        """Top up each channel's window of mailing messages (services/mailings.feed) twice a
        second: the lanes never hold more than a couple of seconds of mailing work."""
        from messenger_app.services import mailings

        backoff = 1.0
        while True:
            try:
                await asyncio.to_thread(mailings.feed)
                self.mailing_wakeup.clear()
                await _wait(self.mailing_wakeup, MAILING_FEED_EVERY)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as e:
                backoff = await _rest_after("mailing feeder", e, backoff)

    # -- durable jobs ------------------------------------------------------------------
    async def jobs_loop(self) -> None:
        backoff, maintained = 1.0, 0.0
        while True:
            try:
                if time.monotonic() - maintained > MAINTENANCE_EVERY:
                    await asyncio.to_thread(jobs.recover_stale)
                    await asyncio.to_thread(outbox.recover_stale)
                    maintained = time.monotonic()
                batch = await asyncio.to_thread(jobs.claim, holder(), 4)
                if batch:
                    await asyncio.gather(*(run_job(j) for j in batch))
                    continue
                wait = await asyncio.to_thread(jobs.next_due_in)
                self.jobs_wakeup.clear()
                await _wait(self.jobs_wakeup, min(wait if wait is not None else 5.0, 5.0))
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as e:
                backoff = await _rest_after("job runner", e, backoff)


async def _rest_after(what: str, e: Exception, backoff: float) -> float:
    """A loop's failure (a database outage…): log it, wait, return the next wait (doubling, at
    most 30 s), so the loop goes on and never ends."""
    log.warning("%s: %s: %s", what, type(e).__name__, e)
    await asyncio.sleep(backoff)
    return min(backoff * 2, 30)


async def _record_error(channel_id: int, error: str) -> None:
    try:
        await asyncio.to_thread(channels.record_error, channel_id, error)
    except Exception:  # the database itself is down: the log line above is all we can do
        pass


async def _wait(event: asyncio.Event, timeout: float) -> None:
    try:
        async with asyncio.timeout(max(timeout, 0.05)):
            await event.wait()
    except TimeoutError:
        pass


async def _until(q: asyncio.Queue, kind: str, timeout: float) -> None:
    """Wait for an event of `kind` on the bus queue, at most `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while (await q.get()).get("kind") != kind:
                pass
    except TimeoutError:
        pass


async def run() -> None:
    """The lifespan task: hold the lease, keep channels in sync with the settings page.
    Guarded: a database outage makes it wait and try again, never end."""
    if not settings.get().run_workers:
        return
    workers = Workers()
    q = await events.bus().subscribe()  # returns once Redis confirmed SUBSCRIBE
    backoff = 1.0
    try:
        while True:
            try:
                if await asyncio.to_thread(lease.acquire, "workers", holder(), LEASE_TTL):
                    await workers.sync_channels()
                else:
                    await workers.stop()
                backoff = 1.0
                await _until(q, "channels", LEASE_TTL / 3)  # a channel added on /settings starts at once
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.warning("workers: %s: %s (retrying in %.0f s)", type(e).__name__, e, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, LEASE_TTL / 3)
    finally:
        events.bus().unsubscribe(q)
        await workers.stop()
        try:
            await asyncio.to_thread(lease.release, "workers", holder())
        except Exception:
            pass
