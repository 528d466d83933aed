"""The same scenario on real channel paths, asserted at the fakes: Telegram (poller ->
inbox.receive -> the bot's job -> outbox -> send lane -> sendMessage with an inline keyboard,
a press as callback_query) and WhatsApp (signed webhooks through the app's route, reply
buttons, a tap as button_reply)."""

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from messenger_app import api, db, settings, workers
from messenger_app.models import Dialog, Message
from messenger_app.models.scenario import BotRun
from messenger_app.services import channels, crm, scenarios
from tests import factories
from tests.fakes.telegram_server import FakeTelegramServer
from tests.fakes.whatsapp_server import FakeWhatsAppServer
from tests.scenario_graphs import city_graph
from tests.waits import until

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:AAbbccddeeffgghhiijjkkllmmnnoopp_qq"


@pytest.fixture
def bot_env(data_dir, monkeypatch):
    monkeypatch.setenv("BOT_DEBOUNCE_SECONDS", "0.3")
    settings.reset()
    crm.create_field("city", "City")


def _publish(channel_id):
    sid = scenarios.create("Welcome")
    scenarios.save_draft(sid, city_graph())
    scenarios.set_triggers(sid, {"first_message_channels": [channel_id]})
    scenarios.publish(sid)


def _run():
    with db.session() as s:
        return s.exec(select(BotRun)).first()


def _paused():
    with db.session() as s:
        return s.exec(select(Dialog.bot_paused)).first()


def test_telegram_inline_keyboard_and_callback_query(bot_env):
    with FakeTelegramServer(token=TOKEN) as fake:
        ch = channels.add_telegram(TOKEN, base_url=fake.url)
        _publish(ch.id)

        async def walk():
            w = workers.Workers()
            await w.sync_channels()
            try:
                fake.state.queue_user_message(42, "Anna", text="hi")
                await until(lambda: len(fake.state.sent) >= 2, timeout=15)
                hello, ask = fake.state.sent[:2]
                assert hello["text"] == "Hello, Anna!" and hello["reply_markup"] is None
                assert ask["text"] == "Which city?"
                keyboard = [b for row in ask["reply_markup"]["inline_keyboard"] for b in row]
                assert [b["text"] for b in keyboard] == ["Moscow", "St Petersburg"]
                fake.state.press_button(42, ask["message_id"], index=0)
                await until(_paused, timeout=15)
                await until(lambda: fake.state.answered, timeout=5)  # the spinner stops
            finally:
                await w.stop()

        asyncio.run(walk())
        assert len(fake.state.sent) == 2  # the hand-over sends nothing to the client
        assert [v["value"] for v in crm.values_of(_run().contact_id)] == ["Moscow"]
        run = _run()
        assert run.status == "waiting_operator" and run.handed_over_at is not None
        with db.session() as s:
            press = s.exec(select(Message).where(Message.direction == "in", Message.choice_id != "")).one()
        assert press.choice_id == "msk"


def test_whatsapp_reply_buttons_through_the_webhook_route(bot_env):
    with FakeWhatsAppServer() as fake, TestClient(api.build()) as client:
        ch = factories.whatsapp_channel(fake)
        url = f"/hooks/{ch.id}/{ch.webhook_secret}"
        _publish(ch.id)

        def post(body):
            raw, sig = fake.state.sign(body)
            r = client.post(url, content=raw, headers={"X-Hub-Signature-256": sig,
                                                       "Content-Type": "application/json"})
            assert r.status_code == 200

        async def walk():
            w = workers.Workers()
            await w.sync_channels()
            try:
                await asyncio.to_thread(post, fake.state.text_message("79991234567", "Здравствуйте", "Анна"))
                await until(lambda: len(fake.state.sent) >= 2, timeout=15)
                ask = fake.state.sent[1]
                assert ask["type"] == "interactive" and ask["text"] == "Which city?"
                assert [b["reply"]["title"] for b in ask["interactive"]["action"]["buttons"]] == \
                    ["Moscow", "St Petersburg"]
                await asyncio.to_thread(post, fake.state.press("79991234567", ask, "spb", "Анна"))
                await until(lambda: len(fake.state.sent) >= 3, timeout=15)
                await until(lambda: _run().status == "ended", timeout=5)
            finally:
                await w.stop()

        asyncio.run(walk())
        assert fake.state.sent[0]["text"] == "Hello, Анна!"
        assert fake.state.sent[2]["text"] == "We will write to you in St Petersburg."
        assert len(fake.state.sent) == 3
        assert _run().outcome == "completed" and not _paused()


# -- kill -9 mid-scenario ------------------------------------------------------------------
_KILLED_MID_STEP = textwrap.dedent("""
    import asyncio, os, signal, time
    from sqlmodel import select
    from messenger_app import db, workers
    from messenger_app.models import Message
    from messenger_app.services.bot import steps

    real_save = steps._save

    def save_then_die(run, state, wait_until=None):
        # the greeting is queued; wait until the lane has SENT it to Telegram, then die before
        # the run's new step is saved: the worst moment for a double send
        end = time.monotonic() + 20
        while time.monotonic() < end:
            with db.session() as s:
                m = s.exec(select(Message).where(Message.sender_kind == "bot")).first()
            if m is not None and m.status == "sent":
                break
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGKILL)

    steps._save = save_then_die

    async def main():
        w = workers.Workers()
        await w.sync_channels()
        await asyncio.sleep(60)  # killed long before

    asyncio.run(main())
""")


def test_kill_9_mid_scenario_sends_no_step_twice(bot_env):
    from datetime import timedelta

    from sqlmodel import update

    from messenger_app.clock import utcnow
    from messenger_app.services import jobs

    with FakeTelegramServer(token=TOKEN) as fake:
        ch = channels.add_telegram(TOKEN, base_url=fake.url)
        _publish(ch.id)
        fake.state.queue_user_message(42, "Anna", text="hi")
        proc = subprocess.run([sys.executable, "-c", _KILLED_MID_STEP], cwd=ROOT, timeout=90,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
        assert proc.returncode == -9, proc.stderr[-2000:]
        assert [m["text"] for m in fake.state.sent] == ["Hello, Anna!"]  # sent, the step not saved
        run = _run()
        assert run.step == "hello" and run.seq == 0
        # the dead worker's claims run out (the deadline passes)
        later = utcnow() + timedelta(seconds=jobs.CLAIM_SECONDS + 1)
        assert jobs.recover_stale(now=later) >= 1
        with db.session() as s:
            s.exec(update(BotRun).values(claim_until=utcnow() - timedelta(seconds=1)))
            s.commit()

        async def restart():
            w = workers.Workers()
            await w.sync_channels()
            try:
                await until(lambda: len(fake.state.sent) >= 2, timeout=15)
                ask = fake.state.sent[1]
                fake.state.press_button(42, ask["message_id"], data="spb")
                await until(lambda: _run().status == "ended", timeout=15)
                await until(lambda: len(fake.state.sent) >= 3, timeout=15)
            finally:
                await w.stop()

        asyncio.run(restart())
        texts = [m["text"] for m in fake.state.sent]
        assert texts == ["Hello, Anna!", "Which city?", "We will write to you in St Petersburg."]
        assert _run().outcome == "completed"
