"""Outbound messages: the composer queues, the sender task delivers, the status tells.

A queued row IS the queue: after a restart, `due()` finds it again (nothing is lost).
Transient failures are retried with backoff; permanent ones fail with the reason (X3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import select

from messenger_app import db
from messenger_app.channels import registry
from messenger_app.channels.base import (OutboundMessage, PermanentError, TransientError,
                                         UnreachableError)
from messenger_app.clock import utcnow
from messenger_app.models import Channel, ChannelIdentity, Dialog, Message
from messenger_app.models.message import FAILED, OUT, QUEUED, SENT
from messenger_app.services import events
from messenger_app.services.errors import DomainError
from messenger_app.services.inbox import preview_of

MAX_ATTEMPTS = 8
MAX_TEXT = 4096


class SendRefused(DomainError):
    """The operator's message cannot be queued; `code` + `params` say why."""

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
          attachments: list[dict] | None = None, sender_kind: str = "operator") -> int:
    text = (text or "").strip()
    attachments = list(attachments or [])
    if not text and not attachments:
        raise SendRefused("empty message", code="send_empty")
    if len(text) > MAX_TEXT:
        raise SendRefused(f"message too long (max {MAX_TEXT} characters)", code="too_long", limit=MAX_TEXT)
    options = routes(dialog_id)
    if identity_id is not None:
        options = [r for r in options if r.identity_id == identity_id]
    if not options:
        raise SendRefused("this client cannot be reached in any connected channel", code="send_unreachable")
    route = options[0]
    now = utcnow()
    with db.session() as s:
        dialog = s.get(Dialog, dialog_id)
        msg = Message(dialog_id=dialog_id, contact_id=dialog.contact_id,
                      identity_id=route.identity_id, channel_id=route.channel_id,
                      channel_kind=route.channel_kind, direction=OUT,
                      operator_id=operator_id, text=text, attachments=attachments,
                      sender_kind=sender_kind, status=QUEUED, next_attempt_at=now,
                      status_history=[{"status": QUEUED, "at": now.isoformat()}],
                      created_at=now, updated_at=now)
        s.add(msg)
        dialog.last_message_at = dialog.activity_at = now
        dialog.last_preview = preview_of(text, attachments)
        dialog.last_channel_kind = route.channel_kind
        dialog.last_direction = OUT
        s.add(dialog)
        s.commit()
        msg_id, contact_id = msg.id, dialog.contact_id
    events.publish("dialog", dialog_id=dialog_id, contact_id=contact_id, reason="outbound",
                   message_id=msg_id)
    events.publish("outbox", message_id=msg_id)
    return msg_id


def due(limit: int = 20) -> list[int]:
    with db.session() as s:
        return list(s.exec(select(Message.id).where(
            Message.status == QUEUED, Message.next_attempt_at <= utcnow())
            .order_by(Message.id).limit(limit)).all())


def next_due_in() -> float | None:
    """Seconds until the next queued message is due (None: nothing queued)."""
    with db.session() as s:
        at = s.exec(select(Message.next_attempt_at).where(Message.status == QUEUED)
                    .order_by(Message.next_attempt_at).limit(1)).first()
    if at is None:
        return None
    return max(0.0, (at - utcnow()).total_seconds())


async def deliver(message_id: int, adapter_for) -> str:
    """Send one queued message through `adapter_for(channel) -> adapter`. Returns its status."""
    with db.session() as s:
        msg = s.get(Message, message_id)
        if msg is None or msg.status != QUEUED:
            return msg.status if msg else "missing"
        identity = s.get(ChannelIdentity, msg.identity_id)
        channel = s.get(Channel, msg.channel_id)
        last_in = s.exec(select(Message.external_id).where(
            Message.identity_id == identity.id, Message.direction == "in")
            .order_by(Message.id.desc()).limit(1)).first() if channel.kind == "email" else ""
    error, status, external_id, retry_in, unreachable = "", SENT, None, None, False
    try:
        adapter = adapter_for(channel)
        if adapter is None:
            raise TransientError(f"channel {channel.name or channel.kind} is not running")
        result = await adapter.send(identity.external_id,
                                    OutboundMessage(text=msg.text, attachments=msg.attachments or [],
                                                    idempotency_key=str(msg.id)),
                                    **registry.send_kwargs(channel, identity, last_in or ""))
        external_id = result.external_id or None
    except UnreachableError as e:
        status, error, unreachable = FAILED, str(e) or "client unreachable", True
    except TransientError as e:
        error = str(e) or "temporary error"
        if msg.attempts + 1 >= MAX_ATTEMPTS:
            status = FAILED
        else:
            status = QUEUED
            retry_in = e.retry_after if e.retry_after is not None else min(2 ** msg.attempts, 300)
    except PermanentError as e:
        status, error = FAILED, str(e) or "rejected by the channel"
    except Exception as e:  # an adapter bug must not kill the sender loop
        status, error = FAILED, f"{type(e).__name__}: {e}"
    _record(message_id, status, error, external_id, retry_in, unreachable)
    return status


def _record(message_id: int, status: str, error: str, external_id, retry_in, unreachable) -> None:
    now = utcnow()
    with db.session() as s:
        msg = s.get(Message, message_id)
        msg.attempts += 1
        msg.status, msg.error, msg.updated_at = status, error[:1000], now
        msg.status_history = [*(msg.status_history or []),
                              {"status": status, "at": now.isoformat(), "error": error[:300],
                               "attempt": msg.attempts}]
        if external_id:
            msg.external_id = external_id
        if status == SENT:
            msg.sent_at = now
        msg.next_attempt_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
        if unreachable:
            identity = s.get(ChannelIdentity, msg.identity_id)
            identity.reachable, identity.unreachable_reason = False, error[:500]
            s.add(identity)
        s.add(msg)
        s.commit()
        dialog_id, contact_id = msg.dialog_id, msg.contact_id
    events.publish("message", dialog_id=dialog_id, contact_id=contact_id, message_id=message_id,
                   status=status)


def retry(message_id: int) -> bool:
    """The operator's "Retry" on a failed message: queue it again now."""
    with db.session() as s:
        msg = s.get(Message, message_id)
        if msg is None or msg.direction != OUT or msg.status != FAILED:
            return False
        msg.status, msg.error, msg.attempts, msg.next_attempt_at = QUEUED, "", 0, utcnow()
        s.add(msg)
        s.commit()
        dialog_id, contact_id = msg.dialog_id, msg.contact_id
    events.publish("message", dialog_id=dialog_id, contact_id=contact_id, message_id=message_id,
                   status=QUEUED)
    events.publish("outbox", message_id=message_id)
    return True


RANK = {QUEUED: 0, SENT: 1, "delivered": 2, "read": 3}


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
        s.add(msg)
        s.commit()
        ids = (msg.id, msg.dialog_id, msg.contact_id)
    events.publish("message", dialog_id=ids[1], contact_id=ids[2], message_id=ids[0], status=status)
    return True
