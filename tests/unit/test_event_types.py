"""Typed events (services/event_types.py) and the unit of work that sends them after commit
(services/events.py on_commit): what the listeners receive, and when."""

import asyncio
import dataclasses
import json

import pytest
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Dialog, Folder
from messenger_app.services import event_types as et
from messenger_app.services import events, folders, inbox
from messenger_app.services.events import Bus
from tests import factories
from tests.services import RedisServer

SAMPLES = [
    et.DialogChanged(dialog_id=1, contact_id=2, reason="inbound", message_id=3),
    et.DialogChanged(dialog_id=1, contact_id=2, reason="card", bot_paused=False, by="bot"),
    et.DialogChanged(dialog_id=1, contact_id=2, reason="inbound", message_id=3, handover=True),
    et.DialogChanged(dialog_id=1, contact_id=2, reason="card", field="city"),
    et.DialogChanged(dialog_id=1, contact_id=2, reason="card", created=True),
    et.MessageChanged(dialog_id=1, contact_id=2, message_id=3, status="sent"),
    et.MessageChanged(dialog_id=1, contact_id=2, message_id=3, reason="media"),
    et.OutboxQueued(channel_id=None),
    et.OutboxQueued(channel_id=4, message_id=5),
    et.FoldersChanged(),
    et.FoldersChanged(folder_id=1, action="created"),
    et.FoldersChanged(contact_id=2, action="membership"),
    et.ChannelsChanged(channel_id=3),
    et.TemplatesChanged(template_id=1, reason="deleted"),
    et.JobsQueued(),
    et.MailingChanged(mailing_id=7),
    et.MailingFeedChanged(),
    et.Tag2OptionsChanged(reason="added"),
    et.DialogsBulkChanged(reason="import", created=3, updated=1),
    et.DialogsBulkChanged(reason="tag2"),
    et.CrmFieldsChanged(reason="created", key="city"),
    et.CrmFieldsChanged(reason="reordered"),
    et.PushSubscriptionsChanged(),
    et.Resync(),
]


def test_every_kind_has_a_sample_and_a_unique_name():
    assert {type(e) for e in SAMPLES} == set(et.KINDS.values())
    assert len(et.KINDS) == len({cls.kind for cls in et.KINDS.values()})


@pytest.mark.parametrize("ev", SAMPLES, ids=lambda e: f"{e.kind}-{sorted(e.wire())}")
def test_every_kind_round_trips_through_the_wire_dict(ev):
    wire = ev.wire()
    assert wire["kind"] == ev.kind
    assert et.from_wire(json.loads(json.dumps(wire))) == ev


def test_the_wire_dict_is_what_listeners_read_today():
    """Optional fields left at None are not sent; required ones always are (even None)."""
    assert et.FoldersChanged().wire() == {"kind": "folders"}
    assert et.OutboxQueued(channel_id=None).wire() == {"kind": "outbox", "channel_id": None}
    assert et.DialogChanged(dialog_id=1, contact_id=2, reason="card", bot_paused=False).wire() == {
        "kind": "dialog", "dialog_id": 1, "contact_id": 2, "reason": "card", "bot_paused": False}


def test_unknown_or_missing_fields_are_a_type_error_where_the_event_is_built():
    with pytest.raises(TypeError):
        et.DialogChanged(dialog_id=1, contact_id=2, reason="read", colour="red")
    with pytest.raises(TypeError):
        et.DialogChanged(dialog_id=1, reason="read")
    with pytest.raises(TypeError):
        et.from_wire({"kind": "templates", "template_id": 1})
    with pytest.raises(KeyError):
        et.from_wire({"kind": "no_such_kind"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        et.JobsQueued().kind = "x"


def test_every_kind_round_trips_through_redis(tmp_path):
    server = RedisServer(tmp_path)
    sender, receiver = Bus(server.url), Bus(server.url)

    async def scenario():
        q = await receiver.subscribe()
        assert receiver.subscribed.is_set()
        for ev in SAMPLES:
            sender.send(ev.wire())
        got = [await asyncio.wait_for(q.get(), 5) for _ in SAMPLES]
        receiver._listener.cancel()
        return got

    try:
        got = asyncio.run(scenario())
    finally:
        server.stop()
    assert [et.from_wire(g) for g in got] == SAMPLES


def test_events_go_out_after_the_commit_in_order(data_dir, published):
    with db.session() as s:
        d = s.exec(select(Dialog)).first()
        events.on_commit(s, et.FoldersChanged(action="reordered"), et.JobsQueued())
        assert published == []  # nothing before the commit
        s.commit()
    assert published == [{"kind": "folders", "action": "reordered"}, {"kind": "jobs"}]
    assert d is None


def test_a_rolled_back_write_sends_nothing(data_dir, published):
    with db.session() as s:
        s.add(Folder(name="Leads", position=1))
        events.on_commit(s, et.FoldersChanged(action="created"))
        s.rollback()
    with db.session() as s:  # closed without commit
        s.add(Folder(name="Leads", position=1))
        events.on_commit(s, et.FoldersChanged(action="created"))
    assert published == []
    with db.session() as s:  # the session is reused after a rollback: only later events go
        s.add(Folder(name="Leads", position=1))
        events.on_commit(s, et.FoldersChanged(action="created"))
        s.rollback()
        s.add(Folder(name="Hot", position=2))
        events.on_commit(s, et.FoldersChanged(action="renamed"))
        s.commit()
    assert published == [{"kind": "folders", "action": "renamed"}]
    assert [f.name for f in folders.list_folders()] == ["Hot"]


def test_a_failed_service_write_sends_nothing(data_dir, published):
    folders.create("Leads")
    published.clear()
    with pytest.raises(folders.FolderError):
        folders.create("leads")  # the name is taken: refused before anything is written
    with pytest.raises(Exception):
        folders.set_contact_folders(10**9, [])  # no such client
    assert published == []


def test_a_savepoint_rolled_back_drops_only_its_events(data_dir, published):
    with db.session() as s:
        s.add(Folder(name="Outer", position=1))
        events.on_commit(s, et.FoldersChanged(action="created", folder_id=1))
        sp = s.begin_nested()
        events.on_commit(s, et.FoldersChanged(action="created", folder_id=2))
        sp.rollback()
        with s.begin_nested():
            events.on_commit(s, et.FoldersChanged(action="created", folder_id=3))
        assert published == []  # a released savepoint is not a commit
        s.commit()
    assert [e["folder_id"] for e in published] == [1, 3]


def test_on_commit_needs_a_transaction_and_an_event(data_dir):
    with db.session() as s:
        with pytest.raises(RuntimeError):
            events.on_commit(s, et.JobsQueued())  # nothing begun: nothing to commit with
        s.exec(select(Folder)).all()
        with pytest.raises(TypeError):
            events.on_commit(s, {"kind": "jobs"})


def test_a_failing_listener_does_not_undo_the_commit(data_dir, monkeypatch):
    def broken(wire):
        raise RuntimeError("bus exploded")

    monkeypatch.setattr(events, "deliver", broken)
    folder = folders.create("Leads")  # no exception: the write stands
    assert folders.get(folder.id).name == "Leads"


def test_a_service_write_reaches_a_subscriber_of_the_bus(data_dir):
    got = factories.dialog("hi")

    async def scenario():
        q = events.bus().subscribe()
        await asyncio.to_thread(inbox.mark_read, got.dialog_id)
        return await asyncio.wait_for(q.get(), 5)

    assert asyncio.run(scenario()) == {"kind": "dialog", "dialog_id": got.dialog_id,
                                       "contact_id": got.contact_id, "reason": "read"}


def test_events_go_out_once_the_connection_is_back_in_the_pool(data_dir, monkeypatch):
    """A slow bus (Redis) must not hold a pooled database connection."""
    held = []
    monkeypatch.setattr(events, "deliver", lambda wire: held.append(db.engine().pool.checkedout()))
    with db.session() as s:
        s.exec(select(Folder)).all()
        assert db.engine().pool.checkedout() == 1
        events.on_commit(s, et.JobsQueued())
        s.commit()
    assert held == [0]
