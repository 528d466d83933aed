"""Inbound messages of the pollers and webhooks: stored (one transaction per batch, a bad
message never blocks the others), then their media and the new client's profile fetched
(durable jobs, see job_handlers.py). Async: the database work runs in worker threads."""

from __future__ import annotations

import asyncio
import logging
import re

from sqlalchemy.exc import OperationalError

from messenger_app.channels import registry
from messenger_app.channels.base import TransientError
from messenger_app.services import attachments, inbox, storage

log = logging.getLogger("messenger.workers")
MAX_AVATAR = 5 * 1024 * 1024


async def store_inbound(ch, msg) -> inbox.Received:
    """Store one inbound message (pollers and webhooks). Its profile and media fetches are
    durable jobs committed with it (inbox.receive); the job runner picks them up."""
    from messenger_app.services import mailings

    got = await asyncio.to_thread(inbox.receive, ch.id, ch.kind, msg, _profiles(ch.kind))
    if got.created and mailings.is_stop_word(msg.text):  # a reply "STOP" to a mailing
        await asyncio.to_thread(mailings.opt_out, got.contact_id, got.dialog_id, msg.text)
    return got


async def store_inbound_many(ch, messages: list) -> list:
    """Store a poll or webhook batch: its storable messages in ONE transaction
    (inbox.receive_many), in a worker thread. One result per message, in order: its
    inbox.Received, or the exception that kept it out (inbox.Rejected, a database refusal):
    a bad message never blocks the good ones. A database that is down (OperationalError)
    raises, with nothing of the batch written: the whole batch is worth a retry."""
    return await asyncio.to_thread(_store_many, ch.id, ch.kind, list(messages))


def _profiles(kind: str) -> bool:
    """Whether a new client of this kind gets a profile job (SMS has no profiles: a job per
    new client that can only find nothing would be a claim, a run and a finish for nothing)."""
    spec = registry.get(kind)
    return spec is None or spec.profiles


def _store_many(channel_id: int, kind: str, messages: list) -> list:
    profiles = _profiles(kind)
    out: list = [None] * len(messages)
    good: list[tuple[int, object]] = []
    for i, msg in enumerate(messages):
        try:
            good.append((i, inbox.checked(msg)))
        except Exception as e:  # noqa: BLE001 — Rejected, or a body the adapter let through
            out[i] = e
    if not good:
        return out
    try:
        stored = inbox.receive_many(channel_id, kind, [m for _, m in good], profiles)
        for (i, _), got in zip(good, stored):
            out[i] = got
    except OperationalError:
        raise
    except Exception:  # noqa: BLE001 — the database refused one of them (the batch is rolled
        for i, msg in good:  # back): one by one, so only that one is left out
            try:
                out[i] = inbox.receive(channel_id, kind, msg, profiles)
            except OperationalError:
                raise
            except Exception as e:  # noqa: BLE001
                out[i] = e
    _opt_outs(good, out)
    return out


def _opt_outs(good: list, out: list) -> None:
    """A new reply "STOP" to a mailing, as store_inbound does for one message (pollers and
    webhooks store through here). The message is stored whatever happens to the opt-out."""
    from messenger_app.services import mailings

    for i, msg in good:
        got = out[i]
        if isinstance(got, inbox.Received) and got.created and mailings.is_stop_word(msg.text):
            try:
                mailings.opt_out(got.contact_id, got.dialog_id, msg.text)
            except Exception:  # noqa: BLE001
                log.warning("opting out contact %s failed", got.contact_id, exc_info=True)


async def fetch_media(adapter, ch, message_id: int, items: list[dict],
                      keep_transient: bool = False) -> None:
    """Download inbound media into DATA_DIR (size-limited, type sniffed); a file that
    cannot be fetched keeps its description with the reason. With keep_transient, a
    temporary failure raises instead (the job is retried later)."""
    stored = []
    for att in items:
        if str(att.get("url") or "").startswith("/files/") or att.get("error"):
            stored.append(att)  # stored by an earlier run
            continue
        meta = {k: v for k, v in att.items() if not k.startswith("_")}
        try:
            data, ctype = await adapter.download(att)
            saved = await asyncio.to_thread(attachments.store_inbound, ch.kind, data,
                                            att.get("file_name") or "", ctype)
            stored.append({**meta, **saved})
        except TransientError:
            if keep_transient:
                raise
            stored.append({**meta, "error": "temporary error; not downloaded"})
        except Exception as e:
            log.warning("media of message %s not downloaded: %s", message_id, e)
            stored.append({**meta, "error": str(e)[:300]})
    await asyncio.to_thread(inbox.set_attachments, message_id, stored)


async def fetch_profile(adapter, channel_id: int, identity_id: int, external_id: str) -> None:
    """Name and avatar of a new client; the contact's avatar is the first channel's (L1)."""
    prof = await adapter.profile(external_id)
    avatar = ""
    if prof.avatar_bytes and len(prof.avatar_bytes) <= MAX_AVATAR:
        ext = {"image/png": "png", "image/webp": "webp"}.get(prof.avatar_content_type, "jpg")
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", external_id)[:60]
        name = f"c{channel_id}_{safe}.{ext}"
        avatar = await asyncio.to_thread(storage.put, f"avatars/{name}", prof.avatar_bytes)
    await asyncio.to_thread(inbox.set_identity_profile, identity_id, prof.display_name, avatar)
