"""Inbound messages: `receive()` stores one, `receive_many()` a batch, in ONE transaction
(services/inbound_batch.py), and then publish; and what changes a stored client or message
afterwards (profile, media, reachability, read).

Idempotent on (channel, external_id): a replayed poll batch or a repeated webhook stores each
message once.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from messenger_app import db, settings
from messenger_app.channels.base import InboundMessage
from messenger_app.lib import storable
from messenger_app.models import ChannelIdentity, Contact, Dialog, Message
from messenger_app.services import events, inbound_batch
from messenger_app.services.event_types import DialogChanged, MessageChanged
from messenger_app.services.inbound_batch import Received

MAX_ID_CHARS = 200  # Message.external_id, ChannelIdentity.external_id


class Rejected(ValueError):
    """This message cannot be stored as the channel gave it; the text says why. Nothing
    was written. Callers record it on the channel's health and go on with the next one."""


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
        subject=" ".join(storable.text(msg.subject).split())[:998],
        attachments=[a for a in attachments if isinstance(a, dict)])


def receive(channel_id: int, channel_kind: str, msg: InboundMessage,
            fetch_profile: bool = True) -> Received:
    """Store one inbound message (one transaction), then tell the open tabs. Raises Rejected
    (nothing written) when it cannot be stored. In the same transaction, the background work
    it causes is added as durable jobs (the new client's profile, media to download), so a
    crash right after the commit loses none of it."""
    return receive_many(channel_id, channel_kind, [msg], fetch_profile)[0]


def receive_many(channel_id: int, channel_kind: str, messages: list[InboundMessage],
                 fetch_profile: bool = True) -> list[Received]:
    """Store a poll or webhook batch in ONE transaction, then publish one event per new
    message. The same idempotency as one by one: a message already stored (or twice in the
    batch) is returned with created=False and changes nothing. One Received per message,
    in order. If another worker stores the same message or client at the same moment, the
    whole batch is retried once and finds it. A message that cannot be stored raises
    Rejected before anything is written."""
    messages = [checked(m) for m in messages]
    if not messages:
        return []
    for attempt in range(2):
        try:
            results = inbound_batch.store(channel_id, channel_kind, messages, fetch_profile)
            break
        except IntegrityError:
            if attempt:
                raise
    return results


def dialog_for(s: Session, contact_id: int) -> Dialog:
    dialog = s.exec(select(Dialog).where(Dialog.contact_id == contact_id)).first()
    if dialog is None:
        dialog = Dialog(contact_id=contact_id)
        s.add(dialog)
        s.flush()
    return dialog


def set_identity_profile(identity_id: int, display_name: str = "", avatar: str = "") -> None:
    """Store what the channel's profile call returned. The contact's avatar is the first
    channel's that has one (L1); names typed in the CRM are never overwritten (R6). A
    profile that changes nothing (a channel without profiles, the same name again) writes
    nothing and tells no tab: every open tab would redo its list for it."""
    display_name = display_name[:300]
    with db.session() as s:
        identity = s.get(ChannelIdentity, identity_id)
        if identity is None or ((not display_name or display_name == identity.display_name)
                                and (not avatar or avatar == identity.avatar)):
            return
        if display_name:
            identity.display_name = display_name
        if avatar:
            identity.avatar = avatar
            contact = s.get(Contact, identity.contact_id)
            if contact is not None and not contact.avatar:
                contact.avatar = avatar
                s.add(contact)
        s.add(identity)
        dialog = s.exec(select(Dialog).where(Dialog.contact_id == identity.contact_id)).first()
        if dialog is not None:
            events.on_commit(s, DialogChanged(dialog_id=dialog.id, contact_id=identity.contact_id,
                                              reason="profile"))
        s.commit()


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
        events.on_commit(s, MessageChanged(dialog_id=msg.dialog_id, contact_id=msg.contact_id,
                                           message_id=message_id, reason="media"))
        s.commit()


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
        contact_id = ident.contact_id
        dialog = s.exec(select(Dialog).where(Dialog.contact_id == contact_id)).first()
        if dialog is not None:
            events.on_commit(s, DialogChanged(dialog_id=dialog.id, contact_id=contact_id,
                                              reason="reachable"))
        s.commit()
    return True


def mark_read(dialog_id: int) -> bool:
    """Opening a dialog reads it, in every tab (X2). Returns True when something changed."""
    with db.session() as s:
        dialog = s.get(Dialog, dialog_id)
        if dialog is None or dialog.unread_count == 0:
            return False
        dialog.unread_count = 0
        s.add(dialog)
        events.on_commit(s, DialogChanged(dialog_id=dialog_id, contact_id=dialog.contact_id,
                                          reason="read"))
        s.commit()
    return True
