"""Older pages of the open dialog (flat paging): each page loaded goes to a var of its own
(ThreadState.older_k), so the tab is sent that page alone, never what it already shows; day
separators stay right across the pages; a retried message in an older page is re-read there."""

import asyncio
import inspect
from datetime import timedelta

from reflex.state import State
from sqlmodel import select

from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.clock import utcnow
from messenger_app.models import Message
from messenger_app.services import auth, channels, inbox, widget
from messenger_app.states.inbox import OLDER_SLOTS, InboxState
from messenger_app.states.inbox_views import DialogListState, ThreadState
from messenger_app.states.rows import MessageItem
from tests.sessions import sign_in


def _tab(data_dir):
    auth.create_operator("op", "password-123")
    root = State(_reflex_internal_init=True)
    st = root.get_substate(InboxState.get_full_name().split(".")[1:])
    sign_in(st, auth.login("op", "password-123"))
    return root, st


def call(st, name, *args):
    result = InboxState.event_handlers[name].fn(st, *args)
    return asyncio.run(result) if inspect.isawaitable(result) else result


def _dialog(n: int, old: int = 0) -> tuple[int, list[int]]:
    """A widget dialog of n messages; the first `old` of them two days ago."""
    vis = widget.new_visitor()
    first = widget.send(vis, "message 0")
    ch = channels.widget_channel()
    for i in range(1, n):
        inbox.receive(ch.id, "widget", InboundMessage(
            external_id=f"{first.dialog_id}-{i}", identity_external_id=widget.visitor_id(vis), text=f"message {i}"))
    with db.session() as s:
        msgs = s.exec(select(Message).where(Message.dialog_id == first.dialog_id)
                      .order_by(Message.id)).all()
        for m in msgs[:old]:
            m.created_at = utcnow() - timedelta(days=2)
            s.add(m)
        s.commit()
        return first.dialog_id, [m.id for m in msgs]


def _delivered(root) -> dict:
    """The delta as the app sends it after an event (reflex/app.py: _get_resolved_delta; an
    uncached computed var goes only when its value changed for the tab), then cleaned."""
    delta = asyncio.run(root._get_resolved_delta())
    root._clean()
    return delta


def _sent_messages(delta: dict) -> int:
    return sum(len(v) for part in delta.values() for v in part.values()
               if isinstance(v, list) and v and isinstance(v[0], MessageItem))


def test_an_older_page_is_sent_alone_and_days_stay_right(data_dir):
    did, ids = _dialog(130, old=30)
    root, st = _tab(data_dir)
    thread = st.substates[ThreadState.get_name()]
    call(st, "open_dialog", str(did))
    assert [m.id for m in thread.msgs] == [str(i) for i in ids[80:]] and thread.has_older
    _delivered(root)  # the event before: sent, as the app does

    call(st, "load_older")
    delta = _delivered(root)
    # only the thread's part: the page in its own slot, the heads, not the shown messages
    assert set(delta) == {ThreadState.get_full_name()}
    sent = {k.removesuffix("_rx_state_") for k in delta[ThreadState.get_full_name()]}
    assert "older_0" in sent and "msgs" not in sent and _sent_messages(delta) == 50
    assert [m.id for m in thread.older_0] == [str(i) for i in ids[30:80]]
    _delivered(root)  # the event before: sent, as the app does

    call(st, "load_older")
    delta = _delivered(root)
    assert _sent_messages(delta) == 30 and not thread.has_older
    assert [m.id for m in st._messages()] == [str(i) for i in ids]
    # the newest page goes on the day of the page above it; the first page of today starts
    # a day (the page above ended two days ago); the oldest page starts one too
    assert thread.heads[:3] == [False, True, True]
    _delivered(root)  # the event before: sent, as the app does
    assert call(st, "load_older") is None and _sent_messages(_delivered(root)) == 0


def test_pages_beyond_the_slots_join_the_oldest_and_a_new_dialog_clears_them(data_dir):
    did, ids = _dialog(50 * (OLDER_SLOTS + 2))
    other, _ = _dialog(3)
    root, st = _tab(data_dir)
    thread = st.substates[ThreadState.get_name()]
    call(st, "open_dialog", str(did))
    for _ in range(OLDER_SLOTS + 1):
        call(st, "load_older")
    assert [m.id for m in st._messages()] == [str(i) for i in ids]
    assert len(getattr(thread, f"older_{OLDER_SLOTS - 1}")) == 100 and not thread.has_older
    call(st, "open_dialog", str(other))
    assert len(st._messages()) == 3 and all(not getattr(thread, f"older_{k}")
                                            for k in range(OLDER_SLOTS))
    assert thread.heads[0] is True


def test_a_retry_in_an_older_page_is_read_again_there(data_dir, monkeypatch):
    did, ids = _dialog(80)
    root, st = _tab(data_dir)
    call(st, "open_dialog", str(did))
    call(st, "load_older")
    retried = []
    monkeypatch.setattr("messenger_app.services.outbox.retry", lambda mid: retried.append(mid))
    with db.session() as s:  # as if its status changed since it was shown
        m = s.get(Message, ids[5])
        m.text = "edited"
        s.add(m)
        s.commit()
    _delivered(root)  # the event before: sent, as the app does
    call(st, "retry", str(ids[5]))
    assert retried == [ids[5]]
    assert st._older_0[5].text == "edited" and _sent_messages(_delivered(root)) == 30
    assert call(st, "retry", "x1") is None and retried == [ids[5]]


def test_a_list_change_is_sent_in_the_list_part_only(data_dir):
    did, _ = _dialog(2)
    root, st = _tab(data_dir)
    call(st, "set_view", "all")
    _delivered(root)  # the event before: sent, as the app does
    st._update_row(did, None)
    delta = _delivered(root)
    assert set(delta) == {DialogListState.get_full_name()}
    assert st.substates[DialogListState.get_name()].rows == []
