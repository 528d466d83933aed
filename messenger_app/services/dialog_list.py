"""The dialog list of the left panel (L1, L3, L4, L5, L7, L8): one indexed query a page.

`list_page()`: newest activity first, keyset pagination on
(activity_at, id), plus a folder ("all", "operator" or a custom folder id) and a filter
(services/filters/), and rows that carry Tag 1 / Tag 2 and the client's flags.
`count()` takes the same filtering arguments and answers "N found".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.sql import visitors

from messenger_app import db
from messenger_app.models import Contact, ContactFolder, Dialog
from messenger_app.services import filters, folders
from messenger_app.services.dialogs import PAGE, DialogRow, contact_name


@dataclass
class ListRow(DialogRow):
    tag1: str = ""
    tag2: str = ""
    blacklisted: bool = False
    bot_paused: bool = False


_COLUMNS = (Dialog.id, Dialog.contact_id, Dialog.last_channel_kind, Dialog.last_preview,
            Dialog.last_message_at, Dialog.activity_at, Dialog.unread_count, Dialog.last_direction,
            Dialog.bot_paused, Contact.first_name, Contact.last_name, Contact.phone,
            Contact.phone_raw, Contact.avatar, Contact.tag1, Contact.tag2, Contact.blacklisted)


def cursor(row: DialogRow) -> tuple[datetime, int]:
    """What to pass as `after` to get the page after this row."""
    return row.activity_at, row.id


_PHONEISH = re.compile(r"[\d\s+\-().]+")  # what a typed phone number is made of


def search_condition(search: str):
    """The search box (L4): a phone-like query -> any part of the phone in any format
    ('+7 (999) 123-45', '8999123', '79991234567'); otherwise a part of the name (which may
    hold digits too: 'Visitor 3f2a91')."""
    text = (search or "").strip()
    if not text:
        return None
    by_phone = filters.phone_contains(text) if _PHONEISH.fullmatch(text) else None
    if by_phone is not None:
        return by_phone
    return filters.compile({"join": "and", "conditions": [
        {"field": "name", "op": "contains", "value": text[:filters.MAX_TEXT]}]})


def folder_condition(folder: str | int | None, for_count: bool = False):
    """None / "all": every dialog; "operator": With operator (bot paused); an id: a custom
    folder (a deleted folder's id simply matches nothing). Raises folders.UnknownFolder
    for anything else."""
    key = folders.parse_key(folder)
    if key is None:
        return None
    if key == folders.OPERATOR:
        return Dialog.bot_paused == True  # noqa: E712
    members = select(ContactFolder.contact_id).where(ContactFolder.folder_id == key)
    if for_count:  # the folder's members, once (its index), instead of a test per dialog
        return Dialog.contact_id.in_(members)
    return exists(members.where(ContactFolder.contact_id == Dialog.contact_id).correlate(Dialog))


def conditions(unread_only: bool = False, search: str = "", folder: str | int | None = None,
               filter: dict | None = None, for_count: bool = False) -> list:  # noqa: A002
    """The WHERE terms for these arguments (raises FilterError / FolderError on bad input)."""
    where = []
    if unread_only:
        where.append(filters.unread())
    for cond in (search_condition(search), folder_condition(folder, for_count)):
        if cond is not None:
            where.append(cond)
    if filter and filters.count_conditions(filter):
        where.append(filters.compile(filter, for_count=for_count))
    return where


def list_page(limit: int = PAGE, after: tuple[datetime, int] | None = None,
              unread_only: bool = False, search: str = "", folder: str | int | None = None,
              filter: dict | None = None) -> list[ListRow]:  # noqa: A002
    """Newest activity first; `after` is cursor() of the last row shown. One SELECT a page
    (plus one small read of the CRM field definitions when the filter uses variables)."""
    q = (select(*_COLUMNS).join(Contact, Contact.id == Dialog.contact_id)
         .where(*conditions(unread_only, search, folder, filter))
         .order_by(Dialog.activity_at.desc(), Dialog.id.desc()).limit(max(1, min(int(limit), 500))))
    if after is not None:
        at, did = after
        q = q.where(or_(Dialog.activity_at < at, and_(Dialog.activity_at == at, Dialog.id < did)))
    with db.session() as s:
        rows = s.execute(q).all()
    return [_row(r) for r in rows]


def row(dialog_id: int) -> ListRow | None:
    """One dialog's row, as list_page() shows it (live updates refresh single rows)."""
    q = (select(*_COLUMNS).join(Contact, Contact.id == Dialog.contact_id)
         .where(Dialog.id == dialog_id))
    with db.session() as s:
        r = s.execute(q).first()
    return _row(r) if r is not None else None


def rows(dialog_ids) -> dict[int, ListRow]:
    """Several dialogs' rows in one SELECT (a live batch touching many dialogs); a dialog
    that does not exist is left out."""
    ids = sorted({int(i) for i in dialog_ids})
    if not ids:
        return {}
    with db.reading() as conn:
        found = conn.execute(_rows_query(), {"ids": ids}).all()
    return {r.id: _row(r) for r in found}


@functools.cache
def _rows_query():
    """rows()'s SELECT, built once: a statement object used again skips SQLAlchemy's cache
    key and result-column matching, most of a one-row read's CPU (live updates ask for
    this once per event batch)."""
    return (select(*_COLUMNS).join(Contact, Contact.id == Dialog.contact_id)
            .where(Dialog.id.in_(bindparam("ids", expanding=True))))


def matching(dialog_ids, unread_only: bool = False, search: str = "",
             folder: str | int | None = None, filter: dict | None = None) -> set[int]:  # noqa: A002
    """Which of these dialogs list_page() with these arguments would show: a live update
    asks this instead of reloading a filtered list's whole page."""
    ids = sorted({int(i) for i in dialog_ids})
    if not ids:
        return set()
    q = (select(Dialog.id).join(Contact, Contact.id == Dialog.contact_id)
         .where(Dialog.id.in_(ids), *conditions(unread_only, search, folder, filter)))
    with db.session() as s:
        return set(s.execute(q).scalars().all())


def count(unread_only: bool = False, search: str = "", folder: str | int | None = None,
          filter: dict | None = None) -> int:  # noqa: A002
    """How many dialogs list_page() would show in all ("N found")."""
    where = conditions(unread_only, search, folder, filter, for_count=True)
    q = select(func.count()).select_from(Dialog)
    if any(_uses_contact(w) for w in where):
        q = q.join(Contact, Contact.id == Dialog.contact_id)
    q = q.where(*where)
    with db.session() as s:
        return s.execute(q).scalar_one()


def _uses_contact(clause) -> bool:
    """Does the condition read a column of Contact itself (not of an alias in a subquery)?"""
    table = Contact.__table__
    return any(getattr(el, "table", None) is table for el in visitors.iterate(clause))


def _row(r: Any) -> ListRow:
    name = contact_name(SimpleNamespace(id=r.contact_id, first_name=r.first_name,
                                        last_name=r.last_name, phone=r.phone,
                                        phone_raw=r.phone_raw))
    return ListRow(r.id, r.contact_id, name, r.avatar, r.last_channel_kind, r.last_preview,
                   r.last_message_at, r.activity_at, r.unread_count, r.last_direction,
                   tag1=r.tag1, tag2=r.tag2, blacklisted=bool(r.blacklisted),
                   bot_paused=bool(r.bot_paused))
