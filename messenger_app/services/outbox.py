"""Outbound messages: the composer (or the bot, or a mailing) queues, a send lane delivers,
the status tells.

A queued row IS the queue: after a restart the lane finds it again (nothing is lost). Before
the provider is called the row is CLAIMED (queued -> sending, with an owner and a deadline),
so two lanes, two processes or a lease hand-over never send it twice. A row left in `sending`
by a crash is resent only where the channel de-duplicates (VK random_id, e-mail Message-ID);
elsewhere it becomes failed "delivery unknown" with Retry offered: never a silent second copy.
Transient failures are retried with backoff; a 429 waits its retry_after without counting
as a failure; permanent ones fail with the reason (X3).

This module queues (and re-queues: Retry); outbox_delivery.py claims and sends,
outbox_status.py applies the channels' delivery reports. Their names are importable here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from messenger_app import db
from messenger_app.channels import registry
from messenger_app.channels.base import Choice
from messenger_app.clock import utcnow
from messenger_app.models import Channel, ChannelIdentity, Dialog, Message
from messenger_app.models.message import FAILED, OUT, OUTBOUND, QUEUED
from messenger_app.services import events, stats
from messenger_app.services.event_types import DialogChanged, MessageChanged, OutboxQueued
from messenger_app.lib.errors import DomainError
from messenger_app.services.inbound_batch import preview_of
from messenger_app.services.outbox_delivery import (  # noqa: F401 (outbox.* callers)
    CLAIM_SECONDS, DELIVERY_UNKNOWN, MAX_ATTEMPTS, THREAD_LOOKBACK, Outcome, build_message, claim,
    claim_next, deliver, deliver_claimed, recover_stale, thread_subject)
from messenger_app.services.outbox_status import MAILING_METRICS, RANK, apply_status  # noqa: F401

MAX_TEXT = 4096
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
            OUTBOUND, Message.status == QUEUED, Message.next_attempt_at <= utcnow())
            .order_by(Message.id).limit(limit)).all())


def next_due_in(channel_id: int | None = None) -> float | None:
    """Seconds until the next queued message (of this channel) is due (None: nothing queued)."""
    with db.session() as s:
        q = select(Message.next_attempt_at).where(OUTBOUND, Message.status == QUEUED)
        if channel_id is not None:
            q = q.where(Message.channel_id == channel_id)
        at = s.exec(q.order_by(Message.next_attempt_at).limit(1)).first()
    if at is None:
        return None
    return max(0.0, (at - utcnow()).total_seconds())


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
