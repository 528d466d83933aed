"""WCAG 4.1.3 in the inbox state: new unread messages of another dialog are announced
politely, once per burst; the open dialog's own messages are not (its thread is a live log).
The list's one tab stop (roving tabindex) is the open dialog's row, else the first."""

import asyncio
import inspect

import pytest
from reflex.state import State

from messenger_app.services import auth, widget
from messenger_app.states import inbox as inbox_state
from messenger_app.states import inbox_live
from messenger_app.states.inbox import ANNOUNCE_QUIET, InboxState
from messenger_app.states.inbox_views import AnnounceState, DialogListState
from messenger_app.states.live import Digest
from tests.sessions import sign_in


@pytest.fixture
def inbox(data_dir):
    auth.create_operator("op", "password-123")
    root = State(_reflex_internal_init=True)
    st = root.get_substate(InboxState.get_full_name().split(".")[1:])
    sign_in(st, auth.login("op", "password-123"))
    return st


def call(st, name, *args):
    result = InboxState.event_handlers[name].fn(st, *args)
    return asyncio.run(result) if inspect.isawaitable(result) else result


def live(st, batch):
    """What the tab's listener does with these events (InboxState.listen): read once, apply,
    announce."""
    async def go():
        update = await inbox_live.read(st._live_snapshot(), Digest(batch))
        st._live_apply(update)
        st._announce_unread(batch)
    asyncio.run(go())


def inbound(dialog_id):
    return {"kind": "dialog", "dialog_id": dialog_id, "reason": "inbound"}


def test_new_unread_messages_are_announced_once_per_burst(inbox, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(inbox_state.time, "monotonic", lambda: clock[0])
    a, b = widget.new_visitor(), widget.new_visitor()
    got_a = widget.send(a, "first visitor")
    got_b = widget.send(b, "second visitor")
    call(inbox, "set_view", "all")
    call(inbox, "open_dialog", str(got_a.dialog_id))
    name_b = next(r.name for r in inbox._rows if r.id == str(got_b.dialog_id))

    widget.send(b, "hello?")
    live(inbox, [inbound(got_b.dialog_id)])
    assert inbox._announcement == f"New unread messages from {name_b}"
    assert inbox.substates[AnnounceState.get_name()].announcement == inbox._announcement

    inbox._announcement = ""
    clock[0] += 5  # the burst goes on: not announced again
    widget.send(b, "anyone there?")
    live(inbox, [inbound(got_b.dialog_id), inbound(got_b.dialog_id)])
    assert inbox._announcement == ""

    widget.send(a, "in the open dialog")  # read in the thread (role=log), not announced here
    live(inbox, [inbound(got_a.dialog_id)])
    assert inbox._announcement == ""

    clock[0] += ANNOUNCE_QUIET + 1  # later: a new burst is announced, in the operator's language
    inbox.lang = "ru"
    widget.send(b, "still here")
    live(inbox, [inbound(got_b.dialog_id)])
    assert inbox._announcement == f"Новые непрочитанные сообщения от {name_b}"


def test_the_list_has_one_tab_stop_on_the_open_row_or_the_first(inbox):
    a, b = widget.new_visitor(), widget.new_visitor()
    got_a = widget.send(a, "first")
    got_b = widget.send(b, "second")
    call(inbox, "set_view", "all")
    shown = inbox.substates[DialogListState.get_name()]  # what the list renders from
    assert shown.roving_row == shown.rows[0].id == str(got_b.dialog_id)  # newest first
    call(inbox, "open_dialog", str(got_a.dialog_id))
    assert shown.roving_row == str(got_a.dialog_id)
    call(inbox, "close_dialog")
    assert shown.roving_row == str(got_b.dialog_id)
