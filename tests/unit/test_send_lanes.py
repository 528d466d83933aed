"""Send lanes, claimed rows and durable jobs, through the production path: outbox.queue ->
the workers' lane -> the adapter -> the fake Telegram Bot API (asserted on the fake's side)."""

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from messenger_app import db, workers
from messenger_app.channels.base import InboundMessage
from messenger_app.clock import utcnow
from messenger_app.models import Channel, ChannelIdentity, Contact, Message
from messenger_app.services import auth, channels, dialog_list, inbox, jobs, outbox
from tests.fakes.telegram_server import FakeTelegramServer
from tests.waits import until as _wait

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:AAbbccddeeffgghhiijjkkllmmnnoopp_qq"
TOKEN2 = "654321:BBbbccddeeffgghhiijjkkllmmnnoopp_zz"


@pytest.fixture
def fake():
    with FakeTelegramServer(token=TOKEN) as server:
        yield server




def _status(mid):
    with db.session() as s:
        return s.get(Message, mid).status


def _client_of(channel_id: int, user: str, text: str = "hi") -> int:
    """A client who wrote in this channel; returns the dialog id."""
    got = inbox.receive(channel_id, channels.get(channel_id).kind,
                        InboundMessage(external_id=f"in-{user}", identity_external_id=user,
                                       text=text, first_name=user))
    return got.dialog_id


def test_a_slow_channel_does_not_delay_another(data_dir):
    """One lane per channel instance: a send that hangs for 30 s on one bot does not hold up
    a reply through another bot."""
    op = auth.create_operator("op", "password-123")
    with FakeTelegramServer(token=TOKEN) as slow, FakeTelegramServer(token=TOKEN2) as quick:
        ch1 = channels.add_telegram(TOKEN, base_url=slow.url)
        ch2 = channels.add_telegram(TOKEN2, base_url=quick.url)
        slow.state.register_user(101, "Slow")
        quick.state.register_user(202, "Quick")
        d1, d2 = _client_of(ch1.id, "101"), _client_of(ch2.id, "202")
        slow.state.send_delay = 30.0

        async def scenario():
            w = workers.Workers()
            await w.sync_channels()
            try:
                stuck = outbox.queue(d1, op.id, "through the slow bot")
                await _wait(lambda: _status(stuck) == "sending")
                quick_id = outbox.queue(d2, op.id, "through the quick bot")
                await _wait(lambda: _status(quick_id) == "sent", timeout=2.0)
                assert _status(stuck) == "sending"
            finally:
                slow.state.send_delay = 0.0  # let the hanging request end
                await w.stop()

        asyncio.run(scenario())
        assert [m["text"] for m in quick.state.sent] == ["through the quick bot"]


def test_a_claimed_row_is_sent_by_one_owner_only(data_dir, fake):
    op = auth.create_operator("op", "password-123")
    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    d = _client_of(ch.id, "7")
    mid = outbox.queue(d, op.id, "once")
    assert outbox.claim(mid, "lane-a")
    assert not outbox.claim(mid, "lane-b")
    assert outbox.claim_next(ch.id, "lane-b") is None
    calls = []

    def adapter_for(channel):
        calls.append(channel.id)
        raise AssertionError("lane-b must not reach the adapter")

    assert asyncio.run(outbox.deliver(mid, adapter_for, holder="lane-b")) == "sending"
    out = asyncio.run(outbox.deliver_claimed(mid, adapter_for, "lane-b"))
    assert out.status == "missing" and calls == []
    assert _status(mid) == "sending"


def test_rows_left_sending_by_a_crash(data_dir, fake):
    """Resent where the channel de-duplicates (VK random_id), else failed "delivery unknown"
    with Retry offered: never a silent second copy."""
    op = auth.create_operator("op", "password-123")
    tg = channels.add_telegram(TOKEN, base_url=fake.url)
    vk = channels.add("vk", token="vk-token", config={"group_id": "5"}, base_url="http://127.0.0.1:9")
    tg_msg = outbox.queue(_client_of(tg.id, "1"), op.id, "telegram")
    vk_msg = outbox.queue(_client_of(vk.id, "2"), op.id, "vk")
    past = utcnow() - timedelta(hours=1)
    assert outbox.claim(tg_msg, "dead-process", now=past) and outbox.claim(vk_msg, "dead-process", now=past)
    assert outbox.recover_stale() == (1, 1)
    assert _status(vk_msg) == "queued"
    with db.session() as s:
        m = s.get(Message, tg_msg)
        assert m.status == "failed" and m.error == outbox.DELIVERY_UNKNOWN
    assert outbox.recover_stale() == (0, 0)  # a fresh claim is left alone
    assert outbox.retry(tg_msg) and _status(tg_msg) == "queued"


def test_what_a_kind_cannot_carry_is_refused_at_queue_time(data_dir):
    from messenger_app.channels.base import Choice
    from messenger_app.services import attachments

    op = auth.create_operator("op", "password-123")
    sms = channels.add("sms", config={"send_url": "http://127.0.0.1:9/send?to={to}&text={text}"})
    d = _client_of(sms.id, "+79990001122")
    pdf = attachments.store_upload("a.pdf", b"%PDF-1.4 test")
    with pytest.raises(outbox.SendRefused) as e:
        outbox.queue(d, op.id, "with a file", attachments=attachments.clean_attachments([pdf]))
    assert e.value.code == "files_not_supported"
    with pytest.raises(outbox.SendRefused) as e:
        outbox.queue(d, op.id, "pick", choices=[Choice(str(i), f"option {i}") for i in range(12)])
    assert e.value.code == "too_many_choices"
    with pytest.raises(outbox.SendRefused) as e:
        outbox.queue(d, op.id, "pick", choices=[Choice("a", "x"), Choice("a", "y")])
    assert e.value.code == "bad_choice_id"
    with db.session() as s:
        assert s.exec(select(Message).where(Message.direction == "out")).all() == []
    ok = outbox.queue(d, op.id, "pick one", choices=[Choice("yes", "Yes"), Choice("no", "No")])
    with db.session() as s:
        assert s.get(Message, ok).choices == [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]


def test_poller_rests_when_the_api_answers_at_once(data_dir, fake):
    """A Bot API server that does not long-poll: <= 15 getUpdates in 10 s, and the channel row
    is not rewritten while the cursor stays the same."""
    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    fake.state.answer_at_once = True

    async def scenario():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await _wait(lambda: channels.get(ch.id).last_poll_at is not None)
            first = channels.get(ch.id).last_poll_at
            calls_before = fake.state.stats.get("getUpdates", 0)
            await asyncio.sleep(10)  # the measurement window, not a readiness wait
            return first, fake.state.stats.get("getUpdates", 0) - calls_before
        finally:
            await w.stop()

    first, calls = asyncio.run(scenario())
    assert 2 <= calls <= 15
    assert channels.get(ch.id).last_poll_at == first


_KILLED_AFTER_COMMIT = textwrap.dedent("""
    import asyncio, os, signal
    from messenger_app import workers
    from messenger_app.channels.telegram.adapter import TelegramChannel
    from messenger_app.services import channels

    async def main():
        ch = channels.get(int(os.environ["CHANNEL_ID"]))
        adapter = TelegramChannel(ch.token, ch.base_url, poll_timeout=0)
        batch, cursor = await adapter.poll(ch.cursor)
        for msg in batch:
            await workers.store_inbound(ch, msg)
        channels.save_cursor(ch.id, cursor)
        os.kill(os.getpid(), signal.SIGKILL)  # before any profile or media fetch

    asyncio.run(main())
""")


def test_kill_9_after_commit_loses_no_profile_or_media(data_dir, fake):
    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    user = fake.state.register_user(42, "Lena", "Petrova", with_photo=True)
    with fake.state._lock:
        fake.state.files["pic-1"] = "photos/pic-1.png"
    fake.state.queue_update({"message": {
        "message_id": 1, "from": user, "chat": {"id": 42, "type": "private", "first_name": "Lena"},
        "date": int(time.time()), "caption": "look",
        "photo": [{"file_id": "pic-1", "file_unique_id": "p1", "width": 2, "height": 2, "file_size": 70}]}})
    proc = subprocess.run([sys.executable, "-c", _KILLED_AFTER_COMMIT], cwd=ROOT, timeout=60,
                          env={**os.environ, "CHANNEL_ID": str(ch.id), "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr[-2000:]
    [m] = dialog_query_messages()
    assert m.text == "look" and not m.attachments[0].get("url")  # stored, nothing fetched yet
    assert sorted(j.kind for j in jobs.pending()) == ["media", "profile"]

    async def restart():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await _wait(lambda: not jobs.pending())
        finally:
            await w.stop()

    asyncio.run(restart())
    [m] = dialog_query_messages()
    assert m.attachments[0]["url"].startswith("/files/attachments/")
    with db.session() as s:
        ident = s.exec(select(ChannelIdentity)).one()
        contact = s.get(Contact, ident.contact_id)
    assert ident.avatar.startswith("/files/avatars/") and contact.avatar == ident.avatar


def dialog_query_messages():
    with db.session() as s:
        return s.exec(select(Message).order_by(Message.id)).all()


_LANE_PROCESS = textwrap.dedent("""
    import asyncio, os, sys
    from messenger_app import adapters, workers
    from messenger_app.services import outbox

    async def main(channel_id):
        sent = 0
        while True:
            claimed = outbox.claim_next(channel_id, workers.holder())
            if claimed is None:
                break
            await outbox.deliver_claimed(claimed[0], adapters.get, workers.holder())
            sent += 1
        print(sent)

    asyncio.run(main(int(sys.argv[1])))
""")


def test_two_processes_share_a_lane_on_postgres(postgres, fake):
    """FOR UPDATE SKIP LOCKED + the claim: two processes draining one channel's queue send
    every message exactly once."""
    from messenger_app import db as appdb

    appdb.migrate()
    op = auth.create_operator("op", "password-123")
    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    fake.state.register_user(77, "Many")
    d = _client_of(ch.id, "77")
    texts = [f"reply {i}" for i in range(60)]
    for t in texts:
        outbox.queue(d, op.id, t)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", _LANE_PROCESS, str(ch.id)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    counts = [int(o[0].strip().splitlines()[-1]) for o in outs]
    with appdb.session() as s:
        errors = {m.error for m in s.exec(select(Message).where(Message.direction == "out"))}
    assert sum(counts) == 60, errors
    assert errors == {""}
    assert sorted(m["text"] for m in fake.state.sent) == sorted(texts)
    with appdb.session() as s:
        assert {m.status for m in s.exec(select(Message).where(Message.direction == "out"))} == {"sent"}


def test_a_typed_label_or_number_answers_the_buttons(data_dir):
    from messenger_app.channels.base import Choice

    op = auth.create_operator("op", "password-123")
    sms = channels.add("sms", config={"send_url": "http://127.0.0.1:9/send?to={to}&text={text}"})
    d = _client_of(sms.id, "+79990001122")
    outbox.queue(d, op.id, "Deliver when?", choices=[Choice("am", "Morning"), Choice("pm", "Evening")])

    def answer(n, text):
        got = inbox.receive(sms.id, "sms", InboundMessage(external_id=f"a{n}",
                                                          identity_external_id="+79990001122",
                                                          text=text))
        with db.session() as s:
            return s.get(Message, got.message_id).choice_id

    assert answer(1, "2") == "pm"
    assert answer(2, " morning ") == "am"
    assert answer(3, "3") == ""  # no such option
    assert answer(4, "tomorrow, please") == ""


def test_settings_health_tells_the_truth(data_dir, fake):
    ch = channels.add_telegram(TOKEN, base_url=fake.url)
    assert channels.health(channels.get(ch.id)) == "never"
    channels.save_cursor(ch.id, "5")
    assert channels.health(channels.get(ch.id)) == "polling"
    assert channels.health(channels.get(ch.id), now=utcnow() + timedelta(minutes=10)) == "stalled"
    channels.record_error(ch.id, "telegram getUpdates: Unauthorized")
    assert channels.health(channels.get(ch.id)) == "failing"
    channels.set_enabled(ch.id, False)
    assert channels.health(channels.get(ch.id)) == "off"
    assert channels.health(channels.widget_channel()) == "ok"
