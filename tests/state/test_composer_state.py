"""ComposerState with a valid session: notes (X8), files per dialog (C5), templates (C5/C6),
the detail modal (C4), search and jump (X4); TemplatesState CRUD (C6)."""

import asyncio
import io
from pathlib import Path

from reflex.state import State
from starlette.datastructures import Headers

import reflex as rx
from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Message
from messenger_app.services import (attachments, auth, channels, dialog_list, inbox, outbox,
                                    templates, widget)
from messenger_app.states.composer import ComposerState
from messenger_app.states.composer_view import ComposerViewState
from messenger_app.states.inbox import InboxState
from messenger_app.states.templates import TemplatesState
from tests.sessions import sign_in
from tests.fakes.telegram_server import make_png

PNG = make_png(8, 6)


def _state(cls, token):
    root = State(_reflex_internal_init=True)
    st = root.get_substate(cls.get_full_name().split(".")[1:])
    sign_in(st, token)
    return st


def _call(st, cls, name, *args):
    result = cls.event_handlers[name].fn(st, *args)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result


def _upload(name: str, data: bytes, ctype: str = "") -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data),
                         headers=Headers({"content-type": ctype} if ctype else {}))


def _session(data_dir):
    op = auth.create_operator("op", "password-123", display_name="Olga")
    return op, auth.login("op", "password-123")


def test_note_is_stored_never_queued_and_leaves_the_list_alone(data_dir):
    got = widget.send(widget.new_visitor(), "hello")
    _, token = _session(data_dir)
    st = _state(ComposerState, token)
    _call(st, InboxState, "open_dialog", str(got.dialog_id))
    _call(st, ComposerState, "toggle_note")
    assert st.note_mode
    _call(st, ComposerState, "send", {"text": "call back after 6"})
    assert [(m.dir, m.text, m.sender) for m in st._messages()][-1] == ("note", "call back after 6", "Olga")
    assert outbox.due() == []
    assert dialog_list.row(got.dialog_id).preview == "hello"
    _call(st, ComposerState, "toggle_note")
    _call(st, ComposerState, "send", {"text": "real answer"})
    assert st._messages()[-1].dir == "out" and len(outbox.due()) == 1


def test_files_are_pending_per_dialog_removable_and_sent(data_dir):
    a = widget.send(widget.new_visitor(), "dialog a")
    b = widget.send(widget.new_visitor(), "dialog b")
    _, token = _session(data_dir)
    st = _state(ComposerViewState, token)  # what it shows
    _call(st, InboxState, "open_dialog", str(a.dialog_id))
    _call(st, ComposerState, "upload", [_upload("pic.png", PNG, "image/png"),
                                        _upload("doc.txt", b"plain text", "text/plain")])
    assert [(p["name"], p["media"]) for p in st.pending] == [("pic.png", "img"), ("doc.txt", "")]
    assert st._composer_error == ""
    txt_path = attachments.local_path({"url": st.pending[1]["url"]})
    _call(st, ComposerState, "remove_attachment", st.pending[1]["url"])
    assert [p["name"] for p in st.pending] == ["pic.png"] and not txt_path.exists()
    # another dialog has its own (empty) list; back again, the file is still there
    _call(st, InboxState, "open_dialog", str(b.dialog_id))
    assert st.pending == []
    _call(st, InboxState, "open_dialog", str(a.dialog_id))
    assert [p["name"] for p in st.pending] == ["pic.png"]
    # a note cannot carry files
    _call(st, ComposerState, "toggle_note")
    _call(st, ComposerState, "send", {"text": "note"})
    assert "files" in st._composer_error
    _call(st, ComposerState, "toggle_note")
    _call(st, ComposerState, "send", {"text": ""})  # files alone may be sent
    assert st.pending == [] and st._composer_error == ""
    last = st._messages()[-1]
    atts = last.atts
    assert last.dir == "out" and atts[0].name == "pic.png" and atts[0].media == "img"
    with db.session() as s:
        m = s.get(Message, int(last.id))
        assert m.attachments[0]["mime_type"] == "image/png" and m.status == "queued"
    # too big: refused with the reason, nothing pending
    _call(st, ComposerState, "upload", [_upload("big.bin", b"\0" * (attachments.MAX_UPLOAD + 1))])
    assert "too big" in st._composer_error and st.pending == []
    # the browser's own refusal is shown too
    _call(st, ComposerState, "rejected", [{"name": "huge.mov", "size": 1, "codes": ["file-too-large"]}])
    assert st._composer_error.startswith("huge.mov: too big")


def test_template_is_rendered_for_the_client_with_a_warning(data_dir):
    got = widget.send(widget.new_visitor(), "hi", name="Anna")
    _, token = _session(data_dir)
    t = templates.create("Greeting", "Hello {first_name}! Code {promo}")
    st = _state(ComposerState, token)
    _call(st, InboxState, "open_dialog", str(got.dialog_id))
    _call(st, ComposerState, "set_tpl_open", True)
    assert [i["title"] for i in st.tpl_items] == ["Greeting"]
    _call(st, ComposerState, "set_tpl_query", "nothing like it")
    assert st.tpl_items == []
    result = _call(st, ComposerState, "use_template", str(t.id))
    assert "Hello Anna! Code {promo}" in repr(result)
    assert "{promo}" in st.warning and not st.tpl_open
    assert _call(st, ComposerState, "use_template", "999") is None


def test_detail_search_and_jump(data_dir):
    vis = widget.new_visitor()
    first = widget.send(vis, "the parcel number is zx81")
    ch = channels.widget_channel()
    for i in range(60):  # more than a page: the found message is not loaded at first
        inbox.receive(ch.id, "widget", InboundMessage(
            external_id=f"w{i}", identity_external_id=widget.visitor_id(vis), text=f"filler {i}"))
    _, token = _session(data_dir)
    st = _state(ComposerState, token)
    _call(st, InboxState, "open_dialog", str(first.dialog_id))
    assert len(st._messages()) == 50 and st._messages()[0].id != str(first.message_id)
    _call(st, ComposerState, "open_detail", str(first.message_id))
    assert st.detail_open and st.detail["id"] == str(first.message_id)
    assert st.detail["channel"] == "widget" and st.detail["dir"] == "in"
    _call(st, ComposerState, "toggle_search")
    _call(st, ComposerState, "set_msg_query", "parcel zx")
    assert [h.id for h in st.hits] == [str(first.message_id)]
    assert [s.text for s in st.hits[0].segments if s.mark] == ["parcel", "zx81"]
    result = _call(st, ComposerState, "jump", str(first.message_id))
    assert f"__msgJumpTo({first.message_id})" in repr(result)
    assert st._messages()[0].id == str(first.message_id) and len(st._messages()) == 61
    assert _call(st, ComposerState, "jump", "987654") is None


def test_templates_page_crud(data_dir):
    _, token = _session(data_dir)
    st = _state(TemplatesState, token)
    _call(st, TemplatesState, "on_load")
    assert st.items == [] and {"key": "first_name", "label": "first_name"} in st.placeholders
    _call(st, TemplatesState, "new")
    _call(st, TemplatesState, "save", {"title": "", "body": "x"})
    assert "title" in st.error and st.edit_open
    _call(st, TemplatesState, "save", {"title": "Hi", "body": "Hello {first_name} {nope}"})
    assert not st.edit_open and [i["title"] for i in st.items] == ["Hi"]
    assert "{nope}" in st.notice
    tid = st.items[0]["id"]
    _call(st, TemplatesState, "edit", tid)
    assert st.edit_body == "Hello {first_name} {nope}"
    _call(st, TemplatesState, "save", {"title": "Hi there", "body": "Hello"})
    assert [i["title"] for i in st.items] == ["Hi there"] and st.notice == ""
    _call(st, TemplatesState, "ask_delete", tid)
    assert st.confirm_title == "Hi there"
    _call(st, TemplatesState, "delete")
    assert st.items == [] and templates.get(int(tid)) is None
