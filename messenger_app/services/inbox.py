"""Inbound messages: `receive()` stores one in ONE transaction and then publishes.

identity -> contact (created if new, joined by phone when the channel gives one) -> dialog
-> message -> counters. Idempotent on (channel, external_id): a replayed poll batch or a
repeated webhook stores each message once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from messenger_app import db, settings
from messenger_app.channels.base import InboundMessage
from messenger_app.clock import utcnow
from messenger_app.lib import storable
from messenger_app.models import ChannelIdentity, Contact, Dialog, Message
from messenger_app.models.message import IN, OUT, RECEIVED
from messenger_app.services import events, jobs
from messenger_app.lib import phones

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


def receive(channel_id: int, channel_kind: str, msg: InboundMessage,
            fetch_profile: bool = True) -> Received:
    """Store one message. Raises Rejected (nothing written) when it cannot be stored. In the
    same transaction, the background work it causes is added as durable jobs (the new client's
    profile, media to download), so a crash right after the commit loses none of it."""
    msg = checked(msg)
    for attempt in range(2):
        try:
            result = _receive_once(channel_id, channel_kind, msg, fetch_profile)
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


def _receive_once(channel_id: int, channel_kind: str, msg: InboundMessage,
                  fetch_profile: bool = True) -> Received:
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
        choice_id = msg.choice_id or _typed_choice(s, dialog.id, msg.text)
        row = Message(dialog_id=dialog.id, contact_id=contact.id, identity_id=identity.id,
                      channel_id=channel_id, channel_kind=channel_kind, direction=IN,
                      sender_kind="client", text=msg.text or "", attachments=msg.attachments,
                      choice_id=choice_id[:256],
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
        _add_jobs(s, channel_id, identity.id, msg, new_identity and fetch_profile)
        s.commit()
        return Received(row.id, dialog.id, contact.id, identity.id, True, new_identity)


def match_choice(text: str, choices: list[dict]) -> str:
    """The id of the choice a client typed: its label or its number ("2", "2.", "2)")."""
    typed = " ".join((text or "").split()).casefold().rstrip(".!)")
    if not typed or not choices:
        return ""
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return str(choices[int(typed) - 1].get("id") or "")
    for c in choices:
        if " ".join(str(c.get("label") or "").split()).casefold().rstrip(".!)") == typed:
            return str(c.get("id") or "")
    return ""


def _typed_choice(s: Session, dialog_id: int, text: str) -> str:
    """A typed answer to the buttons of the last message we sent (channels without buttons,
    or a client who types instead of pressing)."""
    if not text or len(text) > 200 or dialog_id is None:
        return ""
    last = s.exec(select(Message.choices).where(Message.dialog_id == dialog_id,
                                                Message.direction == OUT)
                  .order_by(Message.id.desc()).limit(1)).first()
    return match_choice(text, list(last or []))


def needs_download(attachments: list | None) -> bool:
    """Whether an inbound message's attachments still point at the channel (not yet stored)."""
    return any(isinstance(a, dict) and not str(a.get("url") or "").startswith("/files/")
               and not a.get("error") for a in attachments or [])


def _add_jobs(s: Session, channel_id: int, identity_id: int, msg: InboundMessage,
              profile: bool) -> None:
    if profile:
        jobs.add(s, "profile", f"profile:{identity_id}",
                 {"channel_id": channel_id, "identity_id": identity_id,
                  "external_id": msg.identity_external_id})
    if needs_download(msg.attachments):
        digest = hashlib.sha1(msg.external_id.encode("utf-8", "replace")).hexdigest()[:24]
        jobs.add(s, "media", f"media:{channel_id}:{digest}",
                 {"channel_id": channel_id, "external_id": msg.external_id})


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


def find_message(channel_id: int, external_id: str) -> tuple[int, list[dict]] | None:
    """(message id, attachments) of a stored inbound message, or None."""
    with db.session() as s:
        row = s.exec(select(Message.id, Message.attachments).where(
            Message.channel_id == channel_id, Message.external_id == external_id)).first()
    return (row[0], list(row[1] or [])) if row else None


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
