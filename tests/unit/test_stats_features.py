"""The bot's and the mailings' figures on /stats (X9) come from what those features do:
a scenario run started / handed over / finished, a mailing's messages sent / failed / skipped.
Driven through the production paths, read back through the page's own view."""

import asyncio

import pytest
from sqlmodel import select

from messenger_app import db, settings, workers
from messenger_app.channels.base import InboundMessage
from messenger_app.clock import utcnow
from messenger_app.models import Handover, Message
from messenger_app.services import channels, crm, filters, inbox, mailings, scenarios, stats, stats_view
from tests.fakes.telegram_server import FakeTelegramServer
from tests.scenario_graphs import city_graph
from tests.waits import until

TOKEN = "123456:AAbbccddeeffgghhiijjkkllmmnnoopp_qq"


def _today_view():
    today = utcnow().date()
    return stats_view.view(today, today, "UTC", None, None, "en")


def _say(ch, n, user, text="", choice_id=""):
    got = inbox.receive(ch.id, ch.kind, InboundMessage(external_id=f"m{n}", identity_external_id=user,
                                                       text=text, choice_id=choice_id, first_name="Anna"),
                        fetch_profile=False)
    asyncio.run(workers.run_due_jobs())
    return got


def test_scenario_runs_and_the_handover_are_counted_and_time_the_first_response(data_dir, monkeypatch):
    monkeypatch.setenv("BOT_DEBOUNCE_SECONDS", "0")
    settings.reset()
    crm.create_field("city", "City")
    ch = channels.add("vk", token="vk-token", config={"group_id": "5"}, base_url="http://127.0.0.1:9")
    sid = scenarios.create("Welcome")
    scenarios.save_draft(sid, city_graph())
    scenarios.set_triggers(sid, {"first_message_channels": [ch.id]})
    scenarios.publish(sid)

    got = _say(ch, 1, "u1", text="hi")
    _say(ch, 2, "u1", choice_id="msk")  # -> branch -> hand over to an operator
    with db.session() as s:
        handovers = s.exec(select(Handover).where(Handover.dialog_id == got.dialog_id)).all()
    assert len(handovers) == 1

    bots = _today_view()["bots"]
    assert bots == [{"key": str(sid), "name": "Welcome", "started": 1, "finished": 0, "handover": 1}]
    # the bot's own messages are not a human's first response
    assert stats.report(utcnow().date(), utcnow().date(), "UTC").first_response.count == 0


@pytest.fixture
def telegram():
    with FakeTelegramServer(token=TOKEN) as server:
        yield server


def test_a_mailing_counts_what_was_sent_failed_and_skipped(data_dir, telegram):
    ch = channels.add_telegram(TOKEN, base_url=telegram.url)
    ids = {}
    for uid, name in ((21, "Ann"), (22, "Boris"), (23, "Vera")):
        telegram.state.register_user(uid, name)
        ids[name] = inbox.receive(ch.id, ch.kind, InboundMessage(
            external_id=f"in-{uid}", identity_external_id=str(uid), text="hi", first_name=name),
            fetch_profile=False).contact_id
    crm.set_blacklisted(ids["Boris"], True)
    telegram.state.block(23)  # Vera blocked the bot: her message fails
    mid = mailings.create("Spring sale", filters.empty(), "Hello {first_name}", channel_id=ch.id)
    assert mailings.start(mid) == "running"

    async def run():
        w = workers.Workers()
        await w.sync_channels()
        try:
            await until(lambda: mailings.get(mid).status == "done", timeout=20)
        finally:
            await w.stop()
    asyncio.run(run())

    assert _today_view()["mailings"] == [{"key": str(mid), "name": "Spring sale", "sent": 1,
                                          "delivered": 0, "read": 0, "failed": 1, "skipped": 1}]
    with db.session() as s:
        sent = s.exec(select(Message).where(Message.origin_kind == "mailing", Message.status == "sent")).all()
    assert len(sent) == 1 and len(telegram.state.sent) == 1
    csv = stats_view.csv_of("mailings", _today_view())
    assert "Spring sale" in csv
