"""The pollers and the sender against the fake Telegram Bot API (real JSON shapes)."""

import asyncio

import pytest
from sqlmodel import func, select

from messenger_app import db, workers
from messenger_app.channels.telegram.adapter import TelegramChannel
from messenger_app.models import Channel, ChannelIdentity, Message
from messenger_app.services import channels, dialog_list, inbox, outbox
from tests.fakes.telegram_server import FakeTelegramServer
from tests.waits import until as _wait

TOKEN = "123456:AAbbccddeeffgghhiijjkkllmmnnoopp_qq"


@pytest.fixture
def fake():
    with FakeTelegramServer(token=TOKEN) as server:
        yield server


def _messages():
    with db.session() as s:
        return s.exec(select(Message).order_by(Message.id)).all()




def test_crash_between_store_and_cursor_replays_without_duplicates(data_dir, fake):
    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    fake.state.queue_user_message(1, "Anna", text="one")
    fake.state.queue_user_message(2, "Boris", text="two")

    async def scenario():
        adapter = TelegramChannel(TOKEN, fake.url, poll_timeout=0)
        try:
            batch, cursor = await adapter.poll(channels.get(ch.id).cursor)
            assert [m.text for m in batch] == ["one", "two"]
            for m in batch:
                inbox.receive(ch.id, "telegram", m)
            # -- the process dies here: messages committed, cursor not saved --
            stored = channels.get(ch.id).cursor
            batch2, cursor2 = await adapter.poll(stored)  # after restart: same batch again
            assert [m.text for m in batch2] == ["one", "two"]
            results = [inbox.receive(ch.id, "telegram", m) for m in batch2]
            assert not any(r.created for r in results)
            channels.save_cursor(ch.id, cursor2)
            batch3, _ = await adapter.poll(channels.get(ch.id).cursor)
            assert batch3 == []
        finally:
            await adapter.close()

    asyncio.run(scenario())
    assert [m.text for m in _messages()] == ["one", "two"]


def test_poller_stores_messages_profile_and_cursor(data_dir, fake):
    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    fake.state.queue_user_message(77, "Ivan", "Petrov", username="ivanp", text="Привет!",
                                  with_photo=True)

    async def scenario():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await _wait(lambda: len(_messages()) == 1)
            await _wait(lambda: dialog_list.list_page()[0].avatar != "")
        finally:
            await w.stop()

    asyncio.run(scenario())
    row = dialog_list.list_page()[0]
    assert row.name == "Ivan Petrov" and row.channel_kind == "telegram" and row.unread == 1
    assert row.avatar.startswith("/files/avatars/") and row.avatar.endswith(".png")
    stored = data_dir / "files" / row.avatar.removeprefix("/files/")
    assert stored.read_bytes().startswith(b"\x89PNG")
    assert int(channels.get(ch.id).cursor) > 0


def test_poller_stores_a_batch_together_and_a_refused_message_spares_the_rest(data_dir, fake):
    """One poll's messages go in one transaction; one the database refuses (a trigger here)
    is noted on the channel's health, the others are stored and the cursor moves past all
    of them (a retry could not fix it)."""
    from sqlalchemy import text

    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    with db.engine().begin() as conn:
        conn.execute(text(f"CREATE TRIGGER refuse BEFORE INSERT ON {Message.__tablename__} "
                          "WHEN NEW.text = 'two' "
                          "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"))
    for uid, text_ in ((1, "one"), (2, "two"), (3, "three")):
        fake.state.queue_user_message(uid, f"User{uid}", text=text_)

    async def scenario():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await _wait(lambda: "refused by the database" in (channels.get(ch.id).last_error or ""))
        finally:
            await w.stop()

    asyncio.run(scenario())
    assert [m.text for m in _messages()] == ["one", "three"]
    assert int(channels.get(ch.id).cursor) > 0


def test_poller_backs_off_on_429_and_5xx_then_delivers(data_dir, fake):
    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    fake.state.add_failure("getUpdates", 429, times=1, retry_after=1)
    fake.state.add_failure("getUpdates", 502, times=1)
    fake.state.queue_user_message(5, "Olga", text="after the storm")

    async def scenario():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await _wait(lambda: len(_messages()) == 1, timeout=10)
            # the cursor (and a cleared error) is saved right after the batch is stored
            await _wait(lambda: channels.get(ch.id).cursor != "", timeout=5)
        finally:
            await w.stop()

    asyncio.run(scenario())
    assert _messages()[0].text == "after the storm"
    assert channels.get(ch.id).last_error == ""  # healthy again after the retry


def test_reply_reaches_telegram_and_blocked_user_marks_unreachable(data_dir, fake):
    from messenger_app.services import auth

    op = auth.create_operator("op", "password-123")
    channels.add_telegram(TOKEN, base_url=fake.url)
    fake.state.queue_user_message(900, "Kate", text="hi")
    fake.state.queue_user_message(901, "Max", text="hi too")

    async def scenario():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await _wait(lambda: len(_messages()) == 2)
            kate, maxim = sorted(dialog_list.list_page(), key=lambda r: r.name)
            ok_id = outbox.queue(kate.id, op.id, "Hello Kate")
            await _wait(lambda: _status(ok_id) == "sent")
            fake.state.block(901)
            bad_id = outbox.queue(maxim.id, op.id, "Hello Max")
            await _wait(lambda: _status(bad_id) == "failed")
            return kate, maxim, bad_id
        finally:
            await w.stop()

    kate, maxim, bad_id = asyncio.run(scenario())
    sent = fake.state.sent
    assert [(m["chat_id"], m["text"]) for m in sent] == [(900, "Hello Kate")]
    with db.session() as s:
        bad = s.get(Message, bad_id)
        ident = s.get(ChannelIdentity, bad.identity_id)
    assert "blocked" in bad.error
    assert not ident.reachable and "blocked" in ident.unreachable_reason
    assert outbox.routes(maxim.id) == []  # C7: the composer offers it disabled, with the reason
    assert "blocked" in outbox.routes(maxim.id, include_unusable=True)[0].reason


def _status(mid):
    with db.session() as s:
        return s.get(Message, mid).status


def test_transient_send_failure_is_retried(data_dir, fake):
    from messenger_app.services import auth

    op = auth.create_operator("op", "password-123")
    channels.add_telegram(TOKEN, base_url=fake.url)
    fake.state.queue_user_message(3, "Vera", text="hi")
    fake.state.add_failure("sendMessage", 429, times=1, retry_after=1)

    async def scenario():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await _wait(lambda: len(_messages()) == 1)
            mid = outbox.queue(dialog_list.list_page()[0].id, op.id, "second try works")
            await _wait(lambda: _status(mid) == "sent", timeout=10)
            return mid
        finally:
            await w.stop()

    mid = asyncio.run(scenario())
    with db.session() as s:
        msg = s.get(Message, mid)
    # a 429 with retry_after is the provider's pacing, not a failure: one counted attempt,
    # and the wait is in the history
    assert msg.attempts == 1
    assert [h["status"] for h in msg.status_history] == ["queued", "queued", "sent"]
    assert [m["text"] for m in fake.state.sent] == ["second try works"]


def test_queued_messages_survive_a_restart(data_dir, fake):
    """Queued while no sender runs (the backend is down); sent once it starts."""
    from messenger_app.services import auth

    op = auth.create_operator("op", "password-123")
    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    fake.state.queue_user_message(4, "Gleb", text="hi")

    async def receive_only():
        adapter = TelegramChannel(TOKEN, fake.url, poll_timeout=0)
        batch, cur = await adapter.poll("")
        for m in batch:
            inbox.receive(ch.id, "telegram", m)
        channels.save_cursor(ch.id, cur)
        await adapter.close()

    asyncio.run(receive_only())
    mid = outbox.queue(dialog_list.list_page()[0].id, op.id, "sent after restart")
    db.reset_engine()  # "restart": a new engine, nothing in memory

    async def start():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await _wait(lambda: _status(mid) == "sent")
        finally:
            await w.stop()

    asyncio.run(start())
    assert [m["text"] for m in fake.state.sent] == ["sent after restart"]


def test_disabling_a_channel_stops_its_poller(data_dir, fake):
    ch = channels.add_telegram(TOKEN, base_url=fake.url)

    async def scenario():
        w = workers.Workers()
        await w.sync_channels()
        assert ch.id in w.pollers
        channels.set_enabled(ch.id, False)
        await w.sync_channels()
        assert ch.id not in w.pollers
        await w.stop()

    asyncio.run(scenario())
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(Channel)).one() == 1
