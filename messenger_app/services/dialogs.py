"""A dialog read back: its messages page by page, the client's card header (name, phone,
channels), a client's display name and the count of unread dialogs. The list of dialogs
with its filters is services/dialog_list.py."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Channel, ChannelIdentity, Contact, Dialog, Message, Operator
from messenger_app.lib import phones

PAGE = 50


@dataclass
class DialogRow:
    id: int
    contact_id: int
    name: str
    avatar: str
    channel_kind: str
    preview: str
    last_message_at: datetime | None
    activity_at: datetime
    unread: int
    last_direction: str


def contact_name(c: Contact) -> str:
    """First + last name; the phone when there is no name (L1)."""
    name = f"{c.first_name} {c.last_name}".strip()
    return name or phones.display(c.phone) or c.phone_raw or f"#{c.id}"


def unread_dialogs() -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(Dialog).where(Dialog.unread_count > 0)).one()


@dataclass
class MessageView:
    id: int
    direction: str
    sender_kind: str
    sender_name: str
    channel_kind: str
    text: str
    attachments: list
    status: str
    error: str
    created_at: datetime
    sent_at: datetime | None
    external_id: str
    subject: str = ""  # e-mail: the mail's subject
    origin_kind: str = ""  # "mailing" / "bot" for automatic messages (C3)
    origin_label: str = ""  # the mailing's or scenario's name


def messages(dialog_id: int, before_id: int | None = None, limit: int = PAGE,
             since_id: int | None = None) -> list[MessageView]:
    """The newest `limit` messages before `before_id` (or from `since_id` on), oldest first."""
    with db.reading() as conn:
        rows = conn.execute(_messages_query(bool(before_id), bool(since_id)),
                            {"did": dialog_id, "before": before_id or 0, "since": since_id or 0,
                             "limit": limit}).all()
    out = []
    for m in reversed(rows):
        if m.sender_kind == "operator":
            sender = m.op_name or m.op_user or "operator"
        elif m.sender_kind == "bot" and m.origin_label:
            sender = m.origin_label  # C3: the scenario's name as it was when it sent
        else:
            sender = m.sender_kind
        out.append(MessageView(m.id, m.direction, m.sender_kind, sender, m.channel_kind, m.text,
                               m.attachments or [], m.status, m.error, m.created_at, m.sent_at,
                               m.external_id or "", m.subject or "", m.origin_kind or "",
                               m.origin_label or ""))
    return out


@functools.cache
def _messages_query(before: bool, since: bool):
    """messages()'s SELECT of plain columns, one statement per shape, built once: opening a
    dialog, each older page and each live message of an open dialog read it, and a statement
    used again skips SQLAlchemy's cache key, result matching and ORM object loading."""
    q = (select(Message.id, Message.direction, Message.sender_kind, Message.channel_kind,
                Message.text, Message.attachments, Message.status, Message.error,
                Message.created_at, Message.sent_at, Message.external_id, Message.subject,
                Message.origin_kind, Message.origin_label,
                Operator.display_name.label("op_name"), Operator.username.label("op_user"))
         .join(Operator, Operator.id == Message.operator_id, isouter=True)
         .where(Message.dialog_id == bindparam("did"))
         .order_by(Message.id.desc()).limit(bindparam("limit")))
    if before:
        q = q.where(Message.id < bindparam("before"))
    if since:
        q = q.where(Message.id >= bindparam("since"))
    return q


@dataclass
class Card:
    contact_id: int
    dialog_id: int
    name: str
    first_name: str
    last_name: str
    phone: str
    phone_display: str
    avatar: str
    created_at: datetime
    blacklisted: bool
    channels: list[dict]


def identity_address(kind: str, identity: ChannelIdentity) -> str:
    """How the client is known in that channel: the e-mail address, the phone number, the
    @username, else "" (a bare provider id means nothing to a person)."""
    from messenger_app.channels import registry

    spec = registry.get(kind)
    what = spec.identity_address if spec is not None else ""
    if what == "email":
        return identity.external_id
    if what == "phone":
        digits = "".join(c for c in identity.external_id if c.isdigit())
        return phones.display("+" + digits) if digits else identity.external_id
    return f"@{identity.username}" if identity.username else ""


def card(dialog_id: int) -> Card | None:
    with db.session() as s:
        d = s.get(Dialog, dialog_id)
        if d is None:
            return None
        c = s.get(Contact, d.contact_id)
        idents = s.exec(select(ChannelIdentity, Channel)
                        .join(Channel, Channel.id == ChannelIdentity.channel_id)
                        .where(ChannelIdentity.contact_id == c.id)
                        .order_by(ChannelIdentity.id)).all()
    channels = [{"identity_id": i.id, "channel_id": ch.id, "kind": ch.kind, "name": ch.name,
                 "display_name": i.display_name, "username": i.username,
                 "address": identity_address(ch.kind, i),
                 "reachable": i.reachable, "reason": i.unreachable_reason,
                 "enabled": ch.enabled} for i, ch in idents]
    return Card(c.id, d.id, contact_name(c), c.first_name, c.last_name, c.phone,
                phones.display(c.phone), c.avatar, c.created_at, c.blacklisted, channels)
