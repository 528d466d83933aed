"""Delivering queued outbound messages (services/outbox.py queues them): a send lane claims a
row (queued -> sending, with an owner and a deadline), sends it through the channel's
adapter and records the outcome; rows a dead process left in `sending` are recovered.
Statuses the channels report later: outbox_status.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from messenger_app import db
from messenger_app.channels import registry
from messenger_app.channels.base import (Choice, OutboundMessage, PermanentError,
                                         TransientError, UnreachableError)
from messenger_app.clock import utcnow
from messenger_app.lib import subjects
from messenger_app.models import Channel, ChannelIdentity, Message
from messenger_app.models.message import FAILED, IN, OUTBOUND, QUEUED, SENDING, SENT
from messenger_app.services import events, rollups
from messenger_app.services.event_types import MessageChanged
from messenger_app.services.outbox_status import MAILING_METRICS

MAX_ATTEMPTS = 8
CLAIM_SECONDS = 180  # a send not finished by then is taken as interrupted (upload timeouts: 120 s)
DELIVERY_UNKNOWN = "delivery unknown: the app stopped while sending; press Retry to send again"


# -- claims -------------------------------------------------------------------------------

def claim_next(channel_id: int, holder: str, now: datetime | None = None) -> tuple[int, int] | None:
    """Claim the oldest due queued message of one channel for `holder` (a send lane).
    On PostgreSQL FOR UPDATE SKIP LOCKED lets several processes share a lane's rows; the
    status compare-and-set makes the claim exclusive everywhere."""
    now = now or utcnow()
    with db.session() as s:
        q = (select(Message.id, Message.identity_id)
             .where(OUTBOUND, Message.channel_id == channel_id, Message.status == QUEUED,
                    Message.next_attempt_at <= now)
             .order_by(Message.id).limit(1))
        if not db.is_sqlite():
            q = q.with_for_update(skip_locked=True, of=Message)
        row = s.exec(q).first()
        if row is None:
            return None
        won = _claim(s, row[0], holder, now)
    return (row[0], row[1] or 0) if won else None


def claim(message_id: int, holder: str, now: datetime | None = None) -> bool:
    """Claim one particular queued message (Retry, tests)."""
    with db.session() as s:
        return _claim(s, message_id, holder, now or utcnow())


def _claim(s, message_id: int, holder: str, now: datetime) -> bool:
    res = s.exec(update(Message).where(Message.id == message_id, Message.status == QUEUED)
                 .values(status=SENDING, claimed_by=holder,
                         claim_until=now + timedelta(seconds=CLAIM_SECONDS)))
    s.commit()
    return bool(res.rowcount)


def recover_stale(now: datetime | None = None) -> tuple[int, int]:
    """Rows left in `sending` by a process that died: resent where the channel de-duplicates,
    otherwise failed "delivery unknown". Returns (requeued, failed)."""
    now = now or utcnow()
    requeued = failed = 0
    with db.session() as s:
        rows = s.exec(select(Message).where(OUTBOUND, Message.status == SENDING,
                                            Message.claim_until < now)).all()
        for msg in rows:
            caps = registry.capabilities(msg.channel_kind)
            if caps.dedup_sends:
                msg.status, msg.next_attempt_at = QUEUED, now
                requeued += 1
            else:
                msg.status, msg.error = FAILED, DELIVERY_UNKNOWN
                failed += 1
            msg.claimed_by, msg.claim_until, msg.updated_at = "", None, now
            msg.status_history = [*(msg.status_history or []),
                                  {"status": msg.status, "at": now.isoformat(),
                                   "error": "" if caps.dedup_sends else DELIVERY_UNKNOWN}]
            s.add(msg)
        events.on_commit(s, *[MessageChanged(dialog_id=m.dialog_id, contact_id=m.contact_id,
                                             message_id=m.id, status=m.status) for m in rows])
        s.commit()
    return requeued, failed


# -- delivery -----------------------------------------------------------------------------

@dataclass
class Outcome:
    status: str  # the message's status after this attempt
    pause: float = 0.0  # the lane should wait this long (429 retry_after)
    identity_external_id: str = ""


def build_message(msg: Message, identity: ChannelIdentity, last_inbound_id: str = "",
                  thread: list[str] | None = None) -> OutboundMessage:
    """The typed message the adapter gets: files resolved to local paths (and signed public
    URLs for kinds that fetch by URL), buttons, the thread and window context."""
    from messenger_app.services import attachments

    files = []
    for att in msg.attachments or []:
        f = attachments.outbound_file(att, public_url=True)
        if f is None:  # checked before anything is sent: no half-sent message
            raise PermanentError(f"attachment {att.get('file_name') or ''!s} is missing")
        files.append(f)
    return OutboundMessage(
        text=msg.text, files=files,
        choices=[Choice(str(c.get("id")), str(c.get("label"))) for c in msg.choices or []],
        idempotency_key=str(msg.id), reply_to=last_inbound_id or "", subject=msg.subject or "",
        thread=list(thread or []), last_inbound_at=identity.last_inbound_at)


async def deliver(message_id: int, adapter_for, holder: str = "") -> str:
    """Claim and send one queued message through `adapter_for(channel) -> adapter`.
    Returns its status (unchanged when another lane holds it)."""
    import asyncio
    import uuid

    holder = holder or f"deliver:{uuid.uuid4().hex[:8]}"
    if not await asyncio.to_thread(claim, message_id, holder):
        with db.session() as s:
            msg = s.get(Message, message_id)
            return msg.status if msg else "missing"
    return (await deliver_claimed(message_id, adapter_for, holder)).status


async def deliver_claimed(message_id: int, adapter_for, holder: str) -> Outcome:
    """Send a message this holder has claimed, and record the outcome."""
    import asyncio

    loaded = await asyncio.to_thread(_load_claimed, message_id, holder)
    if loaded is None:
        return Outcome("missing")
    msg, identity, channel, last_in, thread = loaded
    error, status, external_id, retry_in, unreachable, pause = "", SENT, None, None, False, 0.0
    rate_limited = False
    try:
        adapter = adapter_for(channel)
        if adapter is None:
            raise TransientError(f"channel {channel.name or channel.kind} is not running")
        out = build_message(msg, identity, last_in, thread)
        result = await adapter.send(identity.external_id, out)
        external_id = result.external_id or None
    except UnreachableError as e:
        status, error, unreachable = FAILED, str(e) or "client unreachable", True
    except TransientError as e:
        error = str(e) or "temporary error"
        if e.retry_after is not None:  # the provider's rate limit: wait, not a failure
            status, retry_in, pause, rate_limited = QUEUED, e.retry_after, e.retry_after, True
        elif msg.attempts + 1 >= MAX_ATTEMPTS:
            status = FAILED
        else:
            status = QUEUED
            retry_in = min(2 ** msg.attempts, 300)
    except PermanentError as e:
        status, error = FAILED, str(e) or "rejected by the channel"
    except Exception as e:  # an adapter bug must not kill the lane
        status, error = FAILED, f"{type(e).__name__}: {e}"
    await asyncio.to_thread(_record, message_id, status, error, external_id, retry_in,
                            unreachable, holder, rate_limited)
    return Outcome(status, pause, identity.external_id)


def _load_claimed(message_id: int, holder: str):
    with db.session() as s:
        msg = s.get(Message, message_id)
        if msg is None or msg.status != SENDING or msg.claimed_by != holder:
            return None
        identity = s.get(ChannelIdentity, msg.identity_id)
        channel = s.get(Channel, msg.channel_id)
        last_in, thread = _thread(s, msg)
        s.expunge_all()
        return msg, identity, channel, last_in, thread


THREAD_LOOKBACK = 200  # earlier messages of the identity looked at for the thread


def _thread(s, msg: Message) -> tuple[str, list[str]]:
    """(the last inbound external id of msg's thread, the thread's external ids oldest first).
    A thread = the identity's messages with the same subject (reply prefixes aside); kinds
    without subjects have one thread per identity. Read from the database, so e-mail replies
    keep In-Reply-To and References after a restart."""
    rows = s.exec(select(Message.external_id, Message.subject, Message.direction)
                  .where(Message.identity_id == msg.identity_id, Message.id != msg.id,
                         Message.external_id.is_not(None))
                  .order_by(Message.id.desc()).limit(THREAD_LOOKBACK)).all()
    mine = subjects.base_subject(msg.subject)
    same = [r for r in reversed(rows) if subjects.base_subject(r[1]) == mine]
    inbound = [r[0] for r in same if r[2] == IN]
    if inbound:
        return inbound[-1], [r[0] for r in same]
    if msg.subject:  # a subject no earlier mail has: a new thread
        return "", []
    last_in = next((r[0] for r in rows if r[2] == IN), "")
    return last_in, [r[0] for r in same]


def thread_subject(identity_id: int | None) -> str:
    """The subject a reply to this identity gets when the operator gives none: "Re: " the
    last subject of the conversation ("" when nothing had one)."""
    if identity_id is None:
        return ""
    with db.session() as s:
        row = s.exec(select(Message.subject, Message.direction)
                     .where(Message.identity_id == identity_id, Message.subject != "")
                     .order_by(Message.id.desc()).limit(1)).first()
    if row is None:
        return ""
    return subjects.reply_subject(row[0]) if row[1] == IN else row[0]


def _record(message_id: int, status: str, error: str, external_id, retry_in, unreachable,
            holder: str = "", rate_limited: bool = False) -> None:
    now = utcnow()
    with db.session() as s:
        msg = s.get(Message, message_id)
        if holder and (msg.status != SENDING or msg.claimed_by != holder):
            return  # the claim was taken back (stale recovery): the other owner records
        if not rate_limited:
            msg.attempts += 1
        msg.status, msg.error, msg.updated_at = status, error[:1000], now
        msg.claimed_by, msg.claim_until = "", None
        msg.status_history = [*(msg.status_history or []),
                              {"status": status, "at": now.isoformat(), "error": error[:300],
                               "attempt": msg.attempts}]
        if external_id:
            msg.external_id = external_id
        if status == SENT:
            msg.sent_at = now
        msg.next_attempt_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
        if msg.origin_kind == "mailing" and status in MAILING_METRICS:
            rollups.record(s.connection(), MAILING_METRICS[status], now, key=msg.origin_id)
        if unreachable:
            identity = s.get(ChannelIdentity, msg.identity_id)
            identity.reachable, identity.unreachable_reason = False, error[:500]
            s.add(identity)
        s.add(msg)
        events.on_commit(s, MessageChanged(dialog_id=msg.dialog_id, contact_id=msg.contact_id,
                                           message_id=message_id, status=status))
        s.commit()
