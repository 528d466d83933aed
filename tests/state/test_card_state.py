"""The client card's handlers (R2-R7), the Contacts page's import preview and the CRM admin
page, driven through their states with a real session and database (no browser)."""

import asyncio
import io
from pathlib import Path

import pytest
import reflex as rx
from reflex.state import State

from messenger_app.services import auth, crm, dialog_list, folders
from messenger_app.states.card import CardState, localize
from messenger_app.states.card_view import call_url
from messenger_app.states.contacts import ContactsState
from messenger_app.states.contacts_import import SKIP
from messenger_app.states.crm_settings import CrmSettingsState, slug
from messenger_app.states.inbox import InboxState
from messenger_app.i18n.strings import EN, RU
from tests.sessions import sign_in


def _tree(token: str):
    root = State(_reflex_internal_init=True)

    def sub(cls):
        return root.get_substate(cls.get_full_name().split(".")[1:])

    sign_in(sub(InboxState), token)
    return root, sub


def _run(result):
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


@pytest.fixture
def session(data_dir):
    auth.create_operator("op", "password-123")
    return auth.login("op", "password-123")


@pytest.fixture
def opened(session):
    """An operator tab with a new client's dialog open: (inbox, card, contact id, dialog id)."""
    contact, dialog = crm.create_contact("+79990001122", "Ann", "Lee")
    _root, sub = _tree(session)
    inbox, card = sub(InboxState), sub(CardState)
    asyncio.run(InboxState.event_handlers["open_dialog"].fn(inbox, str(dialog.id)))
    assert inbox._crm.contact_id == str(contact.id)
    return inbox, card, contact.id, dialog.id


def call(card, name, *args):
    return _run(CardState.event_handlers[name].fn(card, *args))


def test_phone_is_validated_and_stored(opened):
    inbox, card, cid, _did = opened
    call(card, "edit", "phone")
    assert card.editing == f"phone@{cid}"
    call(card, "save_phone", {"value": "12"})
    assert card.error_at == f"phone@{cid}" and "phone" in card.error
    assert card.editing == f"phone@{cid}"  # the input stays open with the bad number
    assert crm.card(cid)["phone"] == "+79990001122"
    crm.create_contact("+79990003344")
    call(card, "save_phone", {"value": "8 999 000-33-44"})
    assert "already belongs" in card.error  # another client's number: refused, no merge
    call(card, "save_phone", {"value": "8 (999) 000-55-66"})
    assert (card.error, card.editing) == ("", "")
    assert crm.card(cid)["phone"] == "+79990005566"
    assert inbox._crm.phone == "+79990005566" and inbox._crm.call_url == "tel:+79990005566"


def test_names_tags_and_blacklist(opened):
    inbox, card, cid, _did = opened
    call(card, "save_name", {"first_name": " Анна ", "last_name": "Ли"})
    assert inbox._card.name == "Анна Ли"
    call(card, "save_tag1", {"value": "VIP client"})
    assert inbox._crm.tag1 == "VIP client"
    call(card, "set_tag2", "gold")
    assert card.error_at == f"tag2@{cid}" and crm.card(cid)["tag2"] == ""
    crm.add_tag2_option("Gold")
    call(card, "set_tag2", "gold")
    assert crm.card(cid)["tag2"] == "Gold" and inbox._crm.tag2 == "Gold" and card.error == ""
    call(card, "set_tag2", "__none__")
    assert crm.card(cid)["tag2"] == ""
    call(card, "set_blacklisted", True)
    assert crm.card(cid)["blacklisted"] and inbox._crm.blacklisted
    assert not crm.can_mail(cid)
    call(card, "set_blacklisted", False)
    assert crm.can_mail(cid) and not inbox._crm.blacklisted


def test_variables_of_every_type(opened):
    inbox, card, cid, _did = opened
    crm.create_field("age", "Age", "number")
    crm.create_field("birthday", "Birthday", "date")
    crm.create_field("vip", "VIP", "bool")
    crm.create_field("site", "Site", "link")
    crm.create_field("size", "Size", "select", ["S", "M", "L"])
    crm.create_field("note", "Note", "text")
    call(card, "refresh")
    assert [v.key for v in inbox._crm.vars] == ["age", "birthday", "vip", "site", "size", "note"]

    def value(key):
        return {v["key"]: v["value"] for v in crm.values_of(cid)}[key]

    for key, bad in (("age", "twelve"), ("birthday", "31.02.2026"), ("site", "javascript:alert(1)"),
                     ("size", "XXL")):
        call(card, "save_var", {"key": key, "value": bad})
        assert card.error_at == f"var:{key}@{cid}", key
        assert value(key) == "", key
    call(card, "save_var", {"key": "age", "value": "1 234,5"})
    call(card, "save_var", {"key": "birthday", "value": "2026-11-25"})
    call(card, "set_var", "vip", True)
    call(card, "save_var", {"key": "site", "value": "example.com/x"})
    call(card, "set_var", "size", "m")
    call(card, "save_var", {"key": "note", "value": "line 1\nline 2"})
    assert card.error == ""
    shown = {v.key: (v.value, v.shown) for v in inbox._crm.vars}
    assert shown == {"age": ("1234.5", "1234.5"), "birthday": ("2026-11-25", "25.11.2026"),
                     "vip": ("yes", "yes"), "site": ("https://example.com/x", "https://example.com/x"),
                     "size": ("M", "M"), "note": ("line 1\nline 2", "line 1\nline 2")}
    call(card, "set_var", "size", "__none__")
    assert value("size") == ""


def test_bot_pause_moves_the_dialog_to_with_operator(opened):
    inbox, card, _cid, did = opened
    assert dialog_list.count(folder="operator") == 0
    call(card, "toggle_bot")
    assert inbox._crm.bot_paused
    assert [r.id for r in dialog_list.list_page(folder="operator")] == [did]
    call(card, "toggle_bot")
    assert not inbox._crm.bot_paused and dialog_list.count(folder="operator") == 0


def test_folders_only_custom_ones(opened):
    inbox, card, cid, _did = opened
    vip, later = folders.create("VIP"), folders.create("Later")
    call(card, "refresh")
    assert [(f.name, f.checked) for f in inbox._crm.folders] == [("VIP", False), ("Later", False)]
    call(card, "toggle_folder", str(vip.id))
    call(card, "toggle_folder", str(later.id))
    assert [f.id for f in folders.folders_of(cid)] == [vip.id, later.id]
    assert inbox._crm.folder_names == ["VIP", "Later"]
    call(card, "toggle_folder", "operator")  # a built-in folder cannot be chosen
    call(card, "toggle_folder", "all")
    call(card, "toggle_folder", str(vip.id))
    assert [f.id for f in folders.folders_of(cid)] == [later.id]


def test_nothing_happens_without_an_open_dialog(session):
    contact, _dialog = crm.create_contact("+79990001122")
    _root, sub = _tree(session)
    card = sub(CardState)
    call(card, "set_blacklisted", True)
    call(card, "save_tag1", {"value": "x"})
    assert not crm.card(contact.id)["blacklisted"] and crm.card(contact.id)["tag1"] == ""


def test_errors_are_translated(session):
    """The card shows a refusal by its code (services/errors.py), not by its wording."""
    with pytest.raises(crm.CrmError) as e:
        crm.parse_number("x")
    assert localize(e.value, EN, "en") == "Not a number: x"
    assert localize(e.value, RU, "ru") == "Это не число: x"
    a, _ = crm.create_contact("+79990001122")
    b, _ = crm.create_contact("+79990003344")
    with pytest.raises(crm.CrmError) as e:
        crm.set_phone(b.id, "+7 999 000-11-22")
    assert localize(e.value, RU, "ru") == f"Номер +79990001122 уже есть у клиента #{a.id}"
    assert localize("something new", RU, "ru") == RU["err_generic"]  # no English on a Russian screen


def test_click_to_call_url():
    assert call_url("+79991234567", "") == ("tel:+79991234567", False)
    assert call_url("+79991234567", "https://pbx.example/call?to={phone}") == \
        ("https://pbx.example/call?to=%2B79991234567", True)
    assert call_url("", "https://pbx.example/call?to={phone}") == ("", False)
    assert call_url("+79991234567", "javascript:alert(1)") == ("tel:+79991234567", False)


def test_import_preview_and_mapping(session):
    crm.create_field("city", "City", "text")
    _root, sub = _tree(session)
    st = sub(ContactsState)
    data = "\ufeffТелефон;Имя;City;Junk\n+7 999 111-22-33;Анна;Москва;x\n".encode()
    upload = rx.UploadFile(file=io.BytesIO(data), path=Path("clients.csv"))
    _run(ContactsState.event_handlers["handle_upload"].fn(st, [upload]))
    assert st.import_step == "map" and st.import_error == ""
    assert [(c["name"], c["target"]) for c in st.columns] == [
        ("Телефон", "phone"), ("Имя", "first_name"), ("City", "var:city"), ("Junk", SKIP)]
    assert Path(st._upload_path).is_file()
    ContactsState.event_handlers["set_target"].fn(st, "3", "phone")  # one column per target
    assert [c["target"] for c in st.columns] == [SKIP, "first_name", "var:city", "phone"]
    ContactsState.event_handlers["set_target"].fn(st, "0", "bogus")
    assert st.columns[0]["target"] == SKIP
    bad = rx.UploadFile(file=io.BytesIO(b""), path=Path("empty.csv"))
    _run(ContactsState.event_handlers["handle_upload"].fn(st, [bad]))
    assert st.import_error and st.import_step == "map"  # the previous file is kept


def test_new_client_and_contacts_page(session):
    _root, sub = _tree(session)
    st = sub(ContactsState)
    ContactsState.event_handlers["create_client"].fn(st, {"phone": "12345"})
    assert st.new_error
    result = ContactsState.event_handlers["create_client"].fn(
        st, {"phone": "8 999 765-43-21", "first_name": "Олег"})
    assert "/?dialog=" in repr(result) and st.new_error == ""
    ContactsState.event_handlers["set_search"].fn(st, "765 43")
    assert [(r.name, r.phone) for r in st.rows] == [("Олег", "+7 999 765-43-21")]
    ContactsState.event_handlers["set_search"].fn(st, "олег")
    assert st.total == 1


def test_crm_admin_page(session):
    auth.create_operator("boss", "password-123", role="admin")
    _root, sub = _tree(auth.login("boss", "password-123"))
    st = sub(CrmSettingsState)
    h = CrmSettingsState.event_handlers
    h["create_field"].fn(st, {"label": "Дата рождения", "key": ""})
    assert [f["key"] for f in st.fields] == ["data_rozhdeniya"]
    h["create_field"].fn(st, {"label": "Дата рождения", "key": ""})
    assert st.error_at == "new" and "already exists" in st.error
    h["set_new_type"].fn(st, "select")
    h["create_field"].fn(st, {"label": "Size", "key": "size", "options": "S\nM\n\nL"})
    assert crm.list_fields()[1]["options"] == ["S", "M", "L"]
    h["move_field"].fn(st, "size", -1)
    assert [f["key"] for f in crm.list_fields()] == ["size", "data_rozhdeniya"]
    h["ask_delete"].fn(st, "field:size", "Size")
    h["confirm_delete"].fn(st)
    assert [f["key"] for f in crm.list_fields()] == ["data_rozhdeniya"]
    h["add_option"].fn(st, {"value": "Gold"})
    h["add_option"].fn(st, {"value": "Silver"})
    h["rename_option"].fn(st, {"key": "Gold", "value": "Platinum"})
    h["move_option"].fn(st, "Silver", -1)
    assert crm.list_tag2_options() == ["Silver", "Platinum"]


def test_operator_cannot_use_the_crm_admin_page(session):
    _root, sub = _tree(session)  # "op" is an operator, not an admin
    st = sub(CrmSettingsState)
    result = CrmSettingsState.event_handlers["create_field"].fn(st, {"label": "X", "key": "x"})
    assert "_redirect" in repr(result)
    assert crm.list_fields() == []


def test_slug():
    assert slug("Дата рождения") == "data_rozhdeniya"
    assert slug("Phone") == "crm_phone"  # "phone" is a built-in column
    assert slug("!!!") == "field"
