"""The composer offers files only where the chosen route can carry them (C7 style): for an
SMS route the paperclip is disabled with the reason, a drop is refused with it, and files
attached before switching to SMS are refused at send with the reason (nothing is queued)."""

from messenger_app.channels.base import InboundMessage
from messenger_app.services import auth, channels, inbox, outbox
from messenger_app.states.composer import ComposerState
from messenger_app.states.composer_view import ComposerViewState
from messenger_app.states.inbox import InboxState
from tests.fakes.telegram_server import make_png
from tests.state.test_composer_state import _call, _state, _upload

PNG = make_png(8, 6)


def _client_on_telegram_and_sms():
    tg = channels.add_telegram("123456:" + "A" * 30, base_url="http://127.0.0.1:9")
    sms = channels.add("sms", "SMS gateway", config={"send_url": "http://127.0.0.1:9/send"})
    got = inbox.receive(tg.id, "telegram", InboundMessage(
        external_id="77:1", identity_external_id="77", text="hi", first_name="Ann",
        phone="+79991234567"))
    inbox.receive(sms.id, "sms", InboundMessage(external_id="s1", identity_external_id="79991234567",
                                                text="me again", phone="+79991234567"))
    return got.dialog_id


def _route(st, kind):
    return next(r.id for r in st._routes if r.kind == kind)


def test_sms_route_disables_the_paperclip_with_the_reason_in_both_languages(data_dir):
    did = _client_on_telegram_and_sms()
    auth.create_operator("op", "password-123")
    st = _state(ComposerViewState, auth.login("op", "password-123"))
    _call(st, InboxState, "open_dialog", str(did))
    assert {r.kind for r in st._routes} == {"telegram", "sms"}
    _call(st, InboxState, "set_route", _route(st, "telegram"))
    assert st.attach_block == ""
    _call(st, InboxState, "set_route", _route(st, "sms"))
    assert st.attach_block == "SMS cannot carry files"
    st.lang = "ru"
    assert st.attach_block == "SMS не передаёт файлы"
    st.lang = "en"
    # a file dropped onto the dialog anyway is refused with the reason, nothing is stored
    _call(st, ComposerState, "upload", [_upload("pic.png", PNG, "image/png")])
    assert st._composer_error == "SMS cannot carry files" and st.pending == []


def test_files_attached_then_route_switched_to_sms_are_refused_with_the_reason(data_dir):
    did = _client_on_telegram_and_sms()
    auth.create_operator("op", "password-123")
    st = _state(ComposerViewState, auth.login("op", "password-123"))
    _call(st, InboxState, "open_dialog", str(did))
    _call(st, InboxState, "set_route", _route(st, "telegram"))
    _call(st, ComposerState, "upload", [_upload("pic.png", PNG, "image/png")])
    assert [p["name"] for p in st.pending] == ["pic.png"] and st.route_refusal == ""
    _call(st, InboxState, "set_route", _route(st, "sms"))
    assert st.route_refusal == ("SMS cannot carry files: remove the files or choose another "
                                "channel")
    before = len(st._messages())
    _call(st, ComposerState, "send", {"text": "the photo"})
    assert st._composer_error == st.route_refusal
    assert outbox.due() == [] and len(st._messages()) == before
    assert [p["name"] for p in st.pending] == ["pic.png"]  # kept: switch back and send
    # a note carries no files either way, so the route's refusal does not apply to it
    _call(st, ComposerState, "toggle_note")
    assert st.route_refusal == ""
