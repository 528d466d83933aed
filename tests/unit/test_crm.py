"""services/crm: fields and typed values (R6), built-ins and Tag 2 options (R7), blacklist (R3),
bot pause (R5), new dialog (L6, L2) and billed subscribers (B3)."""

from datetime import datetime

import pytest
from sqlmodel import select

from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Channel, Contact, ContactValue, CrmField, Dialog, Message
from messenger_app.services import crm, events, inbox
from messenger_app.services.crm import CrmError
from tests.factories import count


def _contact(phone="+79991234567", first="Anna", last="Ivanova"):
    contact, dialog = crm.create_contact(phone, first, last)
    return contact.id, dialog.id


def _get(model, key):
    with db.session() as s:
        return s.get(model, key)


def _value_row(contact_id, key):
    with db.session() as s:
        f = s.exec(select(CrmField).where(CrmField.key == key)).one()
        return s.get(ContactValue, (contact_id, f.id))


# -- fields (admin) --------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["", "Bad", "with space", "ключ", "a-b", "x" * 65, "phone", "tag2"])
def test_field_key_must_be_a_free_slug(data_dir, key):
    with pytest.raises(CrmError):
        crm.create_field(key, "Label", "text")
    assert crm.list_fields() == []


def test_field_validation_messages(data_dir):
    crm.create_field("city", "City", "text")
    with pytest.raises(CrmError, match="already exists"):
        crm.create_field("city", "Other", "text")
    with pytest.raises(CrmError, match="type must be one of"):
        crm.create_field("age", "Age", "integer")
    with pytest.raises(CrmError, match="at least one option"):
        crm.create_field("size", "Size", "select", ["", "  "])
    with pytest.raises(CrmError, match="twice"):
        crm.create_field("size", "Size", "select", ["M", "m"])
    with pytest.raises(CrmError, match="label"):
        crm.create_field("size", " \x00 ", "text")
    assert [f["key"] for f in crm.list_fields()] == ["city"]


def test_fields_listed_in_order_and_reordered(data_dir):
    crm.create_field("a_1", "A", "text")
    crm.create_field("b_2", "B", "number")
    crm.create_field("c_3", "C", "select", [" S ", "M"])
    fields = crm.list_fields()
    assert [f["key"] for f in fields] == ["a_1", "b_2", "c_3"]
    assert fields[2]["options"] == ["S", "M"] and fields[0]["options"] == []
    crm.reorder_fields(["c_3", "a_1", "b_2"])
    assert [f["key"] for f in crm.list_fields()] == ["c_3", "a_1", "b_2"]
    with pytest.raises(CrmError):
        crm.reorder_fields(["c_3", "a_1"])


def test_update_field_label_options_and_type(data_dir):
    cid, _ = _contact()
    crm.create_field("size", "Size", "select", ["S", "M", "L"])
    crm.set_value(cid, "size", "L")
    crm.update_field("size", label="Размер", options=["S", "M", "XL"])
    f = crm.list_fields()[0]
    assert (f["label"], f["options"]) == ("Размер", ["S", "M", "XL"])
    assert crm.values_of(cid)[0]["value"] == ""  # "L" is gone, so is the value
    crm.set_value(cid, "size", "xl")
    with pytest.raises(CrmError, match="cannot change"):
        crm.update_field("size", type="text")
    crm.set_value(cid, "size", "")
    crm.update_field("size", type="number")
    assert crm.list_fields()[0]["type"] == "number" and crm.list_fields()[0]["options"] == []


def test_delete_field_deletes_its_values(data_dir, published):
    cid, _ = _contact()
    crm.create_field("city", "City", "text")
    crm.create_field("age", "Age", "number")
    crm.set_value(cid, "city", "Kazan")
    crm.set_value(cid, "age", "33")
    crm.delete_field("city")
    assert [f["key"] for f in crm.list_fields()] == ["age"]
    assert count(ContactValue) == 1
    assert [v["key"] for v in crm.values_of(cid)] == ["age"]
    assert any(e["kind"] == "crm_fields" and e["reason"] == "deleted" for e in published)
    with pytest.raises(CrmError, match="no field"):
        crm.delete_field("city")


# -- typed values ----------------------------------------------------------------------------
@pytest.mark.parametrize("raw,text,num", [
    ("1 234,5", "1234.5", 1234.5), ("1\u00a0234,50", "1234.5", 1234.5), ("1,234.5", "1234.5", 1234.5),
    ("1.234,5", "1234.5", 1234.5), ("-7", "-7", -7.0), ("0,25", "0.25", 0.25), ("1 000 000", "1000000", 1e6),
    ("42", "42", 42.0), (3.5, "3.5", 3.5), ("−3", "-3", -3.0)])
def test_number_values(data_dir, raw, text, num):
    cid, _ = _contact()
    crm.create_field("amount", "Amount", "number")
    assert crm.set_value(cid, "amount", raw) == text
    row = _value_row(cid, "amount")
    assert (row.value_text, row.value_num) == (text, num)


@pytest.mark.parametrize("raw", ["abc", "1e5", "inf", "nan", "1,2,3.4.5", "12a", "--1", "1" * 20,
                                 "0x10", "1/2"])
def test_bad_numbers_are_refused(data_dir, raw):
    cid, _ = _contact()
    crm.create_field("amount", "Amount", "number")
    with pytest.raises(CrmError):
        crm.set_value(cid, "amount", raw)
    assert _value_row(cid, "amount") is None


@pytest.mark.parametrize("raw", ["2026-11-25", "25.11.2026", "2026-11-25T10:30:00", " 25.11.2026 "])
def test_date_values(data_dir, raw):
    cid, _ = _contact()
    crm.create_field("birthday", "Birthday", "date")
    assert crm.set_value(cid, "birthday", raw) == "2026-11-25"
    row = _value_row(cid, "birthday")
    assert row.value_date.replace(tzinfo=None) == datetime(2026, 11, 25)


@pytest.mark.parametrize("raw", ["31.02.2026", "2026/11/25", "11-25-2026", "tomorrow", "2026-13-01",
                                 "25.11.26"])
def test_bad_dates_are_refused(data_dir, raw):
    cid, _ = _contact()
    crm.create_field("birthday", "Birthday", "date")
    with pytest.raises(CrmError):
        crm.set_value(cid, "birthday", raw)


@pytest.mark.parametrize("raw,text,num", [
    ("yes", "yes", 1.0), ("No", "no", 0.0), ("TRUE", "yes", 1.0), ("false", "no", 0.0), ("1", "yes", 1.0),
    ("0", "no", 0.0), ("да", "yes", 1.0), ("НЕТ", "no", 0.0), (True, "yes", 1.0)])
def test_bool_values(data_dir, raw, text, num):
    cid, _ = _contact()
    crm.create_field("vip", "VIP", "bool")
    assert crm.set_value(cid, "vip", raw) == text
    assert _value_row(cid, "vip").value_num == num


def test_bad_bool_is_refused(data_dir):
    cid, _ = _contact()
    crm.create_field("vip", "VIP", "bool")
    for raw in ("maybe", "2", "yess"):
        with pytest.raises(CrmError, match="yes/no"):
            crm.set_value(cid, "vip", raw)


@pytest.mark.parametrize("raw,stored", [
    ("https://example.com/a?b=1#c", "https://example.com/a?b=1#c"),
    ("http://пример.рф/путь", "http://пример.рф/путь"),
    ("example.com/page", "https://example.com/page"),
    ("HTTPS://Example.com", "HTTPS://Example.com")])
def test_link_values(data_dir, raw, stored):
    cid, _ = _contact()
    crm.create_field("site", "Site", "link")
    assert crm.set_value(cid, "site", raw) == stored


@pytest.mark.parametrize("raw", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(document.cookie)",
    "java\tscript:alert(1)", "javascript://example.com/%0Aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)",
    "file:///etc/passwd", "ftp://example.com/x", "http://", "https:example.com", "//evil.com/x",
    "http://exa mple.com", "https://example.com/\u202egpj.exe", "localhost:8080"])
def test_hostile_links_are_refused(data_dir, raw):
    cid, _ = _contact()
    crm.create_field("site", "Site", "link")
    with pytest.raises(CrmError):
        crm.set_value(cid, "site", raw)
    assert _value_row(cid, "site") is None


def test_select_values(data_dir):
    cid, _ = _contact()
    crm.create_field("size", "Size", "select", ["S", "M", "Большой"])
    assert crm.set_value(cid, "size", "M") == "M"
    assert crm.set_value(cid, "size", "большой") == "Большой"  # canonical spelling stored
    with pytest.raises(CrmError, match="not one of the options"):
        crm.set_value(cid, "size", "XXL")
    assert crm.values_of(cid)[0]["value"] == "Большой"


def test_text_values_limits_and_odd_unicode(data_dir):
    cid, _ = _contact()
    crm.create_field("note", "Note", "text")
    assert crm.set_value(cid, "note", "x" * 2000) == "x" * 2000
    with pytest.raises(CrmError, match="too long"):
        crm.set_value(cid, "note", "x" * 2001)
    with pytest.raises(CrmError, match="too long"):
        crm.set_value(cid, "note", "я" * 100_000)
    assert _value_row(cid, "note").value_text == "x" * 2000  # the refused values left it alone
    family = "👨\u200d👩\u200d👧"
    odd = f" a\x00b\x07c\u202ed\ufeff\ud800 {family} line1\r\nline2\n\n\n\nend\x1b[31m "
    stored = crm.set_value(cid, "note", odd)
    assert stored == f"abcd {family} line1\nline2\n\nend[31m"
    assert crm.set_value(cid, "note", "e\u0301") == "\u00e9"  # NFC


def test_empty_value_clears_and_values_of_lists_every_field(data_dir):
    cid, _ = _contact()
    crm.create_field("city", "Город", "text")
    crm.create_field("age", "Age", "number")
    crm.create_field("size", "Size", "select", ["S"])
    crm.set_value(cid, "city", "Казань")
    crm.set_value(cid, "age", "33")
    crm.set_value(cid, "age", "   ")
    assert _value_row(cid, "age") is None
    assert crm.values_of(cid) == [
        {"key": "city", "label": "Город", "type": "text", "options": [], "value": "Казань"},
        {"key": "age", "label": "Age", "type": "number", "options": [], "value": ""},
        {"key": "size", "label": "Size", "type": "select", "options": ["S"], "value": ""}]
    crm.set_value(cid, "city", None)
    assert count(ContactValue) == 0


def test_unknown_field_or_client(data_dir):
    cid, _ = _contact()
    with pytest.raises(CrmError, match="no field"):
        crm.set_value(cid, "nope", "x")
    crm.create_field("city", "City", "text")
    with pytest.raises(CrmError, match="not found"):
        crm.set_value(cid + 100, "city", "x")
    with pytest.raises(CrmError, match="not found"):
        crm.values_of(cid + 100)


def test_every_card_write_publishes_after_commit(data_dir, monkeypatch):
    cid, did = _contact()
    crm.create_field("city", "City", "text")
    crm.add_tag2_option("VIP")
    seen = []

    def publish(kind, **data):  # reads the DB when the event fires: the write must be there
        with db.session() as s:
            c = s.get(Contact, cid)
            v = s.exec(select(ContactValue.value_text)).first()
        seen.append((kind, data["dialog_id"], data["contact_id"], data["reason"],
                     c.first_name, c.tag1, c.tag2, c.blacklisted, c.phone, v))

    monkeypatch.setattr(events, "deliver", lambda ev: publish(**ev))  # on commit
    crm.set_name(cid, "Olga", "")
    crm.set_tag1(cid, "hot")
    crm.set_tag2(cid, "vip")
    crm.set_blacklisted(cid, True)
    crm.set_phone(cid, "8 (999) 765-43-21")
    crm.set_value(cid, "city", "Omsk")
    assert [x[:4] for x in seen] == [("dialog", did, cid, "card")] * 6
    assert seen[-1][4:] == ("Olga", "hot", "VIP", True, "+79997654321", "Omsk")


# -- built-ins -------------------------------------------------------------------------------
def test_set_name_cleans_and_limits(data_dir):
    cid, _ = _contact()
    assert crm.set_name(cid, " Ан\x00на\n ", "\u202eИва\tнова") == ("Анна", "Ива нова")
    c = _get(Contact, cid)
    assert (c.first_name, c.last_name) == ("Анна", "Ива нова")
    with pytest.raises(CrmError, match="first name is too long"):
        crm.set_name(cid, "x" * 201, "")
    with pytest.raises(CrmError, match="last name is too long"):
        crm.set_name(cid, "", "x" * 201)
    assert crm.set_name(cid, "x" * 200, "") == ("x" * 200, "")


def test_set_phone_normalises_and_refuses_a_taken_number(data_dir):
    a, _ = _contact("+79991234567")
    b, _ = _contact("+79990000000", "Boris", "")
    assert crm.set_phone(b, "8 (999) 111-22-33") == "+79991112233"
    c = _get(Contact, b)
    assert (c.phone, c.phone_digits, c.phone_raw) == ("+79991112233", "79991112233", "8 (999) 111-22-33")
    with pytest.raises(CrmError, match=f"client #{a}"):
        crm.set_phone(b, "+7 999 123-45-67")
    assert _get(Contact, b).phone == "+79991112233"  # unchanged, nothing merged
    with pytest.raises(CrmError, match="phone"):
        crm.set_phone(b, "12")
    assert crm.set_phone(a, "79991234567") == "+79991234567"  # its own number: fine
    assert crm.set_phone(a, "") == ""
    assert _get(Contact, a).phone_digits == ""


def test_tag1_free_text_and_tag2_from_the_list(data_dir):
    cid, _ = _contact()
    assert crm.set_tag1(cid, "  горячий\t лид ") == "горячий  лид"
    with pytest.raises(CrmError, match="Tag 1 is too long"):
        crm.set_tag1(cid, "x" * 201)
    with pytest.raises(CrmError, match="not a Tag 2 option"):
        crm.set_tag2(cid, "VIP")
    crm.add_tag2_option("VIP")
    assert crm.set_tag2(cid, "vip") == "VIP"
    assert _get(Contact, cid).tag2 == "VIP"
    assert crm.set_tag2(cid, "") == ""
    assert _get(Contact, cid).tag2 == ""


def test_tag2_options_rename_delete_reorder(data_dir, published):
    a, _ = _contact("+79991234567")
    b, _ = _contact("+79991234568")
    c, _ = _contact("+79991234569")
    for o in ("Gold", "Silver", "Bronze"):
        crm.add_tag2_option(o)
    with pytest.raises(CrmError, match="already exists"):
        crm.add_tag2_option("gold")
    with pytest.raises(CrmError, match="empty"):
        crm.add_tag2_option(" ")
    with pytest.raises(CrmError, match="too long"):
        crm.add_tag2_option("x" * 101)
    crm.set_tag2(a, "Gold")
    crm.set_tag2(b, "Gold")
    crm.set_tag2(c, "Silver")
    published.clear()
    assert crm.rename_tag2_option("Gold", "Золото") == 2
    assert [_get(Contact, x).tag2 for x in (a, b, c)] == ["Золото", "Золото", "Silver"]
    assert {e["kind"] for e in published} == {"tag2_options", "dialogs_bulk"}
    with pytest.raises(CrmError, match="already exists"):
        crm.rename_tag2_option("Silver", "золото")
    with pytest.raises(CrmError, match="no Tag 2 option"):
        crm.rename_tag2_option("Gold", "X")
    assert crm.delete_tag2_option("Золото") == 2
    assert [_get(Contact, x).tag2 for x in (a, b, c)] == ["", "", "Silver"]
    assert crm.list_tag2_options() == ["Silver", "Bronze"]
    crm.reorder_tag2_options(["Bronze", "Silver"])
    assert crm.list_tag2_options() == ["Bronze", "Silver"]
    with pytest.raises(CrmError):
        crm.reorder_tag2_options(["Bronze", "Bronze"])
    with pytest.raises(CrmError, match="not a Tag 2 option"):
        crm.set_tag2(a, "Золото")


# -- blacklist (R3), bot (R5) ------------------------------------------------------------------
def test_blacklist_and_can_mail(data_dir):
    a, _ = _contact("+79991234567")
    b, _ = _contact("+79991234568")
    assert crm.can_mail(a) and crm.can_mail(b)
    assert crm.set_blacklisted(a, True) is True
    assert not crm.can_mail(a) and crm.can_mail(b)
    assert crm.card(a)["blacklisted"] is True
    with db.session() as s:
        ids = s.exec(select(Contact.id).where(crm.mailable_clause())).all()
    assert ids == [b]
    crm.set_blacklisted(a, False)
    assert crm.can_mail(a)
    assert crm.can_mail(9999) is False  # no such client: nobody to mail


def test_bot_pause_and_resume(data_dir, published):
    cid, did = _contact()
    with db.session() as s:
        d = s.get(Dialog, did)
        d.unread_count = 3
        s.add(d)
        s.commit()
    published.clear()
    assert crm.set_bot_paused(did, True, by="operator") is True
    d = _get(Dialog, did)
    assert d.bot_paused and d.unread_count == 3
    with db.session() as s:  # "With operator" is the paused dialogs (L7)
        assert s.exec(select(Dialog.id).where(Dialog.bot_paused == True)).all() == [did]  # noqa: E712
    assert published == [{"kind": "dialog", "dialog_id": did, "contact_id": cid, "reason": "card",
                          "bot_paused": True, "by": "operator"}]
    assert crm.set_bot_paused(did, True, by="bot") is False  # already paused: no write, no event
    assert len(published) == 1
    assert crm.set_bot_paused(did, False) is True
    d = _get(Dialog, did)
    assert not d.bot_paused and d.unread_count == 3
    assert crm.card(cid)["bot_paused"] is False
    assert crm.set_bot_paused(did, True, by="bot") is True and crm.card(cid)["bot_paused"]
    with pytest.raises(CrmError, match="by must be"):
        crm.set_bot_paused(did, False, by="admin")
    with pytest.raises(CrmError, match="not found"):
        crm.set_bot_paused(did + 50, True)


# -- new dialog (L6), no messages yet (L2), billed subscribers (B3) -------------------------------
def test_create_contact_new_then_existing(data_dir, published):
    contact, dialog = crm.create_contact("8 (999) 123-45-67", " Anna ", "Ivanova")
    assert (contact.phone, contact.first_name, contact.last_name) == ("+79991234567", "Anna", "Ivanova")
    assert contact.first_message_at is None and contact.created_at is not None
    assert dialog.contact_id == contact.id
    d = _get(Dialog, dialog.id)
    assert (d.last_channel_kind, d.last_preview, d.last_message_at, d.unread_count) == ("", "", None, 0)
    assert count(Message) == 0
    assert crm.billed_subscribers() == 0  # a CRM contact, not a billed subscriber (B3)
    assert published[-1]["kind"] == "dialog" and published[-1]["dialog_id"] == dialog.id
    again, dialog2 = crm.create_contact("+7 999 123 45 67", "Other", "Name")
    assert (again.id, dialog2.id) == (contact.id, dialog.id)
    assert again.first_name == "Anna"  # returned as it is
    assert count(Contact) == 1 and count(Dialog) == 1
    with pytest.raises(CrmError):
        crm.create_contact("not a phone")
    with pytest.raises(CrmError):
        crm.create_contact("")
    assert count(Contact) == 1


def test_billed_subscribers_count_clients_with_messages(data_dir):
    with db.session() as s:
        ch = Channel(kind="telegram", name="bot", token="1:x")
        s.add(ch)
        s.commit()
    crm.create_contact("+79991234567")
    crm.create_contact("+79991234568")
    assert crm.billed_subscribers() == 0
    got = inbox.receive(ch.id, ch.kind, InboundMessage(external_id="1:1", identity_external_id="42",
                                                       text="hi", phone="+79991234567"))
    assert crm.billed_subscribers() == 1
    contact, dialog = crm.create_contact("89991234567")  # the client who wrote
    assert (contact.id, dialog.id) == (got.contact_id, got.dialog_id)
    assert count(Contact) == 2


def test_card_shows_id_and_subscription_date(data_dir):
    cid, did = _contact()
    card = crm.card(cid)
    assert card["id"] == cid and card["dialog_id"] == did and card["created_at"] is not None
    assert card["phone"] == "+79991234567" and card["phone_display"] == "+7 999 123-45-67"
    with pytest.raises(CrmError):
        crm.card(cid + 1)
