"""Shared test factories: the rows most tests start from, made the way production makes them
(auth, crm, widget services) unless a test needs a state no service produces directly.

Unit fixtures built on them are in tests/unit/conftest.py; e2e and state tests may import
these functions too (a helper lives here, never in another test module)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Contact, Dialog, Message, Operator

PASSWORD = "password-123"


def operator(username: str = "op", password: str = PASSWORD, **kw) -> Operator:
    """A signed-up operator (kw: display_name, role ...), through services/auth.py."""
    from messenger_app.services import auth

    return auth.create_operator(username, password, **kw)


def client(phone: str = "+79991234567", first_name: str = "Anna", last_name: str = "Ivanova") -> tuple[Contact, Dialog]:
    """A CRM client with its (empty) dialog, as "new dialog by phone" makes it (L6)."""
    from messenger_app.services import crm

    return crm.create_contact(phone, first_name, last_name)


def dialog(text: str = "hello"):
    """A website visitor's first message, through the widget's inbound path: the result
    has .dialog_id, .message_id, .created."""
    from messenger_app.services import widget

    return widget.send(widget.new_visitor(), text)


def message(dialog_id: int, text: str = "hello", direction: str = "in", channel_kind: str = "telegram",
            **kw) -> int:
    """A message row in a dialog (a state no service writes in one step); its id."""
    with db.session() as s:
        d = s.get(Dialog, dialog_id)
        m = Message(dialog_id=dialog_id, contact_id=d.contact_id, direction=direction,
                    sender_kind="client" if direction == "in" else "operator", text=text,
                    channel_kind=channel_kind, **kw)
        s.add(m)
        s.commit()
        return m.id


def count(model, *where) -> int:
    """How many rows of `model` (matching `where`) the database holds."""
    with db.session() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def operator_row(name: str, active: bool = True) -> int:
    """An operator row that cannot sign in (no real password hash), for tests of who gets
    what (push, routing) that never log in; its id."""
    with db.session() as s:
        op = Operator(username=name, display_name=name, password_hash="x", active=active)
        s.add(op)
        s.commit()
        return op.id


def unread_dialog(first_name: str = "Anna", last_name: str = "Petrova", folders: tuple = (),
                  text: str = "hello there") -> tuple[int, int]:
    """(dialog id, message id) of a client, in `folders` (ids), with one unread inbound
    Telegram message."""
    from messenger_app.models import ContactFolder

    with db.session() as s:
        c = Contact(first_name=first_name, last_name=last_name)
        s.add(c)
        s.flush()
        d = Dialog(contact_id=c.id, last_preview=text[:140], unread_count=1)
        s.add(d)
        s.flush()
        m = Message(dialog_id=d.id, contact_id=c.id, direction="in", sender_kind="client",
                    text=text, channel_kind="telegram")
        s.add(m)
        for fid in folders:
            s.add(ContactFolder(contact_id=c.id, folder_id=fid))
        s.commit()
        return d.id, m.id


def whatsapp_channel(fake):
    """A WhatsApp channel "WA" talking to the fake Cloud API `fake` (tests/fakes/whatsapp_server.py)
    with the fake's token, phone number id, app secret and verify token."""
    from messenger_app.services import channels

    return channels.add("whatsapp", "WA", token=fake.token, base_url=fake.api_url,
                        config={"phone_number_id": fake.phone_number_id, "app_secret": fake.app_secret,
                                "verify_token": fake.verify_token})
