"""Event handlers are reachable by any websocket client: without a valid session they
change nothing and send the caller to /login. HTTP routes check the session cookie too."""

import inspect

import pytest
from reflex.state import State
from sqlmodel import func, select
from starlette.testclient import TestClient

from messenger_app import db
from messenger_app.models import Channel, Message
from messenger_app.services import auth, channels, widget
from messenger_app.states.inbox import InboxState
from messenger_app.states.merge import MergeState
from messenger_app.states.settings import SettingsState
from messenger_app.states.card import CardState
from messenger_app.states.contacts import ContactsState
from messenger_app.states.crm_settings import CrmSettingsState
from messenger_app.states.filter_builder import FilterBuilderState
from messenger_app.states.folders import FoldersState
from messenger_app.states.new_dialog import NewDialogState
from messenger_app.states.composer import ComposerState
from messenger_app.states.templates import TemplatesState
from tests.sessions import sign_in
from messenger_app.states.mailings import MailingsState
from messenger_app.states.stats import StatsState

# handlers that need no session: they only change which panel a phone shows, or log in;
# Reflex's built-in `setvar` only edits this tab's own view vars (every data handler
# re-checks the session); `listen` checks it itself and returns (tested below).
PUBLIC = {"show_panel", "toggle_expand", "set_lang", "login", "login_done", "check_login_page", "logout",
          "listen", "setvar"}
ARGS = {"open_dialog": ("1",), "set_view": ("unread",), "set_search": ("999",), "send": ({"text": "x"},),
        "retry": ("1",), "set_route": ("1",), "set_tz": ("Europe/Moscow",), "load_more": (),
        "load_older": (), "close_dialog": (), "on_load": (), "add_channel": ({"token": "1:x"},), "set_new_kind": ("vk",), "refresh": (),
        "toggle": ("1",), "set_folder": ("operator",), "apply_filter": ("",)}
# the client card, /contacts and /crm
ARGS.update({"edit": ("phone",), "save_name": ({"first_name": "A", "last_name": "B"},),
             "save_phone": ({"value": "+79991234567"},), "save_tag1": ({"value": "vip"},),
             "set_tag2": ("x",), "save_var": ({"key": "k", "value": "1"},), "set_var": ("k", "1"),
             "set_blacklisted": (True,), "toggle_folder": ("1",), "toggle_bot": (),
             "cancel_edit": (), "next_page": (), "prev_page": (), "set_new_open": (True,),
             "create_client": ({"phone": "+79991234567"},), "export_csv": (), "export_xlsx": (),
             "set_import_open": (True,), "restart_import": (), "upload_rejected": ([],),
             "handle_upload": ([],), "set_target": ("0", "phone"), "set_dedupe": ("skip",),
             "cancel_import": (), "run_import": (), "download_rejected": (),
             "set_new_type": ("select",), "create_field": ({"label": "X", "key": "x"},),
             "save_label": ({"key": "x", "value": "Y"},), "save_options": ({"key": "x", "value": "a"},),
             "move_field": ("x", 1), "ask_delete": ("field:x", "X"), "set_confirm_open": (False,),
             "confirm_delete": (), "add_option": ({"value": "x"},),
             "rename_option": ({"key": "x", "value": "y"},), "move_option": ("x", 1)})
# the left panel: folders, the filter builder, new dialog (L5-L9)
ARGS.update({"toggle_folders": (), "new_folder": (), "edit_folder": ("1",), "set_form_open": (True,),
             "set_form_push": (False,), "set_form_sound": (False,), "save_folder": ({"name": "VIP"},),
             "ask_delete_folder": (True,), "delete_folder": (), "open_builder": (),
             "set_fb_open": (True,), "add_condition": (), "add_group": (), "add_to_group": ("b1",),
             "remove_condition": ("c1",), "remove_group": ("b1",), "toggle_top_join": (),
             "set_group_join": ("b1", "or"), "toggle_join": ("c1",), "set_field": ("c1", "tag1"),
             "set_op": ("c1", "equals"), "set_value": ("c1", "x"), "set_value2": ("c1", "y"),
             "toggle_value": ("c1", "telegram"), "apply_builder": (), "reset_filter": (),
             "open_new_dialog": (), "set_nd_open": (True,), "set_nd_channel": ("0",),
             "submit_new_dialog": ({"phone": "+79991234567"},)})
# the composer, message detail, history search (C4, C5, X4, X8) and /templates (C6)
ARGS.update({"show": (), "hide": (), "search": ("Anna",), "merge_with": ("2",), "undo": (),
             "set_open": (False,)})
ARGS.update({"toggle_note": (), "upload": ([],), "rejected": ([],), "remove_attachment": ("/files/x",),
             "dismiss_warning": (), "set_tpl_open": (True,), "set_tpl_query": ("hi",),
             "use_template": ("1",), "open_detail": ("1",), "set_detail_open": (True,),
             "toggle_search": (), "close_search": (), "set_msg_query": ("hi",),
             "set_search_scope": ("all",), "jump": ("1",), "set_query": ("x",), "new": (),
             "set_edit_open": (True,), "save": ({"title": "T", "body": "B"},),
             "cancel_delete": (), "delete": ()})
# /mailings (B2)
ARGS.update({"set_channel": ("1",), "set_scenario": ("1",), "set_when": ("at",), "set_trigger": ("weekly",),
             "set_date_field": ("birthday",), "toggle_weekday": ("1",),
             "submit": ({"name": "N", "text": "T"},), "pause": (), "resume": (), "cancel": ()})
# /stats (X9)
ARGS.update({"set_range": ("7",), "apply_custom": ({"start": "2026-01-01", "end": "2026-01-02"},),
             "set_zone": ("UTC",), "set_channel": ("1",), "open_bar": ("2026-01-01", 0),
             "export": ("days",)})


def _state(cls, token=""):
    root = State(_reflex_internal_init=True)
    st = root.get_substate(cls.get_full_name().split(".")[1:])
    sign_in(st, token)
    return st


def _handlers(cls):
    return [n for n in cls.event_handlers if n not in PUBLIC]


def _is_login_redirect(result):
    text = repr(result)
    return "_redirect" in text and "/login" in text


@pytest.fixture
def widget_dialog(data_dir):
    got = widget.send(widget.new_visitor(), "hi there")
    return got


@pytest.mark.parametrize("cls", [InboxState, SettingsState, CardState, ContactsState,
                                 CrmSettingsState, FoldersState, FilterBuilderState,
                                 NewDialogState, ComposerState, TemplatesState, MergeState,
                                 MailingsState, StatsState])
@pytest.mark.parametrize("token", ["", "forged-token-value", "a" * 300])
def test_every_data_handler_refuses_without_session(cls, token, widget_dialog):
    import asyncio

    names = _handlers(cls)
    assert len(names) >= (10 if cls is InboxState else 3)
    for name in names:
        st = _state(cls, token)
        before = {k: v for k, v in st.dict()[st.get_full_name()].items()}
        fn = cls.event_handlers[name].fn
        result = fn(st, *ARGS.get(name, ()))
        if inspect.isawaitable(result):
            result = asyncio.run(result)
        assert _is_login_redirect(result), f"{cls.__name__}.{name} did not refuse"
        after = st.dict()[st.get_full_name()]
        assert after == before, f"{cls.__name__}.{name} changed state without a session"
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(Message)).one() == 1  # nothing was queued
        assert s.exec(select(func.count()).select_from(Channel)).one() == 1  # only the widget


def test_valid_session_is_accepted(widget_dialog):
    auth.create_operator("op", "password-123")
    token = auth.login("op", "password-123")
    st = _state(InboxState, token)
    import asyncio

    asyncio.run(InboxState.event_handlers["set_view"].fn(st, "all"))
    assert [r.preview for r in st._rows] == ["hi there"]

    asyncio.run(InboxState.event_handlers["open_dialog"].fn(st, str(widget_dialog.dialog_id)))
    InboxState.event_handlers["send"].fn(st, {"text": "answer"})
    assert [m.text for m in st._messages()] == ["hi there", "answer"]


def test_operator_cannot_use_admin_settings(data_dir):
    auth.create_operator("op", "password-123")
    token = auth.login("op", "password-123")
    st = _state(SettingsState, token)
    import asyncio

    result = asyncio.run(SettingsState.event_handlers["add_channel"].fn(
        st, {"token": "123456:AAbbccddeeffgghhiijjkkllmmnnoopp"}))
    assert "_redirect" in repr(result)  # an operator is sent back to the inbox
    assert [c.kind for c in channels.all_channels()] == []


def test_files_route_needs_a_session_and_stays_in_data_dir(data_dir):
    from messenger_app import api

    avatars = data_dir / "files" / "avatars"
    avatars.mkdir(parents=True)
    (avatars / "a.png").write_bytes(b"\x89PNG....")
    (data_dir / "secret.txt").write_text("do not serve")
    auth.create_operator("op", "password-123")
    token = auth.login("op", "password-123")
    client = TestClient(api.build())
    assert client.get("/files/avatars/a.png").status_code == 401
    client.cookies.set("msg_session", "forged")
    assert client.get("/files/avatars/a.png").status_code == 401
    client.cookies.set("msg_session", token)
    ok = client.get("/files/avatars/a.png")
    assert ok.status_code == 200 and ok.content.startswith(b"\x89PNG")
    assert client.get("/files/../secret.txt").status_code == 404
    assert client.get("/files/%2e%2e/secret.txt").status_code == 404
    assert client.get("/files/avatars/missing.png").status_code == 404
