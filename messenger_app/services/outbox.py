"""Outbound messages: the composer (or the bot, or a mailing) queues, a send lane delivers,
the status tells.

A queued row IS the queue: after a restart the lane finds it again (nothing is lost). Before
the provider is called the row is CLAIMED (queued -> sending, with an owner and a deadline),
so two lanes, two processes or a lease hand-over never send it twice. A row left in `sending`
by a crash is resent only where the channel de-duplicates (VK random_id, e-mail Message-ID);
elsewhere it becomes failed "delivery unknown" with Retry offered: never a silent second copy.
Transient failures are retried with backoff; a 429 waits its retry_after without counting
as a failure; permanent ones fail with the reason (X3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from messenger_app import db
from messenger_app.channels import registry
from messenger_app.channels.base import (Choice, OutboundMessage, PermanentError,
                                         TransientError, UnreachableError)
from messenger_app.clock import utcnow
from messenger_app.models import Channel, ChannelIdentity, Dialog, Message
from messenger_app.models.message import FAILED, IN, OUT, QUEUED, SENDING, SENT
from messenger_app.services import events, rollups, stats
from messenger_app.services.event_types import DialogChanged, MessageChanged, OutboxQueued
from messenger_app.lib import subjects
from messenger_app.lib.errors import DomainError
from messenger_app.services.inbox import preview_of

MAX_ATTEMPTS = 8
MAX_TEXT = 4096
CLAIM_SECONDS = 180  # a send not finished by then is taken as interrupted (upload timeouts: 120 s)
DELIVERY_UNKNOWN = "delivery unknown: the app stopped while sending; press Retry to send again"
MAX_CHOICE_ID = 64  # bytes; Telegram's callback_data limit, the smallest of all kinds

REFUSALS = {  # Capabilities.refuse_reason codes -> the English text (the UI translates codes)
    "files_not_supported": "this channel cannot carry files",
    "too_many_files": "too many files for this channel",
    "file_too_large": "a file is too large for this channel",
    "file_type_not_supported": "this channel cannot carry this type of file",
    "too_many_choices": "too many buttons for this channel",
    "choice_label_too_long": "a button label is empty or too long for this channel",
    "text_too_long": "message too long for this channel",
    "bad_choice_id": "a button id is empty, repeated or longer than 64 bytes",
}


class SendRefused(DomainError):
    """The message cannot be queued; `code` (+ params) says why, the text in English."""

    code = "send"


@dataclass
class Route:
    identity_id: int
    channel_id: int
    channel_kind: str
    channel_name: str = ""
    reason: str = ""  # why this channel cannot be used now ("" = it can)
    reason_code: str = ""  # the same as a code: disabled | unreachable | wa_window


def routes(dialog_id: int, include_unusable: bool = False) -> list[Route]:
    """Where this client can be answered, the channel of the last inbound message first.
    With include_unusable, the others follow with the reason (C7)."""
    with db.session() as s:
        d = s.get(Dialog, dialog_id)
        if d is None:
            return []
        rows = s.exec(select(ChannelIdentity, Channel)
                      .join(Channel, Channel.id == ChannelIdentity.channel_id)
                      .where(ChannelIdentity.contact_id == d.contact_id)).all()
    out = [(i, Route(i.id, ch.id, ch.kind, ch.name, registry.unusable_reason(ch, i),
                     registry.unusable_code(ch, i)))
           for i, ch in rows]
    out.sort(key=lambda p: p[0].last_inbound_at or p[0].created_at, reverse=True)
    usable = [r for _, r in out if not r.reason]
    return usable + ([r for _, r in out if r.reason] if include_unusable else [])


def queue(dialog_id: int, operator_id: int | None, text: str, identity_id: int | None = None,
          attachments: list[dict] | None = None, sender_kind: str = "operator",
          choices: list[Choice] | None = None, *, origin: Origin | None = None,
          dedup_key: str | None = None, subject: str = "", touch_list: bool = True) -> int:
    """Queue a message on the client's best route (or `identity_id`'s). What the route's kind
    cannot carry is refused here with the reason, never dropped later.

    Automatic senders pass `origin` (who made it, shown in the dialog and the message detail)
    and a `dedup_key`: queueing the same key again returns the first message's id and sends
    nothing (a crash between "queued" and "step done" never doubles a bot or mailing message).
    touch_list=False (mailings) leaves the dialog's place, preview and time in the list alone."""
    if dedup_key is not None:
        existing = _by_dedup_key(dedup_key)
        if existing is not None:
            return existing
    text = (text or "").strip()
    attachments = list(attachments or [])
    choices = list(choices or [])
    if not text and not attachments:
        raise SendRefused("empty message", code="send_empty")
    if len(text) > MAX_TEXT:
        raise SendRefused(f"message too long (max {MAX_TEXT} characters)", code="too_long", limit=MAX_TEXT)
    ids = [c.id for c in choices]
    if len(set(ids)) != len(ids) or any(not i or len(i.encode()) > MAX_CHOICE_ID for i in ids):
        raise SendRefused(REFUSALS["bad_choice_id"], code="bad_choice_id")
    options = routes(dialog_id)
    if identity_id is not None:
        options = [r for r in options if r.identity_id == identity_id]
    if not options:
        raise SendRefused("this client cannot be reached in any connected channel", code="send_unreachable")
    route = options[0]
    subject = " ".join((subject or "").split())[:998] or thread_subject(route.identity_id)
    code = registry.capabilities(route.channel_kind).refuse_reason(attachments, choices, text)
    if code:
        raise SendRefused(REFUSALS.get(code, code), code=code)
    now = utcnow()
    with db.session() as s:
        dialog = s.get(Dialog, dialog_id)
        msg = Message(dialog_id=dialog_id, contact_id=dialog.contact_id,
                      identity_id=route.identity_id, channel_id=route.channel_id,
                      channel_kind=route.channel_kind, direction=OUT,
                      operator_id=operator_id, text=text, attachments=attachments,
                      choices=[{"id": c.id, "label": c.label} for c in choices],
                      sender_kind=sender_kind, status=QUEUED, next_attempt_at=now,
                      status_history=[{"status": QUEUED, "at": now.isoformat()}],
                      created_at=now, updated_at=now, dedup_key=dedup_key, subject=subject or "",
                      **(origin.columns() if origin else {}))
        s.add(msg)
        try:
            s.flush()
        except IntegrityError:  # the same dedup_key queued concurrently: the first one wins
            s.rollback()
            existing = _by_dedup_key(dedup_key) if dedup_key is not None else None
            if existing is None:
                raise
            return existing
        stats.queued(s.connection(), msg.id)
        if touch_list:
            dialog.last_message_at = dialog.activity_at = now
            dialog.last_preview = preview_of(text, attachments)
            dialog.last_channel_kind = route.channel_kind
            dialog.last_direction = OUT
            s.add(dialog)
        events.on_commit(s, DialogChanged(dialog_id=dialog_id, contact_id=dialog.contact_id,
                                          reason="outbound", message_id=msg.id),
                         OutboxQueued(message_id=msg.id, channel_id=route.channel_id))
        s.commit()
        msg_id = msg.id
    return msg_id


@dataclass(frozen=True)
class Origin:
    """Who made an automatic message: kind "bot" (id = the run) or "mailing" (id = the
    mailing); label = the scenario's or mailing's name; detail e.g. scenario, version, step."""
    kind: str
    id: int | None = None
    label: str = ""
    detail: dict | None = None

    def columns(self) -> dict:
        return {"origin_kind": self.kind, "origin_id": self.id, "origin_label": self.label[:200],
                "origin_detail": dict(self.detail or {})}


def _by_dedup_key(key: str) -> int | None:
    with db.session() as s:
        return s.exec(select(Message.id).where(Message.dedup_key == key)).first()


def due(limit: int = 20) -> list[int]:
    with db.session() as s:
        return list(s.exec(select(Message.id).where(
            Message.status == QUEUED, Message.next_attempt_at <= utcnow())
            .order_by(Message.id).limit(limit)).all())


def next_due_in(channel_id: int | None = None) -> float | None:
    """Seconds until the next queued message (of this channel) is due (None: nothing queued)."""
    with db.session() as s:
        q = select(Message.next_attempt_at).where(Message.status == QUEUED)
        if channel_id is not None:
            q = q.where(Message.channel_id == channel_id)
        at = s.exec(q.order_by(Message.next_attempt_at).limit(1)).first()
    if at is None:
        return None
    return max(0.0, (at - utcnow()).total_seconds())


# -- claims -------------------------------------------------------------------------------

def claim_next(channel_id: int, holder: str, now: datetime | None = None) -> tuple[int, int] | None:
    """Claim the oldest due queued message of one channel for `holder` (a send lane).
    On PostgreSQL FOR UPDATE SKIP LOCKED lets several processes share a lane's rows; the
    status compare-and-set makes the claim exclusive everywhere."""
    now = now or utcnow()
    with db.session() as s:
        q = (select(Message.id, Message.identity_id)
             .where(Message.channel_id == channel_id, Message.status == QUEUED,
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
        rows = s.exec(select(Message).where(Message.status == SENDING,
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


def retry(message_id: int) -> bool:
    """The operator's "Retry" on a failed message: queue it again now."""
    with db.session() as s:
        msg = s.get(Message, message_id)
        if msg is None or msg.direction != OUT or msg.status != FAILED:
            return False
        msg.status, msg.error, msg.attempts, msg.next_attempt_at = QUEUED, "", 0, utcnow()
        s.add(msg)
        events.on_commit(s, MessageChanged(dialog_id=msg.dialog_id, contact_id=msg.contact_id,
                                           message_id=message_id, status=QUEUED),
                         OutboxQueued(message_id=message_id, channel_id=msg.channel_id))
        s.commit()
    return True


# a mailing's message reaching a status -> its figure on /stats (X9, key = the mailing)
MAILING_METRICS = {SENT: "mailing_sent", "delivered": "mailing_delivered", "read": "mailing_read",
                   FAILED: "mailing_failed"}

RANK = {QUEUED: 0, SENDING: 0, SENT: 1, "delivered": 2, "read": 3}


def apply_status(channel_id: int, external_id: str, status: str, error: str = "") -> bool:
    """A delivery report from the channel (delivered / read / failed). Statuses only move
    forward (a late "delivered" never undoes "read"). Returns True when something changed."""
    if status not in ("sent", "delivered", "read", FAILED) or not external_id:
        return False
    now = utcnow()
    with db.session() as s:
        msg = s.exec(select(Message).where(Message.channel_id == channel_id,
                                           Message.external_id == external_id)).first()
        if msg is None or msg.direction != OUT:
            return False
        if status != FAILED and RANK.get(status, 0) <= RANK.get(msg.status, -1):
            return False
        msg.status, msg.updated_at = status, now
        if error:
            msg.error = error[:1000]
        msg.status_history = [*(msg.status_history or []),
                              {"status": status, "at": now.isoformat(), "error": error[:300]}]
        if msg.origin_kind == "mailing" and status in MAILING_METRICS:
            rollups.record(s.connection(), MAILING_METRICS[status], now, key=msg.origin_id)
        s.add(msg)
        events.on_commit(s, MessageChanged(dialog_id=msg.dialog_id, contact_id=msg.contact_id,
                                           message_id=msg.id, status=status))
        s.commit()
    return True
