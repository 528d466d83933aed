"""The Contacts page's table (read only): one indexed query a page, newest activity first.

Writes go through services/crm/ and services/client_import/; this module only reads.
The search is the dialog list's (L4): any part of the phone in any format, or a part of
the name (services/dialog_query.search_condition).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from messenger_app import db
from messenger_app.models import Contact, Dialog
from messenger_app.services import dialog_query
from messenger_app.lib import phones

PAGE = 50


@dataclass
class ContactRow:
    dialog_id: int
    contact_id: int
    first_name: str
    last_name: str
    phone: str  # E.164, "" when unknown
    phone_display: str
    tag1: str
    tag2: str
    blacklisted: bool
    created_at: datetime  # subscription date (R1)
    activity_at: datetime  # last message, or when the client was created
    last_message_at: datetime | None
    bot_paused: bool


_COLUMNS = (Dialog.id, Contact.id.label("contact_id"), Contact.first_name, Contact.last_name,
            Contact.phone, Contact.phone_raw, Contact.tag1, Contact.tag2, Contact.blacklisted,
            Contact.created_at, Dialog.activity_at, Dialog.last_message_at, Dialog.bot_paused)


def page(search: str = "", offset: int = 0, limit: int = PAGE) -> list[ContactRow]:
    """Clients matching `search` ("" = all), newest activity first, `limit` from `offset`."""
    limit = max(1, min(int(limit), 500))
    offset = max(0, int(offset))
    q = (select(*_COLUMNS).join(Contact, Contact.id == Dialog.contact_id)
         .where(*dialog_query.conditions(search=search))
         .order_by(Dialog.activity_at.desc(), Dialog.id.desc()).offset(offset).limit(limit))
    with db.session() as s:
        rows = s.execute(q).all()
    return [ContactRow(r.id, r.contact_id, r.first_name, r.last_name, r.phone,
                       phones.display(r.phone) or r.phone_raw, r.tag1, r.tag2,
                       bool(r.blacklisted), r.created_at, r.activity_at, r.last_message_at,
                       bool(r.bot_paused)) for r in rows]


def count(search: str = "") -> int:
    """How many clients page() can show in all."""
    return dialog_query.count(search=search)
