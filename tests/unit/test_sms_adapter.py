"""SmsChannel against the local fake gateway (tests/fakes/sms_gateway.py), plus the pure
webhook / delivery-report parsers."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from datetime import datetime

import pytest

from messenger_app.channels.base import (
    Choice,
    OutboundFile,
    OutboundMessage,
    PermanentError,
    TransientError,
    UnreachableError,
)
from messenger_app.channels.http import StatusEvent
from messenger_app.channels.sms import webhook as sms_webhook
from messenger_app.channels.sms.config import SmsConfig, SmsConfigError
from messenger_app.channels.sms.gateway import SmsChannel
from messenger_app.channels.sms.inbound import parse_webhook
from messenger_app.channels.sms.kind import KIND as sms_kind
from messenger_app.channels.sms.reports import parse_status
from messenger_app.channels.sms.webhook import WebhookError, verify_secret
from tests.fake_fixtures import module_fake
from tests.fakes.sms_gateway import FakeSmsGateway

API_KEY = "sk-live-SECRET-9f8e7d"
FORM = "application/x-www-form-urlencoded"


server, gw = module_fake(lambda: FakeSmsGateway(api_key=API_KEY), name="gw")


def config(gw, **overrides) -> SmsConfig:
    base = {
        "send_url": f"{gw.url}/send",
        "method": "POST",
        "body_format": "form",
        "params_template": {"to": "{to}", "text": "{text}", "from": "{sender}", "ref": "{message_id}"},
        "sender": "ACME",
        "auth_header": "Authorization",
        "auth_value": f"Bearer {API_KEY}",
        "id_path": "messages.0.id",
    }
    base.update(overrides)
    return SmsConfig.from_dict(base)


async def send(cfg, to="79991234567", text="Привет, Анна!", key="501"):
    ch = SmsChannel(cfg)
    try:
        return await ch.send(to, OutboundMessage(text=text, idempotency_key=key))
    finally:
        await ch.close()


# -- outbound -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_form_post_fills_template_and_reads_id(gw):
    result = await send(config(gw))
    result2 = await send(config(gw), text="second", key="502")
    assert [s["id"] for s in gw.state.sent] == ["gw-1", "gw-2"]
    first = gw.state.sent[0]
    assert first["to"] == "+79991234567"  # to_format "plus" by default
    assert first["text"] == "Привет, Анна!"
    assert first["from"] == "ACME" and first["ref"] == "501"
    assert first["method"] == "POST" and first["content_type"] == FORM
    assert first["headers"]["authorization"] == f"Bearer {API_KEY}"
    assert result.external_id == "gw-1" and result2.external_id == "gw-2"
    assert result.raw["status_code"] == 200


@pytest.mark.asyncio
async def test_json_body_keeps_nested_template_and_digits_format(gw):
    cfg = config(gw, body_format="json", to_format="digits", params_template={
        "to": "{to}", "text": "[{sender}] {text}", "ref": "{message_id}",
        "options": {"flash": False, "tags": ["{sender}", "support"]}, "priority": 2})
    result = await send(cfg, to="+7 (999) 123-45-67", text='quote " and {brace}')
    sent = gw.state.sent[0]
    assert sent["content_type"] == "application/json"
    assert sent["to"] == "79991234567"
    assert sent["text"] == '[ACME] quote " and {brace}'  # only our placeholders are filled
    assert sent["params"]["options"] == {"flash": False, "tags": ["ACME", "support"]}
    assert sent["params"]["priority"] == 2
    assert result.external_id == "gw-1"


@pytest.mark.asyncio
async def test_get_with_url_placeholders_and_id_regex(gw):
    gw.state.response_mode = "text"  # answers "OK ID:gw-1"
    cfg = config(gw, method="GET", send_url=f"{gw.url}/send?to={{to}}",
                 params_template={"text": "{text}", "from": "{sender}"},
                 id_path="", id_regex=r"ID:(\S+)")
    result = await send(cfg, text="a&b=c ? ё")
    sent = gw.state.sent[0]
    assert sent["method"] == "GET"
    assert (sent["to"], sent["text"], sent["from"]) == ("+79991234567", "a&b=c ? ё", "ACME")
    assert result.external_id == "gw-1"


@pytest.mark.asyncio
async def test_missing_id_gives_empty_external_id(gw):
    result = await send(config(gw, id_path="nope.id"))
    assert len(gw.state.sent) == 1
    assert result.external_id == ""


@pytest.mark.asyncio
async def test_files_are_refused_never_dropped(gw):
    ch = SmsChannel(config(gw))
    pdf = OutboundFile(path="/nonexistent/a.pdf", file_name="a.pdf", mime_type="application/pdf",
                       size=10)
    try:
        with pytest.raises(PermanentError, match="cannot carry files"):
            await ch.send("79991234567", OutboundMessage(text="see file", files=[pdf]))
        with pytest.raises(PermanentError, match="text only"):
            await ch.send("79991234567", OutboundMessage(text=" "))
    finally:
        await ch.close()
    assert gw.state.requests == []
    assert sms_kind.capabilities.refuse_reason([pdf], []) == "files_not_supported"


@pytest.mark.asyncio
async def test_choices_are_numbered_options(gw):
    ch = SmsChannel(config(gw))
    try:
        await ch.send("79991234567", OutboundMessage(
            text="Confirm the visit?", choices=[Choice("y", "Yes"), Choice("n", "No, move it")]))
    finally:
        await ch.close()
    assert [s["text"] for s in gw.state.sent] == ["Confirm the visit?\n\n1. Yes\n2. No, move it"]


@pytest.mark.asyncio
async def test_our_message_id_lets_a_deduplicating_gateway_drop_a_resend(gw):
    gw.state.dedup = True
    with_ref = config(gw)  # the template carries {message_id} as "ref"
    assert SmsChannel(with_ref).sends_message_id
    first = await send(with_ref, key="777")
    again = await send(with_ref, key="777")  # a resend after a crash: same message id
    assert first.external_id == again.external_id == "gw-1"
    assert [s["ref"] for s in gw.state.sent] == ["777"]
    # or in a header, for gateways that take an idempotency key there
    by_header = config(gw, params_template={"to": "{to}", "text": "{text}"},
                       idempotency_header="Idempotency-Key")
    assert SmsChannel(by_header).sends_message_id
    await send(by_header, key="778")
    await send(by_header, key="778")
    assert [s["ref"] for s in gw.state.sent] == ["777", "778"]
    assert gw.state.requests[-1]["headers"]["idempotency-key"] == "778"
    # a template without the placeholder sends no id: the outbox must not count on dedup
    bare = config(gw, params_template={"to": "{to}", "text": "{text}"})
    assert not SmsChannel(bare).sends_message_id
    with pytest.raises(SmsConfigError, match="header name"):
        config(gw, idempotency_header="X: y\r\nEvil")


@pytest.mark.asyncio
async def test_non_phone_identity_is_unreachable_without_a_request(gw):
    with pytest.raises(UnreachableError):
        await send(config(gw), to="bank")
    assert gw.state.requests == []


# -- errors -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_429_is_transient_with_retry_after_then_retry_works(gw):
    gw.state.fail_rate_limit(retry_after=7)
    with pytest.raises(TransientError) as info:
        await send(config(gw))
    assert not isinstance(info.value, PermanentError)
    assert info.value.retry_after == 7
    assert (await send(config(gw))).external_id == "gw-1"
    assert len(gw.state.requests) == 2 and len(gw.state.sent) == 1


@pytest.mark.asyncio
async def test_retry_after_as_http_date(gw):
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 120))
    gw.state.fail(503, retry_after=when)
    with pytest.raises(TransientError) as info:
        await send(config(gw))
    assert 100 <= info.value.retry_after <= 121


@pytest.mark.asyncio
async def test_5xx_html_is_transient(gw):
    gw.state.fail_server(500)
    with pytest.raises(TransientError) as info:
        await send(config(gw))
    assert "HTTP 500" in str(info.value) and "<html>" not in str(info.value)
    assert info.value.retry_after is None


@pytest.mark.asyncio
async def test_timeout_and_refused_connection_are_transient(gw):
    gw.state.delay = 1.0
    with pytest.raises(TransientError, match="timed out"):
        await send(config(gw, timeout=0.2))
    gw.state.delay = 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransientError) as info:
        await send(config(gw, send_url=f"http://127.0.0.1:{port}/send?api_key={API_KEY}"))
    assert API_KEY not in str(info.value)


@pytest.mark.asyncio
async def test_bad_credentials_are_permanent_and_hide_the_secret(gw):
    wrong = "Bearer WRONG-secret-value-123"
    for cfg in (config(gw, auth_value=wrong), config(gw)):
        if cfg.auth_value != wrong:
            gw.state.fail(403, error=f"key {API_KEY} is disabled")  # the gateway echoes it
        with pytest.raises(PermanentError) as info:
            await send(cfg)
        assert not isinstance(info.value, UnreachableError)
        text = str(info.value) + repr(info.value)
        assert "credentials" in text
        assert API_KEY not in text and "WRONG-secret" not in text
    assert gw.state.sent == []


@pytest.mark.asyncio
async def test_invalid_number_is_unreachable_other_4xx_permanent(gw):
    gw.state.invalid_numbers.add("+15550000000")
    with pytest.raises(UnreachableError, match="Invalid phone number"):
        await send(config(gw), to="15550000000")
    gw.state.fail_invalid_number()
    with pytest.raises(UnreachableError):
        await send(config(gw))
    gw.state.fail(400, error="Message text too long")
    with pytest.raises(PermanentError, match="too long") as info:
        await send(config(gw))
    assert not isinstance(info.value, (UnreachableError, TransientError))
    assert gw.state.sent == []


@pytest.mark.asyncio
async def test_error_field_on_http_200(gw):
    cfg = config(gw, error_field="error")
    gw.state.fail(200, body={"status": "error", "error": "Insufficient balance"})
    with pytest.raises(PermanentError, match="Insufficient balance") as info:
        await send(cfg)
    assert not isinstance(info.value, UnreachableError)
    gw.state.fail(200, body={"error": "Unknown subscriber number"})
    with pytest.raises(UnreachableError):
        await send(cfg)
    gw.state.fail(200, body={"error": 0, "messages": [{"id": "x-9"}]})
    assert (await send(cfg)).external_id == "x-9"  # 0 means "no error"
    # without error_field the same 200 body counts as a success
    gw.state.fail(200, body={"status": "error", "error": "Insufficient balance"})
    assert (await send(config(gw))).external_id == ""


@pytest.mark.asyncio
async def test_secret_template_values_are_scrubbed(gw):
    cfg = config(gw, auth_header="", auth_value="",
                 params_template={"to": "{to}", "text": "{text}", "api_key": API_KEY})
    gw.state.fail(400, error=f"api_key {API_KEY} not allowed for sender")
    with pytest.raises(PermanentError) as info:
        await send(cfg)
    assert API_KEY not in str(info.value) and "<secret>" in str(info.value)
    assert gw.state.requests[0]["params"]["api_key"] == API_KEY  # it was sent, just not shown


# -- config ---------------------------------------------------------------------------


def test_config_round_trip_and_validation():
    cfg = SmsConfig.from_dict({"send_url": "https://gw.example/send", "method": "get",
                               "inbound_fields": {"from": "msisdn"}, "unknown_key": 1})
    assert cfg.method == "GET"
    assert cfg.inbound_fields["from"] == "msisdn" and cfg.inbound_fields["text"] == "text"
    data = cfg.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert SmsConfig.from_dict(data) == cfg
    assert SmsConfig.from_dict({}).params_template == {"to": "{to}", "text": "{text}", "from": "{sender}"}
    as_text = SmsConfig.from_dict({"params_template": '{"msisdn": "{to}", "msg": "{text}"}',
                                   "status_map": '{"2": "delivered"}'})
    assert as_text.params_template == {"msisdn": "{to}", "msg": "{text}"}
    assert as_text.status_map == {"2": "delivered"}
    for bad in ({"method": "PUT"}, {"body_format": "xml"}, {"id_regex": "("},
                {"send_url": "ftp://x"}, {"status_map": {"x": "exploded"}},
                {"params_template": "{not json"}):
        with pytest.raises(SmsConfigError):
            SmsConfig.from_dict(bad)
    assert issubclass(SmsConfigError, ValueError)
    assert set(SmsConfig.SECRET_FIELDS) == {"auth_value", "webhook_secret"}


# -- inbound webhooks -----------------------------------------------------------------


def test_form_webhook_cyrillic_and_phone_identity():
    body = urllib.parse.urlencode({"from": "+7 999 123-45-67", "text": "Здравствуйте, где заказ?",
                                   "id": "in-77", "date": "1700000000"}).encode()
    (msg,) = parse_webhook(FORM + "; charset=UTF-8", body, {"secret": "x"})
    assert msg.external_id == "in-77"
    assert msg.text == "Здравствуйте, где заказ?"
    assert msg.phone == "+7 999 123-45-67"
    assert msg.identity_external_id == "79991234567"
    assert msg.display_name == "+7 999 123-45-67"
    assert msg.sent_at == datetime(2023, 11, 14, 22, 13, 20)
    assert msg.raw["from"] == "+7 999 123-45-67"


def test_json_webhook_batch_with_custom_fields():
    body = json.dumps({"messages": [
        {"msisdn": "15551234567", "body": {"text": "one"}, "sms_id": 1, "ts": "2024-05-01T10:00:00Z"},
        {"msisdn": "15551234567", "body": {"text": "two"}, "sms_id": 2},
    ]}).encode()
    fmap = {"from": "msisdn", "text": "body.text", "id": "sms_id", "date": "ts", "items": "messages"}
    msgs = parse_webhook("application/json", body, {}, fmap)
    assert [(m.external_id, m.text, m.identity_external_id) for m in msgs] == [
        ("1", "one", "15551234567"), ("2", "two", "15551234567")]
    assert msgs[0].sent_at == datetime(2024, 5, 1, 10, 0) and msgs[1].sent_at is None
    assert msgs[0].phone == "15551234567"
    ch = SmsChannel({"inbound_fields": fmap})  # the channel uses its configured field map
    assert [m.text for m in ch.parse_webhook("application/json", body, {})] == ["one", "two"]


def test_query_only_webhook_and_hash_id_is_stable():
    query = {"from": "79990001122", "text": "ok"}
    (a,) = parse_webhook("", b"", query)
    (unparsable,) = parse_webhook("", b"", {"from": "123", "text": "short code"})
    assert unparsable.identity_external_id == "123" and unparsable.phone == "123"
    (b,) = parse_webhook("", b"", dict(query))
    (c,) = parse_webhook("", b"", {"from": "79990001122", "text": "ok!"})
    assert a.text == "ok" and a.identity_external_id == "79990001122"
    assert a.external_id.startswith("h:") and a.external_id == b.external_id != c.external_id


def test_json_without_content_type_and_alphanumeric_sender():
    (msg,) = parse_webhook("", b'{"from": "BANK", "text": "code 1234", "id": "z"}', None)
    assert msg.phone == "" and msg.identity_external_id == "bank" and msg.display_name == "BANK"


@pytest.mark.parametrize("ctype, body", [
    ("application/json", b'{"from": "7999", "text": '),  # truncated JSON
    ("application/json", b'"just a string"'),
    ("application/json", b"[1, 2]"),
    ("application/json", b'{"text": "no sender", "id": "1"}'),
    ("application/json", b'{"from": "79991234567", "text": {"nested": 1}}'),
    (FORM, b"text=no+sender&id=1"),
    (FORM, b"\xff\xfe\xfa"),  # not UTF-8
    ("text/plain", b"hello there"),
    ("multipart/form-data; boundary=x", b"--x\r\n"),
    ("", b""),
])
def test_malformed_webhook_raises_webhook_error(ctype, body):
    with pytest.raises(WebhookError) as info:
        parse_webhook(ctype, body, {})
    assert isinstance(info.value, ValueError) and str(info.value).startswith("sms")


# -- delivery reports --------------------------------------------------------------------


def test_parse_status_maps_gateway_words():
    body = json.dumps([
        {"id": "gw-1", "status": "DELIVRD"},
        {"id": "gw-2", "status": "Undelivered", "error": "Absent subscriber"},
        {"id": "gw-3", "status": "enroute", "error": "0"},
        {"id": "gw-4", "status": "mystery"},
    ]).encode()
    events = parse_status("application/json", body, {})
    assert events[0] == StatusEvent("gw-1", "delivered", raw_status="DELIVRD",
                                    raw={"id": "gw-1", "status": "DELIVRD"})
    assert (events[1].status, events[1].error) == ("failed", "Absent subscriber")
    assert (events[2].status, events[2].error) == ("sent", "")
    assert (events[3].status, events[3].raw_status) == ("unknown", "mystery")


def test_parse_status_form_custom_fields_and_map():
    body = b"MessageSid=SM1&MessageStatus=2&ErrorCode="
    events = parse_status(FORM, body, {}, {"id": "MessageSid", "status": "MessageStatus",
                                           "error": "ErrorCode"}, {"2": "delivered"})
    assert [(e.external_id, e.status, e.error) for e in events] == [("SM1", "delivered", "")]
    ch = SmsChannel({"status_fields": {"id": "MessageSid", "status": "MessageStatus"},
                     "status_map": {"2": "delivered"}})
    assert ch.parse_status(FORM, body, {})[0].status == "delivered"
    with pytest.raises(WebhookError):
        parse_status(FORM, b"MessageStatus=2", {}, {"id": "MessageSid", "status": "MessageStatus"})
    with pytest.raises(WebhookError):
        parse_status("application/json", b"{broken", {})


# -- webhook secret ------------------------------------------------------------------------


def test_verify_secret_is_constant_time_and_strict(monkeypatch):
    calls = []
    real = sms_webhook.hmac.compare_digest
    monkeypatch.setattr(sms_webhook.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert verify_secret("s3cr3t-Ж", "s3cr3t-Ж") is True
    assert verify_secret(["s3cr3t"], "s3cr3t") is True  # a query value list
    assert verify_secret("s3cr3t ", "s3cr3t") is False
    assert verify_secret("", "s3cr3t") is False
    assert verify_secret(None, "s3cr3t") is False
    assert verify_secret("", "") is False  # an empty secret never matches
    assert len(calls) == 4  # every non-empty comparison goes through compare_digest


def test_check_webhook_reads_query_or_header():
    ch = SmsChannel({"webhook_secret": "hook-123"})
    assert ch.check_webhook({"secret": "hook-123"}, {})
    assert ch.check_webhook({}, {"x-webhook-secret": "hook-123"})
    assert not ch.check_webhook({"secret": "hook-124"}, {})
    assert not ch.check_webhook({}, {})
    (msg,) = ch.parse_webhook(FORM, b"from=79991234567&text=hi&id=1", {"secret": "hook-123", "x": "1"})
    assert "secret" not in msg.raw and msg.raw["x"] == "1"  # the secret never lands in raw
    assert SmsChannel({}).check_webhook({}, {})  # no secret configured: not checked


# -- the promise: an SMS client joins the same client from another channel by phone -------


def test_sms_and_telegram_with_same_phone_share_one_dialog(data_dir):
    from messenger_app import db
    from messenger_app.channels.base import InboundMessage
    from messenger_app.models import Channel
    from messenger_app.services import inbox

    with db.session() as s:
        tg, sms_ch = Channel(kind="telegram", name="bot"), Channel(kind="sms", name="sms")
        s.add_all([tg, sms_ch])
        s.commit()
        tg_id, sms_id = tg.id, sms_ch.id
    first = inbox.receive(tg_id, "telegram", InboundMessage(
        external_id="1:1", identity_external_id="42", first_name="Anna", phone="+79991234567"))
    (msg,) = parse_webhook(FORM, b"from=8+999+123+45+67&text=hi&id=s1", {})
    assert msg.identity_external_id == "79991234567" and msg.phone == "8 999 123 45 67"
    second = inbox.receive(sms_id, "sms", msg)
    assert second.contact_id == first.contact_id and second.dialog_id == first.dialog_id
