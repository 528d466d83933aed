"""The left panel's states with a signed-in operator: the filter builder (L5), new dialog (L6),
folders (L7-L9) and the list's live refresh."""

import asyncio
import inspect

import pytest
from reflex.state import State

from messenger_app.services import auth, crm, filters, folders, widget
from messenger_app.states.filter_builder import FilterBuilderState
from messenger_app.states.folders import FoldersState
from messenger_app.states import inbox_live
from messenger_app.states.inbox import InboxState
from messenger_app.states.live import Digest
from messenger_app.states.new_dialog import NewDialogState
from tests.sessions import sign_in


@pytest.fixture
def token(data_dir):
    auth.create_operator("op", "password-123")
    return auth.login("op", "password-123")


def _state(cls, token):
    root = State(_reflex_internal_init=True)
    st = root.get_substate(cls.get_full_name().split(".")[1:])
    sign_in(st, token)
    return st


def call(st, name, *args):
    handlers = type(st).event_handlers
    result = (handlers[name] if name in handlers else InboxState.event_handlers[name]).fn(st, *args)
    return asyncio.run(result) if inspect.isawaitable(result) else result


def live(st, batch):
    """What the tab's listener does with a digest of these events (InboxState.listen)."""
    async def go():
        update = await inbox_live.read(st._live_snapshot(), Digest(batch))
        st._live_apply(update)
    asyncio.run(go())


def conds(st):
    return [c for b in st.blocks for c in b.conds]


def test_builder_makes_a_grouped_filter_and_hands_it_to_the_list(token):
    st = _state(FilterBuilderState, token)
    call(st, "open_builder")
    assert len(st.blocks) == 1 and st.top_join == "and"
    first = conds(st)[0].id
    call(st, "set_field", first, "tag1")
    assert conds(st)[0].op == "equals" and conds(st)[0].kind == "text"
    call(st, "set_op", first, "contains")
    call(st, "set_value", first, "vip")
    call(st, "add_group")
    group = st.blocks[1]
    assert group.group and group.join == "or"  # the opposite of the top join by default
    b = group.conds[0].id
    call(st, "set_field", b, "channel")
    call(st, "set_op", b, "in_list")
    assert conds(st)[1].kind == "choices"
    call(st, "toggle_value", b, "telegram")
    call(st, "toggle_value", b, "widget")
    call(st, "toggle_value", b, "telegram")  # off again
    call(st, "add_to_group", group.id)
    c = st.blocks[1].conds[1].id
    call(st, "set_field", c, "unread")
    assert conds(st)[2].kind == "none"
    assert st.meaning == 'Tag 1 contains "vip" AND (channel is one of (Website chat) OR unread)'
    call(st, "toggle_join", c)  # the AND / OR before a condition in a group: the group's join
    assert st.blocks[1].join == "and"
    call(st, "set_group_join", group.id, "or")
    result = call(st, "apply_builder")
    want = filters.validate({"join": "and", "conditions": [
        {"field": "tag1", "op": "contains", "value": "vip"},
        {"join": "or", "conditions": [{"field": "channel", "op": "in_list", "value": ["widget"]},
                                      {"field": "unread", "op": "is_true"}]}]})
    assert "apply_filter" in repr(result) and filters.to_url(want) in repr(result)
    assert not st.fb_open and st.fb_error == ""

    # the list takes it; reopening the builder shows the same conditions
    inbox_st = _state(InboxState, token)
    call(inbox_st, "apply_filter", filters.to_url(want))
    st2 = _state(FilterBuilderState, token)
    st2.filter_url = inbox_st.filter_url
    call(st2, "open_builder")
    assert [(c.field, c.op, c.value, c.picked) for c in conds(st2)] == [
        ("tag1", "contains", "vip", []), ("channel", "in_list", "", ["widget"]),
        ("unread", "is_true", "", [])]
    assert [b.group for b in st2.blocks] == [False, True]


def test_builder_shows_inline_errors_and_applies_nothing(token):
    st = _state(FilterBuilderState, token)
    st.lang = "ru"
    call(st, "open_builder")
    a = conds(st)[0].id
    call(st, "set_field", a, "tag1")  # no value
    call(st, "add_condition")
    b = conds(st)[1].id
    call(st, "set_field", b, "created_at")
    call(st, "set_op", b, "between")
    assert conds(st)[1].kind == "date_range"
    call(st, "set_value", b, "2024-05-02")
    call(st, "set_value2", b, "2024-05-01")
    call(st, "add_condition")
    c = conds(st)[2].id
    call(st, "set_value", c, "orphan value")  # typed a value, chose no field
    assert call(st, "apply_builder") is None
    errors = [x.error for x in conds(st)]
    assert errors == ["Введите значение.", "Первое значение не должно быть больше второго.",
                      "Выберите поле."]
    assert st.fb_error == "Исправьте отмеченные условия." and st.fb_open
    call(st, "set_value", a, "x")  # fixing a condition clears its error
    assert conds(st)[0].error == ""


def test_builder_reset_and_untouched_condition(token):
    st = _state(FilterBuilderState, token)
    call(st, "open_builder")
    result = call(st, "apply_builder")  # one empty condition: no filter
    assert "apply_filter" in repr(result) and st.fb_error == ""
    result = call(st, "reset_filter")
    assert "apply_filter" in repr(result) and len(st.blocks) == 1 and not conds(st)[0].field


def test_new_dialog_errors_then_opens(token):
    st = _state(NewDialogState, token)
    call(st, "open_new_dialog")
    assert st.nd_open and st.nd_channel == "0" and not st.nd_can_start
    call(st, "submit_new_dialog", {"phone": "12-34"})
    assert st.nd_error.startswith("This is not a valid phone number") and st.nd_open
    result = call(st, "submit_new_dialog", {"phone": "+7 (999) 555-44-33"})
    assert not st.nd_open and st.nd_error == ""
    contact, dialog = crm.create_contact("89995554433")  # the same client
    assert f'"{dialog.id}"' in repr(result) and "open_dialog" in repr(result)


def test_folders_form_create_rename_delete(token):
    st = _state(FoldersState, token)
    st._reload_folders()
    assert [f.id for f in st._folder_items] == ["all", "operator"]
    call(st, "new_folder")
    call(st, "set_form_push", False)
    call(st, "save_folder", {"name": "  VIP   clients "})
    assert not st.form_open and [f.name for f in st._folder_items][2:] == ["VIP clients"]
    vip = st._folder_items[2]
    assert (vip.push, vip.sound) == (False, True)
    call(st, "new_folder")
    call(st, "save_folder", {"name": "vip CLIENTS"})
    assert st.form_error == "A folder with this name already exists." and st.form_open
    call(st, "save_folder", {"name": "With operator"})
    assert st.form_error == "A folder with this name already exists."
    call(st, "save_folder", {"name": "  "})
    assert st.form_error == "Give the folder a name."
    call(st, "edit_folder", "operator")  # built-ins have no settings
    assert st.form_id == ""
    call(st, "edit_folder", vip.id)
    assert (st.form_id, st.form_name, st.form_push) == (vip.id, "VIP clients", False)
    call(st, "set_form_sound", False)
    call(st, "save_folder", {"name": "Gold"})
    assert [(f.name, f.sound) for f in st._folder_items][2:] == [("Gold", False)]
    # delete the folder being shown: back to All chats
    call(st, "set_folder", vip.id)
    assert st.folder == vip.id
    call(st, "edit_folder", vip.id)
    call(st, "ask_delete_folder", True)
    assert st.confirm_delete
    call(st, "delete_folder")
    assert st.folder == "all" and not st.form_open and len(st._folder_items) == 2
    assert folders.list_folders() == []


def test_listener_keeps_tags_refreshes_folders_and_never_marks_unread(token):
    visitor = widget.new_visitor()
    got = widget.send(visitor, "hello")
    st = _state(InboxState, token)
    call(st, "set_view", "all")
    assert st._rows[0].unread == 1 and st._unread_total == 1
    call(st, "open_dialog", str(got.dialog_id))  # reading it
    live(st, [{"kind": "dialog", "dialog_id": got.dialog_id, "reason": "read"}])
    assert st._rows[0].unread == 0 and st._unread_total == 0
    vip = folders.create("VIP")
    live(st, [{"kind": "folders", "folder_id": vip.id, "action": "created"}])
    assert [f.name for f in st._folder_items] == ["All chats", "With operator", "VIP"]
    # operator actions: tag, folder, pause: the row keeps its tags and stays read
    crm.set_tag1(got.contact_id, "vip")
    folders.set_contact_folders(got.contact_id, [vip.id])
    crm.set_bot_paused(got.dialog_id, True)
    live(st, [{"kind": "dialog", "dialog_id": got.dialog_id, "reason": "card"},
              {"kind": "folders", "action": "membership"}])
    assert (st._rows[0].tag1, st._rows[0].unread) == ("vip", 0)
    assert [f.unread for f in st._folder_items] == [0, 0, 0]
    assert call(st, "set_view", "unread") is None and st._rows == [] and st.found == 0
    # a new message: the counters of every folder the client is in go up, live
    widget.send(visitor, "again")
    live(st, [{"kind": "dialog", "dialog_id": got.dialog_id, "reason": "inbound"}])
    assert [f.unread for f in st._folder_items] == [1, 1, 1]
    assert [r.id for r in st._rows] == [str(got.dialog_id)] and st.found == 1


def test_builder_number_variable_and_channel_words(token):
    crm.create_field("age", "Age", "number")
    st = _state(FilterBuilderState, token)
    call(st, "open_builder")
    a = conds(st)[0].id
    call(st, "set_field", a, "var:age")
    assert conds(st)[0].kind == "number"
    call(st, "set_value", a, "abc")
    call(st, "set_op", a, "between")  # number -> number range keeps what was typed
    assert (conds(st)[0].kind, conds(st)[0].value) == ("number_range", "abc")
    call(st, "set_value2", a, "30")
    assert call(st, "apply_builder") is None
    assert conds(st)[0].error == "This is not a number."
    call(st, "set_value", a, "18")
    call(st, "add_condition")
    b = conds(st)[1].id
    call(st, "set_field", b, "last_channel")
    call(st, "set_value", b, "telegram")
    call(st, "toggle_join", b)
    assert st.meaning == "Age between 18 and 30 OR last channel is Telegram"
    result = call(st, "apply_builder")
    assert "apply_filter" in repr(result)
    inbox_st = _state(InboxState, token)
    url = filters.to_url({"join": "or", "conditions": [
        {"field": "var:age", "op": "between", "value": [18, 30]},
        {"field": "last_channel", "op": "equals", "value": "telegram"}]})
    assert url in repr(result)
    call(inbox_st, "apply_filter", url)
    assert inbox_st.filter_count == 2
    assert inbox_st.filter_text == "Age between 18 and 30 OR last channel is Telegram"


def test_builder_reads_days_in_the_operators_time_zone(token):
    st = _state(FilterBuilderState, token)
    st.tz = "Europe/Moscow"
    call(st, "open_builder")
    a = conds(st)[0].id
    call(st, "set_field", a, "created_at")
    call(st, "set_op", a, "equals")
    call(st, "set_value", a, "02.03.2024")  # typed as the CRM takes it
    result = call(st, "apply_builder")
    want = {"join": "and", "conditions": [{"field": "created_at", "op": "equals", "value": "2024-03-02"}],
            "tz": "Europe/Moscow"}
    assert filters.to_url(want) in repr(result) and st.fb_error == ""
    assert filters.from_url(filters.to_url(want)) == want
def test_dates_are_typed_as_dd_mm_yyyy_whatever_the_browser_locale(token):
    """Issue 20: the native date input showed mm/dd/yyyy in an en-US Chrome while the app
    writes dd.mm.yyyy. The field is text now: digits get their dots, the filter gets ISO."""
    from messenger_app.states.filter_rows import iso_date, masked_date, shown_date

    assert [masked_date(x) for x in ("0", "01", "010", "0105", "01052024", "01.052024", "01.05.2024",
                                     "2024-05-01", "1.5.2024")] == [
        "0", "01", "01.0", "01.05", "01.05.2024", "01.05.2024", "01.05.2024", "2024-05-01", "1.5.2024"]
    assert iso_date("1.5.2024") == "2024-05-01" and iso_date("01/05/2024") == "2024-05-01"
    assert shown_date("2024-05-01") == "01.05.2024" and shown_date("2024-05-01T10:00") == "2024-05-01T10:00"

    st = _state(FilterBuilderState, token)
    st.lang = "ru"
    call(st, "open_builder")
    a = conds(st)[0].id
    call(st, "set_field", a, "created_at")
    call(st, "set_op", a, "between")
    call(st, "set_value", a, "01052024")
    call(st, "set_value2", a, "31.05.2024")
    assert (conds(st)[0].value, conds(st)[0].value2) == ("01.05.2024", "31.05.2024")  # as shown
    result = call(st, "apply_builder")
    want = filters.validate({"join": "and", "conditions": [
        {"field": "created_at", "op": "between", "value": ["2024-05-01", "2024-05-31"]}]})
    assert filters.to_url(want) in repr(result) and st.fb_error == ""

    # reopened from the URL: shown as dd.mm.yyyy again
    inbox_st = _state(InboxState, token)
    call(inbox_st, "apply_filter", filters.to_url(want))
    st2 = _state(FilterBuilderState, token)
    st2.filter_url = inbox_st.filter_url
    call(st2, "open_builder")
    assert (conds(st2)[0].value, conds(st2)[0].value2) == ("01.05.2024", "31.05.2024")

    # half-typed or impossible dates: the inline error says the format, nothing applied
    st3 = _state(FilterBuilderState, token)
    st3.lang = "ru"
    call(st3, "open_builder")
    b = conds(st3)[0].id
    call(st3, "set_field", b, "last_message_at")
    call(st3, "set_op", b, "after")
    for bad in ("01.05", "31.02.2024"):
        call(st3, "set_value", b, bad)
        assert call(st3, "apply_builder") is None
        assert conds(st3)[0].error == "Введите дату в виде дд.мм.гггг."
