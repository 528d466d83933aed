"""One delta for the tabs a live digest changes in the same way (states/live_delta.py): each
tab is sent exactly the frame Reflex would have made for it, the tabs after the first with
the same view get the first one's delta and text, and a tab with another view, another
time zone, or one that moved on to the next digest meanwhile, gets its own."""

import asyncio

import pytest
import socketio.packet
from reflex.state import State, StateUpdate
from reflex_base.event.context import EventContext

from messenger_app.lib import frame_json
from messenger_app.services import auth, widget
from messenger_app.states import inbox_live, live_delta
from messenger_app.states.inbox import InboxState
from messenger_app.states.inbox_views import DialogListState
from messenger_app.states.live import Digest
from tests.sessions import sign_in


@pytest.fixture(autouse=True)
def frames():
    frame_json.install()  # as the app does (messenger_app.py): frames written by orjson
    assert frame_json.installed()


@pytest.fixture
def token(data_dir):
    auth.create_operator("op", "password-123")
    return auth.login("op", "password-123")


def _tab(token, view="all", tz=""):
    root = State(_reflex_internal_init=True)
    st = root.get_substate(InboxState.get_full_name().split(".")[1:])
    sign_in(st, token)
    if tz:
        st.tz = tz
    asyncio.run(InboxState.event_handlers["set_view"].fn(st, view))
    asyncio.run(root._get_resolved_delta())
    root._clean()
    return root, st


def _frame(delta) -> str:
    """The Socket.IO frame a delta goes out as (what the browser receives)."""
    pkt = socketio.packet.Packet(socketio.packet.EVENT, namespace="/_event",
                                 data=["event", StateUpdate(delta=delta)])
    return pkt.encode()


def _take(st, digest: Digest, share: bool):
    """What InboxState.listen does with a digest, under the tab's lock; the frame sent."""
    sent = []

    async def emit(_token, delta):
        sent.append(delta)

    async def go():
        up = await inbox_live.read(st._live_snapshot(), digest)
        st._live_apply(up)
        st._announce_unread(digest.events)
        if share:
            ctx = EventContext(token="t", state_manager=None, enqueue_impl=None,
                               emit_delta_impl=emit)
            with ctx:
                return await live_delta.send(st, digest.deltas)
        root = st._get_root_state()  # Reflex's own way (the StateProxy's exit)
        sent.append(await root._get_resolved_delta())
        root._clean()

    shared = asyncio.run(go())
    assert len(sent) == 1
    return _frame(sent[0]), shared


def _inbound(text: str) -> dict:
    vis = widget.new_visitor()
    got = widget.send(vis, text)
    return {"kind": "dialog", "dialog_id": got.dialog_id, "contact_id": got.contact_id,
            "reason": "inbound", "message_id": got.message_id}


def test_tabs_with_the_same_view_get_one_delta_and_each_the_frame_reflex_would_make(token):
    _inbound("first client")
    tabs = [_tab(token) for _ in range(3)]
    control = _tab(token)  # the same view, sent the usual way
    digest = Digest([_inbound("a new client")])
    got = [_take(st, digest, share=True) for _, st in tabs]
    want, _ = _take(control[1], digest, share=False)
    assert [shared for _, shared in got] == [False, True, True]
    assert all(frame == want for frame, _ in got)
    assert "a new client" in want and DialogListState.get_full_name() in want
    assert len(digest.deltas) == 1
    # a tab sent the shared delta still computes its own vars when they are read
    for _, st in tabs:
        rows = st.substates[DialogListState.get_name()].rows
        assert [r.preview for r in rows][:2] == ["a new client", "first client"]
        assert not st._get_root_state().dirty_substates  # nothing left to send again


def test_a_tab_with_another_view_or_time_zone_gets_its_own_delta(token):
    _inbound("first client")
    same, other_zone, unread = _tab(token), _tab(token, tz="Asia/Tokyo"), _tab(token, "unread")
    controls = [_tab(token), _tab(token, tz="Asia/Tokyo"), _tab(token, "unread")]
    digest = Digest([_inbound("someone new")])
    got = [_take(st, digest, share=True) for _, st in (same, other_zone, unread)]
    want = [_take(st, digest, share=False)[0] for _, st in controls]
    assert [shared for _, shared in got] == [False, False, False]
    assert [frame for frame, _ in got] == want
    assert want[0] != want[1]  # the time shown differs by zone


def test_a_tab_that_moved_on_cannot_change_what_the_others_are_sent(token):
    _inbound("first client")
    ahead, behind = _tab(token), _tab(token)
    control = _tab(token)
    first = Digest([_inbound("client two")])
    _take(ahead[1], first, share=True)
    _take(ahead[1], Digest([_inbound("client three")]), share=True)  # its rows changed in place
    frame, shared = _take(behind[1], first, share=True)
    want, _ = _take(control[1], first, share=False)
    assert shared and frame == want and "client three" not in frame


def test_values_of_other_types_are_not_the_same_delta():
    assert not live_delta._same(1, True) and not live_delta._same([1], [True])
    assert live_delta._same([{"a": 1}], [{"a": 1}]) and not live_delta._same({"a": 1}, {"b": 1})
