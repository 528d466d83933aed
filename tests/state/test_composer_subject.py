"""The composer offers a subject on an e-mail route: the operator starts a new thread with
it; left empty, the reply keeps "Re: " the conversation's subject (issue 18)."""

import asyncio

from reflex.state import State

from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Channel, Message
from messenger_app.services import auth, inbox
from messenger_app.states.composer import ComposerState
from messenger_app.states.composer_view import ComposerViewState
from messenger_app.states.inbox import InboxState
from tests.sessions import sign_in


def _call(st, cls, name, *args):
    result = cls.event_handlers[name].fn(st, *args)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result


def test_subject_on_an_email_route(data_dir):
    with db.session() as s:
        ch = Channel(kind="email", name="mail", config={"smtp_host": "127.0.0.1"})
        s.add(ch)
        s.commit()
        ch_id = ch.id
    got = inbox.receive(ch_id, "email", InboundMessage(
        external_id="m1@example.org", identity_external_id="ann@example.org", text="hi",
        subject="Order status"))
    auth.create_operator("op", "password-123", display_name="Olga")
    root = State(_reflex_internal_init=True)
    st = root.get_substate(ComposerViewState.get_full_name().split(".")[1:])
    sign_in(st, auth.login("op", "password-123"))
    _call(st, InboxState, "open_dialog", str(got.dialog_id))
    assert st.route_has_subject

    _call(st, ComposerState, "send", {"text": "Your parcel left", "subject": ""})
    _call(st, ComposerState, "send", {"text": "A winter offer", "subject": "  Winter   sale "})
    with db.session() as s:
        subjects = [m.subject for m in s.query(Message).filter(Message.direction == "out")
                    .order_by(Message.id)]
    assert subjects == ["Re: Order status", "Winter sale"]
    assert [m.subject for m in st._messages()][-2:] == ["Re: Order status", "Winter sale"]

    _call(st, ComposerState, "toggle_note")
    assert not st.route_has_subject  # a note has no subject
