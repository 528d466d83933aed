"""Webhook routes (WhatsApp, Viber, SMS) end to end through the app's HTTP routes: signed
bodies store once, bad signatures and malformed bodies write nothing, delivery reports and
(un)subscriptions update what the operator sees; one client across channels by phone (S1)."""

import asyncio
import json
import time

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from messenger_app import api, db, workers
from messenger_app.models import ChannelIdentity, Message
from messenger_app.services import auth, channels, dialog_list, dialogs, jobs, outbox
from tests import factories
from tests.factories import count
from tests.fakes.viber_server import FakeViberServer
from tests.fakes.whatsapp_server import DEFAULT_VERIFY_TOKEN, FakeWhatsAppServer


@pytest.fixture
def client(data_dir):
    with TestClient(api.build()) as c:
        yield c


@pytest.fixture
def wa(data_dir):
    with FakeWhatsAppServer() as fake:
        ch = factories.whatsapp_channel(fake)
        yield fake, ch, f"/hooks/{ch.id}/{ch.webhook_secret}"


def test_whatsapp_verify_challenge(client, wa):
    _, ch, url = wa
    ok = client.get(url, params={"hub.mode": "subscribe", "hub.verify_token": DEFAULT_VERIFY_TOKEN,
                                 "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = client.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                  "hub.challenge": "1"})
    assert bad.status_code == 403
    assert client.get(f"/hooks/{ch.id}/wrong-secret").status_code == 404


def test_whatsapp_signed_message_stored_once(client, wa):
    fake, ch, url = wa
    raw, sig = fake.state.sign(fake.state.text_message("79991234567", "Привет из WhatsApp", "Анна"))
    for _ in range(2):  # the provider retries: still one message
        r = client.post(url, content=raw, headers={"X-Hub-Signature-256": sig,
                                                   "Content-Type": "application/json"})
        assert r.status_code == 200
    assert count(Message) == 1
    row = dialog_list.list_page()[0]
    assert row.name == "Анна" and row.channel_kind == "whatsapp" and row.preview == "Привет из WhatsApp"
    assert dialogs.card(row.id).phone == "+79991234567"


def test_whatsapp_bad_signature_or_body_writes_nothing(client, wa):
    fake, ch, url = wa
    raw, sig = fake.state.sign(fake.state.text_message("79991234567", "hi"))
    assert client.post(url, content=raw, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}).status_code == 403
    assert client.post(url, content=raw).status_code == 403
    tampered = raw.replace(b"hi", b"ho")
    assert client.post(url, content=tampered, headers={"X-Hub-Signature-256": sig}).status_code == 403
    junk = b"{not json"
    _, junk_sig = fake.state.sign(junk)
    assert client.post(url, content=junk, headers={"X-Hub-Signature-256": junk_sig}).status_code == 400
    assert client.post(url, content=b"x" * (1024 * 1024 + 10)).status_code == 413
    assert count(Message) == 0


def test_whatsapp_media_is_downloaded(client, wa):
    fake, ch, url = wa
    raw, sig = fake.state.sign(fake.state.media_message("79990001122", "image", caption="look"))
    assert client.post(url, content=raw, headers={"X-Hub-Signature-256": sig}).status_code == 200
    [m] = dialogs.messages(dialog_list.list_page()[0].id)
    assert not m.attachments[0].get("url")  # the download is a durable job, not done inline
    assert sorted(j.kind for j in jobs.pending()) == ["media", "profile"]
    assert asyncio.run(workers.run_due_jobs()) == 2
    assert jobs.pending() == []
    [m] = dialogs.messages(dialog_list.list_page()[0].id)
    att = m.attachments[0]
    assert m.text == "look" and att["url"].startswith("/files/attachments/")
    assert att["mime_type"] == "image/png" and att["inline"] is True


def test_status_reports_and_unreachable(client, wa, monkeypatch):
    fake, ch, url = wa
    raw, sig = fake.state.sign(fake.state.text_message("79995550000", "hello", "Ivan"))
    client.post(url, content=raw, headers={"X-Hub-Signature-256": sig})
    op = auth.create_operator("op", "password-123")
    did = dialog_list.list_page()[0].id
    mid = outbox.queue(did, op.id, "answer")
    from messenger_app.channels import registry

    with db.session() as s:
        channel = s.get(type(ch), ch.id)

    async def send():
        adapter = registry.build(channel)
        try:
            return await outbox.deliver(mid, lambda _: adapter)
        finally:
            await adapter.close()

    assert asyncio.run(send()) == "sent"
    with db.session() as s:
        wamid = s.get(Message, mid).external_id
    for status in ("delivered", "read"):
        raw, sig = fake.state.sign(fake.state.status_webhook(wamid, "79995550000", status))
        assert client.post(url, content=raw, headers={"X-Hub-Signature-256": sig}).status_code == 200
    with db.session() as s:
        assert s.get(Message, mid).status == "read"
    raw, sig = fake.state.sign(fake.state.status_webhook(wamid, "79995550000", "failed", 131047))
    client.post(url, content=raw, headers={"X-Hub-Signature-256": sig})
    with db.session() as s:
        ident = s.exec(select(ChannelIdentity)).one()
    assert not ident.reachable and ident.unreachable_reason


def test_viber_subscribe_unsubscribe_and_signature(client, data_dir):
    with FakeViberServer() as fake:
        ch = channels.add("viber", "Viber", token=fake.state.token, base_url=fake.api_url)
        url = f"/hooks/{ch.id}/{ch.webhook_secret}"

        def post(body):
            raw, sig = fake.state.sign(body)
            return client.post(url, content=raw, headers={"X-Viber-Content-Signature": sig})

        assert post(fake.state.message_event("u1==", "Здравствуйте", name="Olga")).status_code == 200
        raw, _ = fake.state.sign(fake.state.message_event("u2==", "forged"))
        assert client.post(url, content=raw, headers={"X-Viber-Content-Signature": "00"}).status_code == 403
        assert post(fake.state.unsubscribed_event("u1==")).status_code == 200
        did = dialog_list.list_page()[0].id
        assert outbox.routes(did) == []
        assert outbox.routes(did, include_unusable=True)[0].reason  # shown disabled, with why
        assert post(fake.state.subscribed_event("u1==")).status_code == 200
        assert [r.channel_kind for r in outbox.routes(did)] == ["viber"]
        assert count(Message) == 1


def test_sms_webhook_secret_and_form_body(client, data_dir):
    ch = channels.add("sms", "SMS", config={"send_url": "http://127.0.0.1:9/send",
                                            "webhook_secret": "s3cret-value"})
    url = f"/hooks/{ch.id}/{ch.webhook_secret}"
    form = {"from": "+7 999 111-22-33", "text": "Нужна консультация", "id": "sms-1"}
    assert client.post(url, data=form).status_code == 403  # no gateway secret
    assert client.post(url + "?secret=s3cret-value", data=form).status_code == 200
    assert client.post(url + "?secret=s3cret-value", data=form).status_code == 200
    assert client.post(url + "?secret=s3cret-value", content=b"\xff\xfe garbage",
                       headers={"Content-Type": "application/json"}).status_code == 400
    assert count(Message) == 1
    row = dialog_list.list_page()[0]
    assert row.channel_kind == "sms" and dialogs.card(row.id).phone == "+79991112233"
    assert jobs.pending() == []  # SMS has no profiles: a new client there gets no profile job


def test_one_client_across_whatsapp_and_sms(client, wa):
    fake, ch, url = wa
    sms = channels.add("sms", "SMS", config={"send_url": "http://127.0.0.1:9/send"})
    raw, sig = fake.state.sign(fake.state.text_message("79994443322", "first, via WhatsApp", "Max"))
    client.post(url, content=raw, headers={"X-Hub-Signature-256": sig})
    client.post(f"/hooks/{sms.id}/{sms.webhook_secret}",
                data={"from": "89994443322", "text": "then an SMS", "id": "s-9"})
    [row] = dialog_list.list_page()
    assert [m.channel_kind for m in dialogs.messages(row.id)] == ["whatsapp", "sms"]
    assert row.channel_kind == "sms"


def test_disabled_or_unknown_channel_is_404(client, wa):
    fake, ch, url = wa
    channels.set_enabled(ch.id, False)
    raw, sig = fake.state.sign(fake.state.text_message("79990000000", "hi"))
    assert client.post(url, content=raw, headers={"X-Hub-Signature-256": sig}).status_code == 404
    assert client.post("/hooks/999/abc", content=raw).status_code == 404
    assert client.post("/hooks/abc/def", content=raw).status_code == 404
    assert count(Message) == 0


def _health(channel_id):
    return channels.get(channel_id).last_error


def test_one_bad_message_never_blocks_the_rest_of_its_batch(client, wa):
    """Issue 15: the second message's name held a lone surrogate → 500 for ever. Now the
    name is cleaned and both are stored; an item that cannot be stored at all (an id longer
    than the column) is written on the channel's health and the provider gets a 200."""
    fake, ch, url = wa
    body = fake.state.envelope({
        "contacts": [{"wa_id": "79990000001", "profile": {"name": "Ann"}},
                     {"wa_id": "79990000002", "profile": {"name": "Bad \ud800 name"}}],
        "messages": [
            {"from": "79990000001", "id": "wamid.1", "type": "text", "text": {"body": "first"}},
            {"from": "79990000002", "id": "wamid.2", "type": "text", "text": {"body": "x\u0000y"}},
            {"from": "79990000003", "id": "w" * 300, "type": "text", "text": {"body": "too long id"}},
            {"from": "79990000004", "id": "wamid.4", "type": "text", "text": {"body": ["list"]}},
            {"from": "79990000005", "id": "wamid.5", "type": "text", "text": {"body": "last"}},
        ]})
    raw, sig = fake.state.sign(body)
    r = client.post(url, content=raw, headers={"X-Hub-Signature-256": sig})
    assert r.status_code == 200 and r.json() == {"ok": True, "stored": 3, "rejected": 2}
    texts = sorted(m.text for row in dialog_list.list_page() for m in dialogs.messages(row.id))
    assert texts == ["first", "last", "xy"]
    assert "Bad \ufffd name" in {row.name for row in dialog_list.list_page()}
    health = _health(ch.id)
    assert "2 item(s) not stored" in health and "longer than 200" in health
    assert "text body is not a string" in health
    # the provider's retry of the same batch stores nothing twice
    assert client.post(url, content=raw, headers={"X-Hub-Signature-256": sig}).json()["stored"] == 0
    assert count(Message) == 3


def test_inbound_text_is_cut_at_the_limit(client, wa, monkeypatch):
    from messenger_app import settings

    monkeypatch.setenv("INBOUND_MAX_CHARS", "1000")
    settings.reset()
    fake, ch, url = wa
    raw, sig = fake.state.sign(fake.state.text_message("79991234567", "й" * 100_000))
    assert client.post(url, content=raw, headers={"X-Hub-Signature-256": sig}).status_code == 200
    [m] = dialogs.messages(dialog_list.list_page()[0].id)
    assert m.text == "й" * 1000


def test_body_size_is_enforced_while_reading_even_chunked(client, wa):
    fake, ch, url = wa
    def chunks():  # no Content-Length (chunked): the route counts while it reads
        for _ in range(64):
            yield b"x" * 65536

    r = client.post(url, content=chunks())
    assert r.status_code == 413
    assert client.post(url, content=b"{}", headers={"Content-Length": "abc"}).status_code == 400
    assert count(Message) == 0


def test_odd_urls_are_404_not_500(client, wa):
    fake, ch, url = wa
    raw, sig = fake.state.sign(fake.state.text_message("79990000000", "hi"))
    for path in [f"/hooks/{ch.id}/секрет", f"/hooks/{'9' * 40}/x", f"/hooks/{ch.id}/%00",
                 f"/hooks/{'١'}/{ch.webhook_secret}"]:
        assert client.post(path, content=raw, headers={"X-Hub-Signature-256": sig}).status_code == 404
        assert client.get(path).status_code == 404
    assert count(Message) == 0


def test_deeply_nested_json_is_a_clear_400(client, wa, caplog):
    fake, ch, url = wa
    for raw in [b"[" * 100_000, b'{"a":' * 900 + b"1" + b"}" * 900]:
        _, sig = fake.state.sign(raw)
        r = client.post(url, content=raw, headers={"X-Hub-Signature-256": sig})
        assert r.status_code == 400 and "nested deeper" in r.json()["error"]
    assert not [rec for rec in caplog.records if rec.exc_info]


def test_reading_stops_as_soon_as_the_limit_is_passed():
    from starlette.requests import Request

    from messenger_app import webhooks

    sent = []

    async def receive():  # an endless chunked upload
        sent.append(1)
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/hooks/1/x"},
                      receive)
    assert asyncio.run(webhooks._read_body(request)) is None
    assert len(sent) == webhooks.MAX_BODY // 65536 + 1  # not one chunk more than needed


def test_sms_status_batch_with_a_bad_record_applies_the_good_ones(client, data_dir):
    """Issue 15: one unreadable delivery report rejected the whole body (400) and the gateway
    retried it for ever. Now the good reports are applied, the bad ones are written on the
    channel's health, and the answer is a 200."""
    ch = channels.add("sms", "SMS", config={"send_url": "http://127.0.0.1:9/send"})
    url = f"/hooks/{ch.id}/{ch.webhook_secret}"
    assert client.post(url, data={"from": "+79991112233", "text": "hi", "id": "in-1"}).status_code == 200
    with db.session() as s:
        inbound = s.exec(select(Message)).one()
        for ext in ("gw-1", "gw-2"):
            s.add(Message(dialog_id=inbound.dialog_id, contact_id=inbound.contact_id,
                          channel_id=ch.id, channel_kind="sms", direction="out",
                          sender_kind="operator", text="answer", status="sent", external_id=ext))
        s.commit()
    body = json.dumps([
        {"id": "gw-1", "status": "DELIVRD"},
        {"id": "gw-x", "status": {"nested": "object"}},  # wrong type
        {"status": "delivered"},  # no id
        "not an object",
        {"id": "gw-2", "status": "undelivered", "error": "Absent subscriber"},
    ])
    r = client.post(url + "?type=status", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json() == {"ok": True, "stored": 0, "rejected": 3}
    with db.session() as s:
        got = {m.external_id: (m.status, m.error)
               for m in s.exec(select(Message).where(Message.direction == "out"))}
    assert got == {"gw-1": ("delivered", ""), "gw-2": ("failed", "Absent subscriber")}
    health = _health(ch.id)
    assert "3 item(s) not stored" in health
    assert "'gw-x'" in health and "not a single value" in health and "not an object" in health
    # a body whose only record is bad is still refused as a whole (nothing to keep)
    one_bad = client.post(url + "?type=status", content=b'{"status": "delivered"}',
                          headers={"Content-Type": "application/json"})
    assert one_bad.status_code == 400
def test_a_batch_is_one_transaction_and_a_database_refusal_spares_the_rest(client, wa,
                                                                         receive_many_calls):
    """The batch's good messages are stored together (one inbox.receive_many call); a
    message the database itself refuses (here a trigger) is left out, on the channel's
    health, and the others are still stored."""
    from sqlalchemy import text

    calls = receive_many_calls
    fake, ch, url = wa

    def post(*ids):
        body = fake.state.envelope({
            "contacts": [{"wa_id": "79990000001", "profile": {"name": "Ann"}}],
            "messages": [{"from": "79990000001", "id": i, "type": "text",
                          "text": {"body": f"text {i}"}} for i in ids]})
        raw, sig = fake.state.sign(body)
        return client.post(url, content=raw, headers={"X-Hub-Signature-256": sig})

    r = post("wamid.a", "wamid.b", "w" * 300, "wamid.c")
    assert r.json() == {"ok": True, "stored": 3, "rejected": 1}
    assert calls == [["wamid.a", "wamid.b", "wamid.c"]]  # the storable ones, in one call
    with db.engine().begin() as conn:
        conn.execute(text(f"CREATE TRIGGER refuse BEFORE INSERT ON {Message.__tablename__} "
                          "WHEN NEW.external_id = 'wamid.refused' "
                          "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"))
    r = post("wamid.d", "wamid.refused", "wamid.e")
    assert r.status_code == 200 and r.json() == {"ok": True, "stored": 2, "rejected": 1}
    texts = sorted(m.text for row in dialog_list.list_page() for m in dialogs.messages(row.id))
    assert texts == ["text wamid.a", "text wamid.b", "text wamid.c", "text wamid.d",
                     "text wamid.e"]
    assert "wamid.refused" in _health(ch.id) and "refused by the database" in _health(ch.id)
