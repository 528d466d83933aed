"""Live updates computed once per process (states/live.py, states/inbox_live.py): one bus
subscription, one digest per burst of events handed to every tab, the shared reads done
once however many tabs listen, and a filtered tab asking only about membership."""

import asyncio

import pytest
from reflex.state import State

from messenger_app.services import auth, dialog_list, events, folders, widget
from messenger_app.states import inbox_live, live
from messenger_app.states.inbox import InboxState
from tests.sessions import sign_in


@pytest.fixture
def token(data_dir):
    auth.create_operator("op", "password-123")
    return auth.login("op", "password-123")


def _tab(token):
    st = State(_reflex_internal_init=True).get_substate(InboxState.get_full_name().split(".")[1:])
    sign_in(st, token)
    asyncio.run(InboxState.event_handlers["set_view"].fn(st, "all"))
    return st


def _counting(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_hub_hands_one_digest_per_burst_to_every_tab(data_dir):
    async def scenario():
        hub = live.Hub(window=0.05)
        tabs = [hub.subscribe() for _ in range(3)]
        events.bus().publish("dialog", dialog_id=1, reason="inbound")
        first = [await asyncio.wait_for(t.get(), 5) for t in tabs]
        for i in range(2, 12):  # a burst: one digest for all of it
            events.bus().publish("dialog", dialog_id=i, reason="inbound")
        second = [await asyncio.wait_for(t.get(), 5) for t in tabs]
        hub.unsubscribe(tabs[0])
        events.bus().publish("dialog", dialog_id=99, reason="read")
        third = [await asyncio.wait_for(t.get(), 5) for t in tabs[1:]]
        left = [t.qsize() for t in tabs]
        hub._task.cancel()
        return first, second, third, left, hub.batches

    first, second, third, left, batches = asyncio.run(scenario())
    assert first[0] is first[1] is first[2] and first[0].touched == {1}
    assert second[0] is second[1] is second[2] and second[0].touched == set(range(2, 12))
    assert third[0] is third[1] and third[0].touched == {99}
    assert left == [0, 0, 0] and batches == 3


def test_twenty_tabs_share_one_read_of_rows_and_counters(token, monkeypatch):
    visitor = widget.new_visitor()
    got = widget.send(visitor, "hello")
    tabs = [_tab(token) for _ in range(20)]
    rows = _counting(monkeypatch, dialog_list, "rows")
    counters = _counting(monkeypatch, folders, "list_with_unread")
    widget.send(visitor, "second")
    digest = live.Digest([{"kind": "dialog", "dialog_id": got.dialog_id, "contact_id": got.contact_id,
                           "reason": "inbound", "message_id": got.message_id + 1}])

    async def all_tabs():
        ups = await asyncio.gather(*(inbox_live.read(t._live_snapshot(), digest) for t in tabs))
        for t, up in zip(tabs, ups):
            t._live_apply(up)

    asyncio.run(all_tabs())
    assert len(rows) == 1 and len(counters) == 1  # once for twenty tabs
    for t in tabs:
        assert (t._rows[0].preview, t._rows[0].unread, t._unread_total) == ("second", 2, 1)


def test_a_filtered_tab_asks_only_whether_the_changed_dialogs_belong(token, monkeypatch):
    ann = widget.send(widget.new_visitor(), "from ann", name="Ann")
    bob = widget.send(widget.new_visitor(), "from bob", name="Bob")
    plain, found = _tab(token), _tab(token)
    asyncio.run(InboxState.event_handlers["set_search"].fn(found, "Ann"))
    assert [r.name for r in found._rows] == ["Ann"] and found.found == 1
    pages = _counting(monkeypatch, dialog_list, "list_page")
    digest = live.Digest([{"kind": "dialog", "dialog_id": d.dialog_id, "reason": "inbound"}
                          for d in (ann, bob)])

    async def both():
        for t in (plain, found):
            t._live_apply(await inbox_live.read(t._live_snapshot(), digest))

    widget.send(widget.new_visitor(), "someone else", name="Carl")  # not in this digest
    asyncio.run(both())
    assert pages == []  # no page reloaded: one membership query instead
    assert [r.name for r in found._rows] == ["Ann"] and found.found == 1
    assert sorted(r.name for r in plain._rows) == ["Ann", "Bob"]


def test_a_signed_out_tab_stops_listening(token):
    tab = _tab(token)
    auth.logout(token)
    up = asyncio.run(inbox_live.read(tab._live_snapshot(), live.Digest([{"kind": "dialog",
                                                                          "dialog_id": 1}])))
    assert up is None


def test_a_ready_listener_hears_every_event_after_its_first_empty_digest(data_dir, monkeypatch):
    """live.digests(ready=True): an empty digest once subscribed (the inbox page's #msg-live
    marker), and an event published right after it reaches the listener."""
    monkeypatch.setattr(live, "_connected", lambda token: True)

    async def scenario():
        feed = live.digests("test:ready", "tok", ready=True)
        first = await asyncio.wait_for(feed.__anext__(), 5)
        events.bus().publish("dialog", dialog_id=7, reason="inbound")
        second = await asyncio.wait_for(feed.__anext__(), 5)
        await feed.aclose()
        return first, second

    first, second = asyncio.run(scenario())
    assert first.events == [] and first.subscribed and second.touched == {7}
    assert not second.subscribed


def test_a_second_ready_listener_of_a_tab_gets_the_subscribed_digest_and_ends(data_dir, monkeypatch):
    """A page loaded again in the same tab (the same client token) while its first listener
    still runs: that listener follows the tab, so the second one only says the page is live."""
    monkeypatch.setattr(live, "_connected", lambda token: True)

    async def scenario():
        async def follow():
            async for d in live.digests("test:twice", "tok", ready=True):
                if not d.subscribed:
                    return d

        first = asyncio.ensure_future(follow())
        while "test:twice" not in live._LISTENERS:
            await asyncio.sleep(0)
        second = [d async for d in live.digests("test:twice", "tok", ready=True)]
        events.bus().publish("dialog", dialog_id=8, reason="inbound")
        return second, await asyncio.wait_for(first, 5)

    second, heard = asyncio.run(scenario())
    assert [(d.events, d.subscribed) for d in second] == [([], True)]
    assert heard.touched == {8}


def test_the_hubs_clock_ticks_a_quiet_listener_and_ends_it_once_its_tab_is_gone(data_dir,
                                                                                monkeypatch):
    """One clock for every listener (Hub._tick): a quiet listener gets an empty digest on each
    tick, and ends on the first tick after its tab went away. Events between ticks still come
    as they are (a tick waiting behind them adds nothing)."""
    monkeypatch.setattr(live, "TICK", 0.02)
    connected = {"tok": True}
    monkeypatch.setattr(live, "_connected", lambda token: connected[token])

    async def scenario():
        live._hub = None  # a hub of this loop, whose clock uses the TICK above
        feed = live.digests("test:tick", "tok", ready=True)
        assert (await asyncio.wait_for(feed.__anext__(), 5)).subscribed
        quiet = await asyncio.wait_for(feed.__anext__(), 5)
        events.bus().publish("dialog", dialog_id=9, reason="inbound")
        heard = await asyncio.wait_for(feed.__anext__(), 5)
        while not heard.events:  # a tick may come first
            heard = await asyncio.wait_for(feed.__anext__(), 5)
        connected["tok"] = False
        rest = [d async for d in feed]  # ends at the next tick
        return quiet, heard, rest

    quiet, heard, rest = asyncio.run(scenario())
    assert quiet.events == [] and not quiet.subscribed
    assert heard.touched == {9}
    assert rest == [] and "test:tick" not in live._LISTENERS
