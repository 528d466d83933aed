"""Inbound messages: `receive()` stores one in ONE transaction and then publishes.

identity -> contact (created if new, joined by phone when the channel gives one) -> dialog
-> message -> counters. Idempotent on (channel, external_id): a replayed poll batch or a
repeated webhook stores each message once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from messenger_app import db, settings
from messenger_app.channels.base import InboundMessage
from messenger_app.clock import utcnow
from messenger_app.lib import storable
from messenger_app.models import ChannelIdentity, Contact, Dialog, Message
from messenger_app.models.message import IN, RECEIVED
from messenger_app.services import events, phones

PREVIEW_CHARS = 140
MAX_ID_CHARS = 200  # Message.external_id, ChannelIdentity.external_id


class Rejected(ValueError):
    """This message cannot be stored as the channel gave it; the text says why. Nothing
    was written. Callers record it on the channel's health and go on with the next one."""


@dataclass
class Received:
    message_id: int
    dialog_id: int
    contact_id: int
    identity_id: int
    created: bool  # False when this (channel, external_id) was already stored
    new_identity: bool


def preview_of(text: str, attachments: list | None = None) -> str:
    flat = " ".join((text or "").split())
    if not flat and attachments:
        flat = "📎 " + (attachments[0].get("file_name") or attachments[0].get("kind") or "file")
    return flat[:PREVIEW_CHARS]


def checked(msg: InboundMessage) -> InboundMessage:
    """A copy of `msg` that every database can store, or Rejected. Strings lose lone
    surrogates and NUL; the text is cut at INBOUND_MAX_CHARS; ids must be there and short."""
    if msg.problem:
        raise Rejected(storable.text(msg.problem)[:300])
    ext, ident = storable.text(msg.external_id).strip(), storable.text(msg.identity_external_id).strip()
    if not ext or not ident:
        raise Rejected("no message id or sender id")
    if len(ext) > MAX_ID_CHARS or len(ident) > MAX_ID_CHARS:
        raise Rejected(f"message id or sender id longer than {MAX_ID_CHARS} characters")
    attachments = storable.value(msg.attachments) if isinstance(msg.attachments, list) else []
    return replace(
        msg, external_id=ext, identity_external_id=ident,
        text=storable.text(msg.text)[:settings.get().inbound_max_chars],
        display_name=storable.text(msg.display_name), first_name=storable.text(msg.first_name),
        last_name=storable.text(msg.last_name), username=storable.text(msg.username),
        phone=storable.text(msg.phone)[:64], avatar_url=storable.text(msg.avatar_url)[:500],
        attachments=[a for a in attachments if isinstance(a, dict)])


def receive(channel_id: int, channel_kind: str, msg: InboundMessage) -> Received:
    """Store one message. Raises Rejected (nothing written) when it cannot be stored."""
    msg = checked(msg)
    for attempt in range(2):
        try:
            result = _receive_once(channel_id, channel_kind, msg)
            break
        except IntegrityError:
            # Another worker stored the same message or identity at the same moment:
            # the retry finds it and returns it.
            if attempt:
                raise
    if result.created:
        events.publish("dialog", dialog_id=result.dialog_id, contact_id=result.contact_id,
                       reason="inbound", message_id=result.message_id)
    return result


def _receive_once(channel_id: int, channel_kind: str, msg: InboundMessage) -> Received:
    with db.session() as s:
        existing = s.exec(select(Message).where(
            Message.channel_id == channel_id, Message.external_id == msg.external_id)).first()
        if existing is not None:
            return Received(existing.id, existing.dialog_id, existing.contact_id,
                            existing.identity_id or 0, created=False, new_identity=False)
        identity, contact, new_identity = _identity_and_contact(s, channel_id, msg)
        dialog = dialog_for(s, contact.id)
        now = utcnow()
        sent_at = msg.sent_at or now
        if sent_at.tzinfo is None:
            sent_at = sent_at.replace(tzinfo=timezone.utc)
        row = Message(dialog_id=dialog.id, contact_id=contact.id, identity_id=identity.id,
                      channel_id=channel_id, channel_kind=channel_kind, direction=IN,
                      sender_kind="client", text=msg.text or "", attachments=msg.attachments,
                      status=RECEIVED, external_id=msg.external_id, created_at=now,
                      sent_at=sent_at, updated_at=now)
        s.add(row)
        dialog.last_message_at = now
        dialog.activity_at = now
        dialog.last_preview = preview_of(msg.text, msg.attachments)
        dialog.last_channel_kind = channel_kind
        dialog.last_direction = IN
        dialog.unread_count += 1
        if contact.first_message_at is None:
            contact.first_message_at = now
        identity.last_inbound_at = now
        identity.reachable, identity.unreachable_reason = True, ""
        s.add_all([dialog, contact, identity])
        s.commit()
        return Received(row.id, dialog.id, contact.id, identity.id, True, new_identity)


def _identity_and_contact(s: Session, channel_id: int, msg: InboundMessage):
    identity = s.exec(select(ChannelIdentity).where(
        ChannelIdentity.channel_id == channel_id,
        ChannelIdentity.external_id == msg.identity_external_id)).first()
    e164 = phones.try_normalize(msg.phone) if msg.phone else ""
    if identity is not None:
        contact = s.get(Contact, identity.contact_id)
        if e164 and not contact.phone:
            contact.phone, contact.phone_raw, contact.phone_digits = e164, msg.phone, phones.digits(e164)
        return identity, contact, False
    contact = None
    if e164:  # the same phone in another channel: the same client (S1)
        contact = s.exec(select(Contact).where(Contact.phone == e164).order_by(Contact.id)).first()
    if contact is None:
        first, last = msg.first_name, msg.last_name
        if not first and not last and msg.display_name:
            first = msg.display_name
        contact = Contact(first_name=first[:200], last_name=last[:200], phone=e164,
                          phone_raw=msg.phone if e164 else "", phone_digits=phones.digits(e164))
        s.add(contact)
        s.flush()
    identity = ChannelIdentity(contact_id=contact.id, channel_id=channel_id,
                               external_id=msg.identity_external_id,
                               display_name=msg.display_name[:300], username=msg.username[:200])
    s.add(identity)
    s.flush()
    return identity, contact, True


def dialog_for(s: Session, contact_id: int) -> Dialog:
    dialog = s.exec(select(Dialog).where(Dialog.contact_id == contact_id)).first()
    if dialog is None:
        dialog = Dialog(contact_id=contact_id)
        s.add(dialog)
        s.flush()
    return dialog


def set_identity_profile(identity_id: int, display_name: str = "", avatar: str = "") -> None:
    """Store what the channel's profile call returned. The contact's avatar is the first
    channel's that has one (L1); names typed in the CRM are never overwritten (R6)."""
    with db.session() as s:
        identity = s.get(ChannelIdentity, identity_id)
        if identity is None:
            return
        if display_name:
            identity.display_name = display_name[:300]
        if avatar:
            identity.avatar = avatar
            contact = s.get(Contact, identity.contact_id)
            if contact is not None and not contact.avatar:
                contact.avatar = avatar
                s.add(contact)
        s.add(identity)
        s.commit()
        dialog = s.exec(select(Dialog).where(Dialog.contact_id == identity.contact_id)).first()
    if dialog is not None:
        events.publish("dialog", dialog_id=dialog.id, contact_id=identity.contact_id,
                       reason="profile")


def set_attachments(message_id: int, attachments: list[dict]) -> None:
    """The downloaded media of an inbound message (workers.fetch_media)."""
    with db.session() as s:
        msg = s.get(Message, message_id)
        if msg is None:
            return
        msg.attachments = storable.value(attachments)
        s.add(msg)
        s.commit()
        ids = (msg.dialog_id, msg.contact_id)
    events.publish("message", dialog_id=ids[0], contact_id=ids[1], message_id=message_id,
                   reason="media")


def set_reachable(channel_id: int, identity_external_id: str, reachable: bool,
                  reason: str = "") -> bool:
    """A channel told us the client (un)subscribed (Viber, WhatsApp failures) (C7)."""
    identity_external_id, reason = storable.text(identity_external_id), storable.text(reason)
    with db.session() as s:
        ident = s.exec(select(ChannelIdentity).where(
            ChannelIdentity.channel_id == channel_id,
            ChannelIdentity.external_id == identity_external_id)).first()
        if ident is None or (ident.reachable == reachable and ident.unreachable_reason == reason):
            return False
        ident.reachable, ident.unreachable_reason = reachable, ("" if reachable else reason[:500])
        s.add(ident)
        s.commit()
        contact_id = ident.contact_id
        dialog = s.exec(select(Dialog).where(Dialog.contact_id == contact_id)).first()
    if dialog is not None:
        events.publish("dialog", dialog_id=dialog.id, contact_id=contact_id, reason="reachable")
    return True


def mark_read(dialog_id: int) -> bool:
    """Opening a dialog reads it, in every tab (X2). Returns True when something changed."""
    with db.session() as s:
        dialog = s.get(Dialog, dialog_id)
        if dialog is None or dialog.unread_count == 0:
            return False
        dialog.unread_count = 0
        s.add(dialog)
        s.commit()
        contact_id = dialog.contact_id
    events.publish("dialog", dialog_id=dialog_id, contact_id=contact_id, reason="read")
    return True
