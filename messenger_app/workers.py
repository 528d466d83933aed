"""Background work of the backend: channel pollers and the outbound sender.

Runs as a Reflex lifespan task. With several backend processes, only the holder of the
"workers" lease runs them; the others wait and take over if it dies.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import uuid

from messenger_app import settings
from messenger_app.channels import registry
from messenger_app.channels.base import PermanentError, TransientError
from messenger_app.channels.widget import WidgetChannel
from messenger_app.services import attachments, channels, events, inbox, lease, outbox

log = logging.getLogger("messenger.workers")
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
LEASE_TTL = 20
MAX_AVATAR = 5 * 1024 * 1024


class Workers:
    def __init__(self):
        self.adapters: dict[int, object] = {}  # channel id -> adapter
        self.versions: dict[int, tuple] = {}  # channel id -> the settings its adapter uses
        self.pollers: dict[int, asyncio.Task] = {}
        self.sender: asyncio.Task | None = None
        self.notifier: asyncio.Task | None = None  # Web Push for inbound messages (N1)
        self.widget = WidgetChannel()

    def adapter_for(self, channel):
        if channel.kind == "widget":
            return self.widget
        return self.adapters.get(channel.id)

    # -- supervision -------------------------------------------------------------------
    async def sync_channels(self) -> None:
        """Adapters for every enabled channel (senders), a poller for each polling one.
        A channel whose settings changed gets a fresh adapter."""
        wanted = {ch.id: ch for ch in await asyncio.to_thread(channels.all_channels)
                  if ch.enabled and ch.kind != "widget" and ch.kind in registry.KINDS}
        for cid in list(self.adapters):
            ch = wanted.get(cid)
            poller = self.pollers.get(cid)
            stale = ch is None or self.versions.get(cid) != _version(ch) or (
                poller is not None and poller.done())
            if stale:
                if poller is not None:
                    self.pollers.pop(cid).cancel()
                await self.adapters.pop(cid).close()
        for cid, ch in wanted.items():
            if cid in self.adapters:
                continue
            try:
                self.adapters[cid] = registry.build(ch)
            except Exception as e:  # bad settings: shown on the settings page
                await asyncio.to_thread(channels.record_error, cid, f"cannot start: {e}")
                continue
            self.versions[cid] = _version(ch)
            if registry.KINDS[ch.kind].polling:
                self.pollers[cid] = asyncio.create_task(self.poll_loop(cid), name=f"poll-{cid}")
        if self.sender is None or self.sender.done():
            self.sender = asyncio.create_task(self.send_loop(), name="sender")
        if self.notifier is None or self.notifier.done():
            from messenger_app.services import push

            self.notifier = asyncio.create_task(push.run_notifier(), name="push-notifier")

    async def stop(self) -> None:
        for t in [*self.pollers.values(), self.sender, self.notifier]:
            if t is not None:
                t.cancel()
        for a in self.adapters.values():
            await a.close()
        self.pollers.clear()
        self.adapters.clear()
        self.sender = self.notifier = None

    # -- polling -----------------------------------------------------------------------
    async def poll_loop(self, channel_id: int) -> None:
        backoff = 1.0
        while True:
            ch = await asyncio.to_thread(channels.get, channel_id)
            adapter = self.adapters.get(channel_id)
            if ch is None or not ch.enabled or adapter is None:
                return
            try:
                batch, next_cursor = await adapter.poll(ch.cursor)
                problem = ""
                for msg in batch:
                    try:
                        await store_inbound(ch, msg, adapter)
                    except inbox.Rejected as e:  # one unstorable message never blocks the rest
                        problem = f"message {str(msg.external_id)[:60]!r} not stored: {e}"
                # the cursor moves only now that every message it covers is committed
                await asyncio.to_thread(channels.save_cursor, ch.id, next_cursor, problem)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except TransientError as e:
                await asyncio.to_thread(channels.record_error, ch.id, str(e))
                await asyncio.sleep(e.retry_after if e.retry_after is not None else backoff)
                backoff = min(backoff * 2, 60)
            except PermanentError as e:
                await asyncio.to_thread(channels.record_error, ch.id, str(e))
                await asyncio.sleep(30)
            except Exception as e:  # never let one bad update stop the channel for good
                log.exception("poll of channel %s failed", channel_id)
                await asyncio.to_thread(channels.record_error, ch.id, f"{type(e).__name__}: {e}")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)

    # -- sending -----------------------------------------------------------------------
    async def send_loop(self) -> None:
        q = events.bus().subscribe()
        try:
            while True:
                for mid in await asyncio.to_thread(outbox.due):
                    await outbox.deliver(mid, self.adapter_for)
                wait = await asyncio.to_thread(outbox.next_due_in)
                await _until(q, "outbox", min(wait if wait is not None else 5, 5))
        finally:
            events.bus().unsubscribe(q)


async def store_inbound(ch, msg, adapter, spawned: list | None = None) -> inbox.Received:
    """Store one inbound message (pollers and webhooks), then fetch what it refers to with
    `adapter` in the background: the new client's profile, the media files. The background
    tasks are appended to `spawned` when given."""
    got = await asyncio.to_thread(inbox.receive, ch.id, ch.kind, msg)
    jobs = []
    if adapter is not None and got.created and got.new_identity:
        jobs.append(_spawn(fetch_profile(adapter, ch.id, got.identity_id, msg.identity_external_id)))
    if adapter is not None and got.created and msg.attachments:
        jobs.append(_spawn(fetch_media(adapter, ch, got.message_id, msg.attachments)))
    if spawned is not None:
        spawned.extend(jobs)
    return got


async def fetch_media(adapter, ch, message_id: int, items: list[dict]) -> None:
    """Download inbound media into DATA_DIR (size-limited, type sniffed); a file that
    cannot be fetched keeps its description with the reason."""
    stored = []
    for att in items:
        meta = {k: v for k, v in att.items() if not k.startswith("_")}
        try:
            data, ctype = await adapter.download(att)
            saved = await asyncio.to_thread(attachments.store_inbound, ch.kind, data,
                                            att.get("file_name") or "", ctype)
            stored.append({**meta, **saved})
        except Exception as e:
            log.warning("media of message %s not downloaded: %s", message_id, e)
            stored.append({**meta, "error": str(e)[:300]})
    await asyncio.to_thread(inbox.set_attachments, message_id, stored)


async def fetch_profile(adapter, channel_id: int, identity_id: int, external_id: str) -> None:
    """Name and avatar of a new client; the contact's avatar is the first channel's (L1)."""
    try:
        prof = await adapter.profile(external_id)
    except Exception as e:
        log.warning("profile of %s in channel %s failed: %s", external_id, channel_id, e)
        return
    avatar = ""
    if prof.avatar_bytes and len(prof.avatar_bytes) <= MAX_AVATAR:
        ext = {"image/png": "png", "image/webp": "webp"}.get(prof.avatar_content_type, "jpg")
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", external_id)[:60]
        name = f"c{channel_id}_{safe}.{ext}"
        folder = settings.get().files_dir / "avatars"
        folder.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread((folder / name).write_bytes, prof.avatar_bytes)
        avatar = f"/files/avatars/{name}"
    await asyncio.to_thread(inbox.set_identity_profile, identity_id, prof.display_name, avatar)


_tasks: set[asyncio.Task] = set()


async def _until(q: asyncio.Queue, kind: str, timeout: float) -> None:
    """Wait for an event of `kind` on the bus queue, at most `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while (await q.get()).get("kind") != kind:
                pass
    except TimeoutError:
        pass


def close_when_done(adapter, jobs: list) -> None:
    """Close an adapter made for one webhook once its profile/media fetches are over."""
    async def later():
        await asyncio.gather(*jobs, return_exceptions=True)
        await adapter.close()

    _spawn(later())


def _spawn(coro) -> asyncio.Task:
    """Fire-and-forget, but keep a reference so the task is not garbage-collected."""
    task = asyncio.create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


def _version(ch) -> tuple:
    import json

    return (ch.token, ch.base_url, json.dumps(ch.config or {}, sort_keys=True))


async def run() -> None:
    """The lifespan task: hold the lease, keep channels in sync with the settings page."""
    if not settings.get().run_workers:
        return
    workers = Workers()
    q = events.bus().subscribe()
    try:
        while True:
            if await asyncio.to_thread(lease.acquire, "workers", HOLDER, LEASE_TTL):
                await workers.sync_channels()
            else:
                await workers.stop()
            await _until(q, "channels", LEASE_TTL / 3)  # a channel added on /settings starts at once
    finally:
        events.bus().unsubscribe(q)
        await workers.stop()
        await asyncio.to_thread(lease.release, "workers", HOLDER)
