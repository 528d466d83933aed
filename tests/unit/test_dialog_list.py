"""services/dialog_list.py: the left panel's list (L1-L5, L7, L8) in one query a page."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Channel, ChannelIdentity, Contact, ContactValue, CrmField, Dialog
from messenger_app.services import dialog_list, dialogs, folders
from messenger_app.lib import phones
from messenger_app.services.filters import FilterError
from messenger_app.services.folders import UnknownFolder

T0 = datetime(2024, 6, 1, 12, tzinfo=timezone.utc)


def client(first="", last="", phone="", minutes=0, unread=0, bot_paused=False, tag1="", tag2="",
           blacklisted=False, kind="", preview="", age=None) -> int:
    """A client whose dialog's activity is T0 + minutes; returns the contact id."""
    e164 = phones.normalize(phone) if phone else ""
    with db.session() as s:
        c = Contact(first_name=first, last_name=last, phone=e164, phone_raw=phone,
                    phone_digits=phones.digits(e164), tag1=tag1, tag2=tag2, blacklisted=blacklisted)
        s.add(c)
        s.flush()
        at = T0 + timedelta(minutes=minutes)
        s.add(Dialog(contact_id=c.id, activity_at=at, unread_count=unread, bot_paused=bot_paused,
                     last_channel_kind=kind, last_preview=preview,
                     last_message_at=at if kind else None))
        if kind:
            ch = s.exec(select(Channel).where(Channel.kind == kind)).first()
            if ch is None:
                ch = Channel(kind=kind, name=kind)
                s.add(ch)
                s.flush()
            s.add(ChannelIdentity(contact_id=c.id, channel_id=ch.id, external_id=f"x{c.id}"))
        if age is not None:
            field = s.exec(select(CrmField).where(CrmField.key == "age")).first()
            if field is None:
                field = CrmField(key="age", label="Age", type="number")
                s.add(field)
                s.flush()
            s.add(ContactValue(contact_id=c.id, field_id=field.id, value_text=str(age), value_num=age))
        s.commit()
        return c.id


def all_pages(limit: int, **kw) -> list:
    rows, after = [], None
    while True:
        page = dialog_list.list_page(limit=limit, after=after, **kw)
        rows += page
        if len(page) < limit:
            return rows
        after = dialog_list.cursor(page[-1])


class Queries:
    def __init__(self):
        self.sql: list[str] = []

    def __enter__(self):
        event.listen(db.engine(), "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine(), "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, *rest):
        self.sql.append(statement)


def test_rows_newest_first_with_tags_flags_and_no_message_clients(data_dir):
    old = client("Anna", "Ivanova", minutes=1, kind="telegram", preview="hi", unread=2,
                 tag1="VIP", tag2="hot", blacklisted=True, bot_paused=True)
    new = client(phone="+7 999 123-45-67", minutes=5)  # imported: no name, no messages (L2)
    rows = dialog_list.list_page()
    assert [r.contact_id for r in rows] == [new, old]
    first, second = rows
    assert isinstance(first, dialogs.DialogRow) and isinstance(first, dialog_list.ListRow)
    assert (first.name, first.channel_kind, first.preview, first.last_message_at) == (
        "+7 999 123-45-67", "", "", None)
    assert (second.name, second.tag1, second.tag2, second.blacklisted, second.bot_paused,
            second.unread, second.channel_kind, second.preview) == (
        "Anna Ivanova", "VIP", "hot", True, True, 2, "telegram", "hi")
    assert second.activity_at == T0 + timedelta(minutes=1)
    assert (first.tag1, first.blacklisted, first.bot_paused) == ("", False, False)


def test_pagination_with_ties_and_a_filter(data_dir):
    ids = [client(f"N{i}", minutes=i // 3, tag1="vip" if i % 2 else "", unread=i % 3)
           for i in range(14)]  # three dialogs share each activity time
    everything = all_pages(4)
    assert [r.contact_id for r in everything] == sorted(ids, key=lambda c: (ids.index(c) // 3, c),
                                                        reverse=True)
    flt = {"join": "or", "conditions": [{"field": "tag1", "op": "equals", "value": "VIP"},
                                        {"field": "unread", "op": "is_true"}]}
    expected = [r.contact_id for r in everything if r.tag1 == "vip" or r.unread > 0]
    assert 4 < len(expected) < 14
    for limit in (1, 2, 3, 5):
        paged = all_pages(limit, filter=flt)
        assert [r.contact_id for r in paged] == expected
    assert dialog_list.count(filter=flt) == len(expected)
    strict = {"join": "and", "conditions": flt["conditions"]}
    assert [r.contact_id for r in all_pages(2, filter=strict)] == [
        r.contact_id for r in everything if r.tag1 == "vip" and r.unread > 0]


@pytest.mark.parametrize("typed", ["+7 (999) 123-45", "8999123", "79991234567", "8 999 123 45 67",
                                   "123-45-67", "4567"])
def test_phone_search_in_any_format(data_dir, typed):
    anna = client("Anna", phone="+79991234567")
    client("Boris", phone="+79161112233")
    client("Carl", phone="+12025550199")
    found = [r.contact_id for r in dialog_list.list_page(search=typed)]
    assert found == [anna]
    assert dialog_list.count(search=typed) == 1
    phone_filter = {"join": "and", "conditions": [{"field": "phone", "op": "contains", "value": typed}]}
    assert [r.contact_id for r in dialog_list.list_page(filter=phone_filter)] == [anna]


def test_name_search_is_case_insensitive_cyrillic_too(data_dir):
    olga = client("Ольга", "Смирнова")
    anna = client("Anna", "Ivanova")
    assert [r.contact_id for r in dialog_list.list_page(search="ольга")] == [olga]
    assert [r.contact_id for r in dialog_list.list_page(search="ANNA iv")] == [anna]
    assert dialog_list.list_page(search="100%") == []


def test_folders_unread_search_and_filter_together(data_dir):
    leads = folders.create("Leads")
    a = client("Anna", phone="+79991234567", minutes=3, unread=1, kind="telegram")
    b = client("Anya", phone="+79991234500", minutes=2, unread=0, bot_paused=True)
    c = client("Boris", phone="+79161112233", minutes=1, unread=4, bot_paused=True)
    for cid in (a, b):
        folders.set_contact_folders(cid, [leads.id])
    ids = lambda **kw: [r.contact_id for r in dialog_list.list_page(**kw)]  # noqa: E731
    assert ids() == ids(folder="all") == ids(folder=None) == [a, b, c]
    assert ids(folder="operator") == [b, c]
    assert ids(folder=leads.id) == ids(folder=str(leads.id)) == [a, b]
    assert ids(folder=leads.id, unread_only=True) == [a]
    assert ids(folder="operator", unread_only=True) == [c]
    assert ids(folder=leads.id, search="+7 999 123") == [a, b]
    assert ids(folder=leads.id, search="+7 999 123",
               filter={"join": "and", "conditions": [{"field": "channel", "op": "equals",
                                                      "value": "telegram"}]}) == [a]
    assert dialog_list.count(folder="operator") == 2
    assert dialog_list.count(folder=leads.id, unread_only=True) == 1
    assert ids(folder=9999) == [] and dialog_list.count(folder=9999) == 0
    with pytest.raises(UnknownFolder):
        dialog_list.list_page(folder="bogus")
    with pytest.raises(FilterError):
        dialog_list.list_page(filter={"join": "and", "conditions": [{"field": "x", "op": "equals"}]})
    with pytest.raises(FilterError):
        dialog_list.count(filter={"join": "and", "conditions": [{"field": "x", "op": "equals"}]})


def test_one_query_per_page_whatever_the_number_of_rows(data_dir):
    leads = folders.create("Leads")
    plain = {"join": "or", "conditions": [
        {"join": "and", "conditions": [{"field": "tag1", "op": "contains", "value": "v"},
                                       {"field": "channel", "op": "in_list", "value": ["vk", "sms"]}]},
        {"field": "folder", "op": "equals", "value": leads.id}, {"field": "unread", "op": "is_true"}]}
    with_var = {"join": "and", "conditions": [{"field": "var:age", "op": "gte", "value": 0}]}

    def measure() -> list[int]:
        out = []
        for kw in [{}, {"unread_only": True, "search": "8999"}, {"folder": leads.id},
                   {"folder": "operator", "filter": plain}, {"filter": with_var}]:
            with Queries() as q:
                rows = dialog_list.list_page(limit=100, **kw)
            assert rows, kw
            out.append(len(q.sql))
            with Queries() as q:
                dialog_list.count(**kw)
            out.append(len(q.sql))
        return out

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            cid = client(f"C{i}", phone=f"+7999{1000000 + i:07d}", minutes=i, unread=1,
                         bot_paused=True, tag1="vip", kind=("vk", "sms")[i % 2], age=i)
            folders.set_contact_folders(cid, [leads.id])

    add(2, 0)
    few = measure()
    add(60, 2)
    many = measure()
    assert few == many
    # one SELECT for the page / the count; a filter on CRM variables also reads their definitions
    assert many == [1, 1, 1, 1, 1, 1, 1, 1, 2, 2]
    assert len(dialog_list.list_page(limit=100, filter=plain)) == 62


def test_a_name_with_digits_is_searched_as_a_name(data_dir):
    named = client("Visitor 3f2a91", phone="+79995550011")
    client("Other", phone="+79993291000")
    assert [r.id for r in dialog_list.list_page(search="Visitor 3f2a91")] == [named]
    assert [r.id for r in dialog_list.list_page(search="3f2a")] == [named]
