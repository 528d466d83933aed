"""Mailings (B2) through the production path: mailings service -> outbox -> the workers' send
lane -> the adapter -> the fake provider (asserted on the fake's side)."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from messenger_app import clock, db, workers
from messenger_app.channels.base import InboundMessage
from messenger_app.models import ChannelIdentity, Contact, Dialog, Message
from messenger_app.models.mailing import MailingRecipient
from messenger_app.services import (channels, crm, dialog_list, filters, inbox, jobs,
                                    mailing_report, mailings, outbox)
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.fakes.telegram_server import FakeTelegramServer
from tests.fakes.vk_server import FakeVkServer
from tests.fakes.whatsapp_server import FakeWhatsAppServer
from tests.waits import until

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:AAbbccddeeffgghhiijjkkllmmnnoopp_qq"
EVERYONE = filters.empty()


def _client(channel, user: str, name: str = "", text: str = "hi", phone: str = "") -> int:
    got = inbox.receive(channel.id, channel.kind,
                        InboundMessage(external_id=f"in-{user}-{text}", identity_external_id=user,
                                       text=text, first_name=name or user, phone=phone),
                        fetch_profile=False)
    return got.contact_id


async def _run_until_done(mailing_id: int, timeout: float = 20.0):
    w = workers.Workers()
    await w.sync_channels()
    try:
        await until(lambda: mailings.get(mailing_id).status == "done", timeout=timeout)
    finally:
        await w.stop()


@pytest.fixture
def telegram():
    with FakeTelegramServer(token=TOKEN) as server:
        yield server


def test_telegram_mailing_skips_the_blacklist_and_reaches_everyone_else(data_dir, telegram):
    ch = channels.add_telegram(TOKEN, base_url=telegram.url)
    ids = {}
    for uid, name in ((11, "Ann"), (12, "Boris"), (13, "Vera"), (14, "Gleb")):
        telegram.state.register_user(uid, name)
        ids[name] = _client(ch, str(uid), name)
    crm.set_blacklisted(ids["Boris"], True)
    telegram.state.block(14)  # Gleb blocked the bot: that one fails, the others go on
    with db.session() as s:
        before = {d.id: (d.activity_at, d.last_preview, d.unread_count)
                  for d in s.exec(select(Dialog)).all()}

    mid = mailings.create("Spring sale", EVERYONE, "Hello {first_name}, -20% today",
                          channel_id=ch.id, choices=[{"label": "Show me"}])
    seen = mailings.preview(EVERYONE, ch.id)
    assert seen["total"] == 4 and seen["send"] == 3 and seen["skipped"] == {"blacklisted": 1}
    assert mailings.start(mid) == "running"
    asyncio.run(_run_until_done(mid))

    got = {m["chat_id"]: m["text"] for m in telegram.state.sent}
    assert got == {11: "Hello Ann, -20% today", 13: "Hello Vera, -20% today"}
    assert all(m.get("reply_markup") for m in telegram.state.sent)  # the button went along
    c = mailing_report.counts(mid)
    assert (c["sent"], c["failed"], c["skipped:blacklisted"], c["total"]) == (2, 1, 1, 4)
    with db.session() as s:
        gleb = s.exec(select(ChannelIdentity).where(ChannelIdentity.external_id == "14")).one()
        assert not gleb.reachable  # "blocked the bot" marks that channel unreachable
        msgs = s.exec(select(Message).where(Message.origin_kind == "mailing")).all()
        assert {m.origin_label for m in msgs} == {"Spring sale"}
        after = {d.id: (d.activity_at, d.last_preview, d.unread_count)
                 for d in s.exec(select(Dialog)).all()}
    assert after == before  # not unread, not moved up, the preview stays the client's

    # the report's number clicks through to exactly those clients
    leaf = {"join": "and", "conditions": [
        {"field": "mailing", "op": "equals", "value": f"{mid}:skipped:blacklisted"}]}
    rows = dialog_list.list_page(filter=filters.from_url(filters.to_url(leaf)))
    assert [r.contact_id for r in rows] == [ids["Boris"]]
    text = mailing_report.csv_text(mid)
    assert "Boris" in text and "blacklisted" in text and text.count("\n") == 5


def test_the_blacklist_is_checked_by_the_sending_service_itself(data_dir, telegram):
    """Blacklisted after the recipients were fixed: the feeder still says no."""
    ch = channels.add_telegram(TOKEN, base_url=telegram.url)
    telegram.state.register_user(21, "Late")
    cid = _client(ch, "21", "Late")
    mid = mailings.create("News", EVERYONE, "news", channel_id=ch.id)
    mailings.fix_recipients(mid)
    crm.set_blacklisted(cid, True)
    mailings.feed()
    assert mailing_report.counts(mid)["skipped:blacklisted"] == 1
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(Message)
                      .where(Message.origin_kind == "mailing")).one() == 0


def test_whatsapp_window_and_sms_each_clients_last_channel(data_dir):
    with FakeWhatsAppServer() as wa_fake, FakeSmsGateway() as gw:
        wa = channels.add("whatsapp", token=wa_fake.token, base_url=wa_fake.api_url,
                          config={"phone_number_id": wa_fake.phone_number_id,
                                  "app_secret": wa_fake.app_secret,
                                  "verify_token": wa_fake.verify_token})
        sms = channels.add("sms", config={
            "send_url": f"{gw.url}/send", "method": "POST", "body_format": "form",
            "params_template": json.dumps({"to": "{to}", "text": "{text}", "ref": "{message_id}"}),
            "id_path": "messages.0.id"})
        fresh, stale = "4915100000001", "4915100000002"
        for wa_id in (fresh, stale):
            wa_fake.state.set_last_inbound(wa_id, time.time())
            _client(wa, wa_id, f"wa{wa_id[-1]}")
        with db.session() as s:  # the second one wrote two days ago: outside the window
            ident = s.exec(select(ChannelIdentity).where(ChannelIdentity.external_id == stale)).one()
            ident.last_inbound_at = clock.utcnow() - timedelta(days=2)
            s.add(ident)
            s.commit()
        _client(sms, "+79990000001", "Sam", phone="+79990000001")

        assert mailings.preview(EVERYONE, wa.id)["skipped"] == {"wa_window": 1, "no_channel_kind": 1}
        mid = mailings.create("Hello", EVERYONE, "Hi {first_name}")  # each client's last channel
        assert mailings.preview(EVERYONE)["skipped"] == {"wa_window": 1}
        mailings.start(mid)
        asyncio.run(_run_until_done(mid))
        assert [(m["to"], m["text"]) for m in wa_fake.state.sent] == [(fresh, "Hi wa1")]
        assert [m["text"] for m in gw.state.sent] == ["Hi Sam"]
        c = mailing_report.counts(mid)
        assert (c["sent"], c["skipped:wa_window"]) == (2, 1)


def test_pause_holds_the_queue_resume_finishes_cancel_stops(data_dir, telegram):
    ch = channels.add_telegram(TOKEN, base_url=telegram.url)
    for uid in range(31, 37):
        telegram.state.register_user(uid, f"u{uid}")
        _client(ch, str(uid))
    mid = mailings.create("Paused", EVERYONE, "hello", channel_id=ch.id)
    mailings.start(mid)
    mailings.feed()  # all six are in the outbox now
    mailings.pause(mid)

    async def paused_then_resumed():
        w = workers.Workers()
        await w.sync_channels()
        try:
            assert await asyncio.to_thread(outbox.claim_next, ch.id, "probe") is None
            mailings.resume(mid)
            await until(lambda: mailings.get(mid).status == "done")
        finally:
            await w.stop()

    asyncio.run(paused_then_resumed())
    assert len(telegram.state.sent) == 6
    assert mailing_report.progress(mid)["finished"]

    other = mailings.create("Cancelled", EVERYONE, "never", channel_id=ch.id)
    mailings.start(other)
    mailings.feed()
    mailings.cancel(other)
    assert mailing_report.counts(other)["cancelled"] == 6
    with db.session() as s:
        assert not s.exec(select(Message).where(Message.origin_id == other,
                                                Message.origin_kind == "mailing")).all()
    with pytest.raises(mailings.MailingError):
        mailings.resume(other)


def test_bad_input_is_refused_and_writes_nothing(data_dir):
    for kwargs in ({"name": "", "audience": EVERYONE, "text": "x"},
                   {"name": "n", "audience": EVERYONE, "text": ""},
                   {"name": "n", "audience": {"join": "xor", "conditions": []}, "text": "x"},
                   {"name": "n", "audience": EVERYONE, "text": "x", "channel_id": 999},
                   {"name": "n", "audience": EVERYONE, "text": "x", "tz": "Mars/Base"},
                   {"name": "n", "audience": EVERYONE, "text": "x",
                    "trigger": {"type": "weekly", "days": []}},
                   {"name": "n", "audience": EVERYONE, "text": "x",
                    "trigger": {"type": "after_subscription", "days": "soon"}}):
        with pytest.raises((mailings.MailingError, filters.FilterError)):
            mailings.create(**kwargs)
    assert mailings.list_mailings() == []
    with pytest.raises(filters.FilterError):
        filters.validate({"join": "and", "conditions": [
            {"field": "mailing", "op": "equals", "value": "1:everything; drop"}]})


def test_a_stop_word_reply_blacklists_with_a_note(data_dir, telegram):
    ch = channels.add_telegram(TOKEN, base_url=telegram.url)
    telegram.state.register_user(41, "Ira")
    telegram.state.register_user(42, "Oleg")
    cid, other = _client(ch, "41", "Ira"), _client(ch, "42", "Oleg")
    mid = mailings.create("Promo", EVERYONE, "promo", channel_id=ch.id)
    mailings.start(mailings.get(mid).id)
    asyncio.run(_run_until_done(mid))

    async def reply(text, n):
        await workers.store_inbound(channels.get(ch.id), InboundMessage(
            external_id=f"r{n}", identity_external_id="41", text=text))

    asyncio.run(reply("stop please", 1))  # not a stop word by itself
    assert crm.can_mail(cid)
    asyncio.run(reply("  Стоп! ", 2))
    assert not crm.can_mail(cid)
    with db.session() as s:
        [note] = s.exec(select(Message).where(Message.direction == "note")).all()
    assert "blacklist" in note.text
    assert mailings.preview(EVERYONE, ch.id)["skipped"] == {"blacklisted": 1}
    # the same through the path pollers and webhooks take (a batch), for the other client
    got = asyncio.run(workers.store_inbound_many(channels.get(ch.id), [
        InboundMessage(external_id="r3", identity_external_id="42", text="hello"),
        InboundMessage(external_id="r4", identity_external_id="42", text="STOP")]))
    assert all(g.created for g in got) and not crm.can_mail(other)


def test_an_automatic_mailing_fires_once_when_the_clients_day_comes(data_dir, telegram, monkeypatch):
    """Three days after subscription, at 10:00 in the mailing's time zone, once."""
    ch = channels.add_telegram(TOKEN, base_url=telegram.url)
    telegram.state.register_user(51, "New")
    _client(ch, "51", "New")
    mid = mailings.create("Welcome", EVERYONE, "3 days with us!", channel_id=ch.id,
                          tz="Europe/Moscow", trigger={"type": "after_subscription", "days": 3})
    real = clock.utcnow()
    now = [real]
    monkeypatch.setattr(clock, "utcnow", lambda: now[0])
    assert mailings.start(mid) == "active"

    def run_due_day(day: int):
        """The clock moves to that day's evaluation; the job runner runs what is due."""
        now[0] = real + timedelta(days=day, hours=1)
        for j in jobs.claim("test", 10, now=now[0]):
            asyncio.run(workers.run_job(j))

    async def send_all():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await until(lambda: not mailing_report.counts(mid)["pending"]
                        and not mailing_report.counts(mid)["queued"])
        finally:
            await w.stop()

    for day in (0, 1, 2):
        run_due_day(day)
        assert mailing_report.counts(mid)["total"] == 0  # not yet
    for day in (3, 4, 5):
        run_due_day(day)
        asyncio.run(send_all())
    assert [m["text"] for m in telegram.state.sent] == ["3 days with us!"]
    assert mailing_report.counts(mid)["total"] == 1
    assert mailings.get(mid).status == "active"


_FEEDER_PROCESS = textwrap.dedent("""
    import asyncio
    from messenger_app import workers

    async def main():
        w = workers.Workers()
        await w.sync_channels()
        await asyncio.Event().wait()  # killed from outside, mid-mailing

    asyncio.run(main())
""")


def test_kill_9_mid_mailing_every_recipient_gets_it_exactly_once(data_dir):
    """A worker process is killed with SIGKILL mid-mailing; after the restart every
    recipient has exactly one message at the fake VK (rows left "sending" are resent with
    the same random_id, which VK sends once)."""
    with FakeVkServer() as vk_fake:
        ch = channels.add("vk", token=vk_fake.token, config={"group_id": str(vk_fake.group_id)},
                          base_url=vk_fake.api_url)
        peers = list(range(1001, 1061))
        for p in peers:
            vk_fake.state.allow(p)  # they wrote to the community
            _client(ch, str(p), f"p{p}")
        mid = mailings.create("Crash test", EVERYONE, "exactly once", channel_id=ch.id)
        mailings.start(mid)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-c", _FEEDER_PROCESS], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while len(vk_fake.state.sent) < 15:
                assert proc.poll() is None, proc.stderr.read()[-2000:]
                assert time.monotonic() < deadline, "the worker did not get going"
                time.sleep(0.02)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        assert proc.returncode == -9
        assert len(vk_fake.state.sent) < len(peers)  # killed mid-way
        # the dead process's claims run out (as CLAIM_SECONDS later); the restarted workers'
        # maintenance recovers them
        with db.session() as s:
            for m in s.exec(select(Message).where(Message.status == "sending")).all():
                m.claim_until = clock.utcnow() - timedelta(seconds=1)
                s.add(m)
            s.commit()
        asyncio.run(_run_until_done(mid, timeout=30))
        got = sorted(m["peer_id"] for m in vk_fake.state.sent)
        assert got == peers
        assert mailing_report.counts(mid)["sent"] == len(peers)
        with db.session() as s:
            assert s.exec(select(func.count()).select_from(MailingRecipient)).one() == len(peers)


def test_a_429_waits_and_no_recipient_fails(data_dir, telegram):
    ch = channels.add_telegram(TOKEN, base_url=telegram.url)
    for uid in (61, 62, 63):
        telegram.state.register_user(uid, f"u{uid}")
        _client(ch, str(uid))
    telegram.state.add_failure("sendMessage", 429, times=1, retry_after=1)
    mid = mailings.create("Throttled", EVERYONE, "hi", channel_id=ch.id)
    mailings.start(mid)
    asyncio.run(_run_until_done(mid))
    assert sorted(m["chat_id"] for m in telegram.state.sent) == [61, 62, 63]
    c = mailing_report.counts(mid)
    assert (c["sent"], c["failed"]) == (3, 0)


def test_a_scheduled_mailing_starts_at_its_time_by_a_durable_job(data_dir, telegram, monkeypatch):
    ch = channels.add_telegram(TOKEN, base_url=telegram.url)
    telegram.state.register_user(71, "Later")
    _client(ch, "71", "Later")
    at = clock.utcnow() + timedelta(hours=2)
    mid = mailings.create("Tonight", EVERYONE, "tonight", channel_id=ch.id, send_at=at)
    assert mailings.start(mid) == "scheduled"
    assert not jobs.claim("test", 10)  # not due yet
    later = at + timedelta(seconds=1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)  # the mailings service's clock
    [job] = jobs.claim("test", 10, now=later)
    asyncio.run(workers.run_job(job))
    assert mailings.get(mid).status == "running"
    asyncio.run(_run_until_done(mid))
    assert [m["text"] for m in telegram.state.sent] == ["tonight"]


def test_weekly_and_date_field_triggers_pick_the_right_clients_once(data_dir, telegram):
    ch = channels.add_telegram(TOKEN, base_url=telegram.url)
    crm.create_field("birthday", "Birthday", "date")
    a, b = _client(ch, "81", "Bday"), _client(ch, "82", "Other")
    crm.set_value(a, "birthday", "1990-03-15")
    crm.set_value(b, "birthday", "1985-07-01")
    bday = mailings.create("Happy birthday", EVERYONE, "Happy birthday!", channel_id=ch.id,
                           trigger={"type": "date_field", "field": "birthday"})
    weekly = mailings.create("Monday news", EVERYONE, "news", channel_id=ch.id,
                             trigger={"type": "weekly", "days": [0]})
    mailings.start(bday)
    mailings.start(weekly)
    march15 = datetime(2027, 3, 15, 9, tzinfo=timezone.utc)  # a Monday
    for m in (bday, weekly):
        mailings.evaluate_automatic(m, now=march15)
        mailings.evaluate_automatic(m, now=march15 + timedelta(hours=3))  # again the same day
    with db.session() as s:
        rows = s.exec(select(MailingRecipient.mailing_id, MailingRecipient.contact_id,
                             MailingRecipient.occurrence)).all()
    assert sorted(rows) == sorted([(bday, a, "2027"), (weekly, a, "2027-03-15"),
                                   (weekly, b, "2027-03-15")])
    mailings.evaluate_automatic(weekly, now=march15 + timedelta(days=1))  # Tuesday: nobody
    mailings.evaluate_automatic(weekly, now=march15 + timedelta(days=7))  # next Monday: both
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(MailingRecipient)
                      .where(MailingRecipient.mailing_id == weekly)).one() == 4


def test_recipients_preview_and_report_on_postgres(postgres):
    """The same SQL (INSERT ... SELECT with routes and skip reasons, the report buckets and
    their L5 filter) on PostgreSQL."""
    db.migrate()
    ch = channels.add_telegram(TOKEN, base_url="http://127.0.0.1:9")
    wa = channels.add("whatsapp", token="t", base_url="http://127.0.0.1:9",
                      config={"phone_number_id": "1", "app_secret": "s", "verify_token": "v"})
    ids = [_client(ch, str(u), f"pg{u}") for u in (91, 92, 93)]
    _client(wa, "4915100000009", "waonly")
    crm.set_blacklisted(ids[0], True)
    assert mailings.preview(EVERYONE, ch.id) == {
        "total": 4, "send": 2, "skipped": {"blacklisted": 1, "no_channel_kind": 1},
        "sample": ["pg92", "pg93"]}
    for channel_id in (ch.id, None):
        mid = mailings.create("PG", EVERYONE, "hi", channel_id=channel_id)
        mailings.start(mid)
        c = mailing_report.counts(mid)
        assert (c["pending"], c["skipped:blacklisted"], c["total"]) == (
            3 if channel_id is None else 2, 1, 4)
        leaf = {"join": "and", "conditions": [
            {"field": "mailing", "op": "equals", "value": f"{mid}:skipped:blacklisted"}]}
        assert [r.contact_id for r in dialog_list.list_page(filter=filters.validate(leaf))] == [ids[0]]
        assert "pg92" in mailing_report.csv_text(mid)
    auto = mailings.create("Weekly PG", EVERYONE, "hi", channel_id=ch.id,
                           trigger={"type": "weekly", "days": list(range(7))})
    mailings.start(auto)
    assert mailings.evaluate_automatic(auto) == 4  # rows, the skipped included
    assert mailings.evaluate_automatic(auto) == 0  # once per occurrence


def test_a_stop_word_from_the_website_chat_unsubscribes_too(data_dir):
    from messenger_app.services import widget

    token = widget.new_visitor()
    got = widget.send(token, "hello")
    mid = mailings.create("Widget news", EVERYONE, "news",
                          channel_id=channels.widget_channel().id)
    mailings.start(mid)
    assert mailings.feed() == 1  # queued is enough: the client got a mailing message
    widget.send(token, "STOP")
    assert not crm.can_mail(got.contact_id)


def test_a_mailing_can_start_a_scenario_for_each_recipient_but_never_the_blacklisted(data_dir, monkeypatch):
    """B2 + B1: "start scenario X for each recipient": each mailable client gets a run of the
    scenario (its first messages come from the bot through the outbox), the blacklisted none."""
    from messenger_app import settings
    from messenger_app.models.scenario import BotRun
    from messenger_app.services import scenarios
    from tests.scenario_graphs import city_graph

    monkeypatch.setenv("BOT_DEBOUNCE_SECONDS", "0")
    settings.reset()
    crm.create_field("city", "City")
    ch = channels.add("vk", token="vk-token", config={"group_id": "5"}, base_url="http://127.0.0.1:9")
    ann, boris = _client(ch, "1", "Ann"), _client(ch, "2", "Boris")
    crm.set_blacklisted(boris, True)
    draft = scenarios.create("Survey")
    with pytest.raises(mailings.MailingError) as refused:  # not published yet: refused, nothing written
        mailings.create("Ask the city", EVERYONE, "", scenario_id=draft)
    assert refused.value.code == "mailing_scenario" and mailings.list_mailings() == []
    scenarios.save_draft(draft, city_graph())
    scenarios.publish(draft)

    mid = mailings.create("Ask the city", EVERYONE, "", scenario_id=draft)
    assert mailings.start(mid) == "running"
    mailings.feed()
    asyncio.run(workers.run_due_jobs())

    with db.session() as s:
        runs = {r.contact_id: r.started_by for r in s.exec(select(BotRun)).all()}
        bot_texts = [m.text for m in s.exec(select(Message).where(Message.contact_id == ann,
                                                                  Message.sender_kind == "bot"))]
        to_boris = s.exec(select(Message).where(Message.contact_id == boris,
                                                Message.direction == "out")).all()
    assert runs == {ann: "mailing"} and to_boris == []
    assert bot_texts == ["Hello, Ann!", "Which city?"]
    c = mailing_report.counts(mid)
    assert (c["started"], c["skipped:blacklisted"], c["total"]) == (1, 1, 2)
    assert mailing_report.progress(mid)["finished"]
