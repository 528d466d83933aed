"""WhatsAppChannel against the local fake Cloud API (tests/fakes/whatsapp_server.py)."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio

from messenger_app.channels.base import (
    ChannelError,
    Choice,
    OutboundFile,
    OutboundMessage,
    PermanentError,
    Profile,
    TransientError,
    UnreachableError,
    numbered_options,
)
from messenger_app.channels.http import MalformedWebhook, StatusEvent
from messenger_app.channels.whatsapp.adapter import WhatsAppChannel
from messenger_app.channels.whatsapp.kind import KIND as whatsapp_kind
from messenger_app.channels.whatsapp.outbound import WhatsAppTemplate, _media_type
from messenger_app.channels.whatsapp.webhook import verify_challenge, verify_signature
from messenger_app.channels.whatsapp.window import WINDOW_CLOSED, window_open
from tests.fake_fixtures import module_fake
from tests.fakes.base import (OGG_BYTES, PDF_BYTES, PNG_BYTES, WebhookReceiver, outbound_file,
                              post_webhook)
from tests.fakes.whatsapp_server import SIGNATURE_HEADER, FakeWhatsAppServer

TOKEN = "EAAG-SECRET-whatsapp-token-123"
PNID = "106540352242922"
APP_SECRET = "app-SECRET-456"
VERIFY = "verify-me-789"
WA = "15551234567"


server, fake = module_fake(lambda: FakeWhatsAppServer(token=TOKEN, phone_number_id=PNID,
                                                       app_secret=APP_SECRET, verify_token=VERIFY))


@pytest_asyncio.fixture
async def ch(fake):
    channel = WhatsAppChannel(TOKEN, PNID, app_secret=APP_SECRET, verify_token=VERIFY,
                              base_url=fake.api_url)
    yield channel
    await channel.close()


def parse(fake, ch, body):
    """What the webhook route does: verify the signature of the raw body, then parse it."""
    raw, header = fake.state.sign(body)
    assert ch.verify_signature(raw, header)
    return ch.parse_webhook(json.loads(raw))


# -- webhook verification -------------------------------------------------------------------


def test_verify_challenge():
    good = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    assert verify_challenge(good, VERIFY) == "1158201444"
    assert verify_challenge({**good, "hub.verify_token": "nope"}, VERIFY) is None
    assert verify_challenge({**good, "hub.mode": "unsubscribe"}, VERIFY) is None
    assert verify_challenge({k: v for k, v in good.items() if k != "hub.challenge"}, VERIFY) is None
    assert verify_challenge({**good, "hub.verify_token": ""}, "") is None  # nothing configured
    assert WhatsAppChannel(TOKEN, PNID, verify_token=VERIFY).verify_challenge(good) == "1158201444"


def test_verify_signature(fake):
    raw, header = fake.state.sign(fake.state.text_message(WA, "hi"))
    assert header.startswith("sha256=") and verify_signature(raw, header, APP_SECRET)
    assert not verify_signature(raw + b"\n", header, APP_SECRET)
    assert not verify_signature(raw, header, "other-secret")
    assert not verify_signature(raw, header[len("sha256="):], APP_SECRET)  # prefix required
    assert not verify_signature(raw, "sha1=" + header[7:], APP_SECRET)
    assert not verify_signature(raw, "", APP_SECRET)
    assert not verify_signature(raw, header, "")  # no app secret configured: never valid
    assert not WhatsAppChannel(TOKEN, PNID, app_secret=APP_SECRET).verify_signature(raw, "sha256=" + "0" * 64)


# -- inbound -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_text_message_carries_phone_and_name(fake, ch):
    body = fake.state.text_message(WA, "Hello", name="Kerry Fisher", timestamp=1700000000)
    messages, statuses, identities = parse(fake, ch, body)
    assert statuses == [] and identities == []
    (m,) = messages
    wamid = body["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert m.external_id == wamid and m.external_id.startswith("wamid.")
    assert m.identity_external_id == WA and m.phone == "+" + WA  # joins the client by phone
    assert m.text == "Hello" and m.display_name == "Kerry Fisher"
    assert m.sent_at == datetime(2023, 11, 14, 22, 13, 20)
    assert m.attachments == []


@pytest.mark.asyncio
async def test_other_phone_numbers_and_fields_are_skipped(fake, ch):
    body = fake.state.text_message(WA, "for another number")
    body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert parse(fake, ch, body) == ([], [], [])
    body = fake.state.text_message(WA, "hi")
    body["entry"][0]["changes"][0]["field"] = "account_update"
    assert parse(fake, ch, body) == ([], [], [])


@pytest.mark.asyncio
async def test_media_messages_are_parsed_and_downloaded(fake, ch):
    st = fake.state
    image = parse(fake, ch, st.media_message(WA, "image", PNG_BYTES, "image/png", caption="look")).messages[0]
    doc = parse(fake, ch, st.media_message(WA, "document", PDF_BYTES, "application/pdf",
                                           file_name="invoice.pdf")).messages[0]
    voice = parse(fake, ch, st.media_message(WA, "audio", OGG_BYTES, "audio/ogg; codecs=opus",
                                             voice=True)).messages[0]
    audio = parse(fake, ch, st.media_message(WA, "audio", b"ID3....", "audio/mpeg")).messages[0]
    video = parse(fake, ch, st.media_message(WA, "video", b"\x00\x00\x00\x18ftypmp42", "video/mp4")).messages[0]
    sticker = parse(fake, ch, st.media_message(WA, "sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp")).messages[0]
    assert image.text == "look"
    (img,) = image.attachments
    assert img["kind"] == "photo" and img["media_id"] in st.media and img["mime_type"] == "image/png"
    assert doc.attachments[0]["kind"] == "document" and doc.attachments[0]["file_name"] == "invoice.pdf"
    assert [voice.attachments[0]["kind"], audio.attachments[0]["kind"]] == ["voice", "audio"]
    assert video.attachments[0]["kind"] == "video" and sticker.attachments[0]["kind"] == "sticker"
    assert all(m.phone == "+" + WA for m in (image, doc, voice, audio, video, sticker))
    assert await ch.download(img) == (PNG_BYTES, "image/png")
    assert await ch.download(doc.attachments[0]) == (PDF_BYTES, "application/pdf")
    assert await ch.download(sticker.attachments[0]) == (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp")
    assert fake.state.stats["media"] == 3 and fake.state.stats["media_download"] == 3
    with pytest.raises(PermanentError):
        await ch.download({"kind": "photo", "media_id": "404404"})
    with pytest.raises(PermanentError):
        await ch.download({"kind": "photo", "url": "http://x"})  # no media id


@pytest.mark.asyncio
async def test_interactive_location_and_contacts_become_text(fake, ch):
    st = fake.state
    button = parse(fake, ch, st.inbound(WA, {"type": "interactive", "interactive": {
        "type": "button_reply", "button_reply": {"id": "yes", "title": "Yes please"}}})).messages[0]
    place = parse(fake, ch, st.inbound(WA, {"type": "location", "location": {
        "latitude": 50.45, "longitude": 30.52, "name": "Office"}})).messages[0]
    card = parse(fake, ch, st.inbound(WA, {"type": "contacts", "contacts": [{
        "name": {"formatted_name": "Bob"}, "phones": [{"phone": "+1 555 000"}]}]})).messages[0]
    skipped = parse(fake, ch, st.inbound(WA, {"type": "reaction", "reaction": {
        "message_id": "wamid.x", "emoji": "👍"}}))
    assert button.text == "Yes please"
    assert place.text == "📍 50.45, 30.52 Office"
    assert card.text == "Bob +1 555 000" and card.phone == "+" + WA  # the sender's phone, not Bob's
    assert skipped.messages == []


@pytest.mark.asyncio
async def test_statuses_become_status_events(fake, ch):
    st = fake.state
    events = [parse(fake, ch, st.status_webhook("wamid.A", WA, s)).statuses[0]
              for s in ("sent", "delivered", "read")]
    failed = parse(fake, ch, st.status_webhook("wamid.B", WA, "failed", 131047)).statuses[0]
    other = parse(fake, ch, st.status_webhook("wamid.C", WA, "failed", 131053, "Media upload error")).statuses[0]
    assert [(e.external_id, e.status, e.error) for e in events] == [
        ("wamid.A", "sent", ""), ("wamid.A", "delivered", ""), ("wamid.A", "read", "")]
    assert isinstance(failed, StatusEvent) and failed.status == "failed"
    assert failed.error.startswith("Re-engagement message") and failed.error_code == 131047
    assert failed.unreachable is True and failed.identity_external_id == WA
    assert other.error.startswith("Media upload error") and other.unreachable is False
    assert isinstance(failed.at, datetime)


@pytest.mark.asyncio
@pytest.mark.parametrize("body", [
    None, [], "x", {}, {"object": "page", "entry": []}, {"object": "whatsapp_business_account"},
    {"object": "whatsapp_business_account", "entry": "nope"},
])
async def test_malformed_bodies_raise_a_clear_error(ch, body):
    with pytest.raises(MalformedWebhook) as info:
        ch.parse_webhook(body)
    assert isinstance(info.value, (ChannelError, ValueError)) and "whatsapp" in str(info.value)


@pytest.mark.asyncio
async def test_broken_items_inside_a_valid_envelope_are_skipped(fake, ch):
    body = fake.state.envelope({"messages": [
        "junk", {"type": "text"}, {"from": WA, "type": "text", "text": {"body": "no id"}},
        {"from": WA, "id": "wamid.ok", "type": "text", "text": {"body": "fine"}, "timestamp": "x"},
        {"from": WA, "id": "wamid.img", "type": "image", "image": {}},
    ], "statuses": [{"id": "wamid.s", "status": "weird"}, 7]})
    body["entry"].append("junk")
    batch = parse(fake, ch, body)
    unreadable = [m for m in batch.messages if m.problem]
    readable = [m for m in batch.messages if not m.problem]
    assert [m.external_id for m in readable] == ["wamid.ok"]
    assert readable[0].sent_at is None and readable[0].display_name == ""
    # the item that is no message object at all is reported (with why), not silently dropped
    assert [m.problem for m in unreadable] == ["message 1: not an object"]
    assert batch.statuses == []


@pytest.mark.asyncio
async def test_wrong_types_inside_one_message_mark_only_that_message(fake, ch):
    body = fake.state.envelope({
        "contacts": [{"wa_id": WA, "profile": ["not", "a", "dict"]}, "junk"],
        "messages": [
            {"from": WA, "id": "wamid.good", "type": "text", "text": {"body": "fine"}},
            {"from": WA, "id": "wamid.bad", "type": "text", "text": {"body": {"nested": 1}}},
            {"from": [WA], "id": "wamid.bad2", "type": "text", "text": {"body": "x"}},
            {"from": WA, "id": "wamid.bad3", "type": ["text"], "text": {"body": "x"}},
        ]})
    batch = parse(fake, ch, body)
    assert [(m.external_id, bool(m.problem)) for m in batch.messages] == [
        ("wamid.good", False), ("wamid.bad", True), ("wamid.bad2", True), ("wamid.bad3", True)]
    assert "text body is not a string" in batch.messages[1].problem
    assert batch.messages[0].display_name == ""  # a profile that is no object gives no name


# -- the 24-hour window ----------------------------------------------------------------------


def test_window_open():
    now = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert window_open(now - timedelta(hours=23, minutes=59), now)
    assert not window_open(now - timedelta(hours=24), now)
    assert not window_open(now - timedelta(days=3), now)
    assert not window_open(None, now)
    naive = datetime(2024, 5, 1, 0, 0)  # naive = UTC
    assert window_open(naive, now) and not window_open(naive - timedelta(hours=13), now)
    kyiv = timezone(timedelta(hours=3))
    assert window_open(datetime(2024, 5, 1, 14, 0, tzinfo=kyiv), now)  # 11:00 UTC
    assert window_open(datetime.now(timezone.utc) - timedelta(minutes=5))  # now defaults to the clock


@pytest.mark.asyncio
async def test_send_refuses_free_text_outside_the_window(fake, ch):
    old = datetime.now(timezone.utc) - timedelta(hours=25)
    with pytest.raises(UnreachableError) as info:
        await ch.send(WA, OutboundMessage(text="late", last_inbound_at=old))
    assert str(info.value) == WINDOW_CLOSED == "outside WhatsApp's 24-hour window: only templates"
    assert fake.state.stats.get("messages", 0) == 0  # refused before calling the API
    with pytest.raises(UnreachableError):
        ch.check_window(old)
    ch.check_window(datetime.now(timezone.utc))
    # a template is allowed any time
    tpl = WhatsAppTemplate("order_update", "en_US", [{"type": "body", "parameters": [
        {"type": "text", "text": "42"}]}])
    result = await ch.send_template(WA, tpl, idempotency_key="m-9")
    (sent,) = fake.state.sent
    assert sent["type"] == "template" and sent["template"]["name"] == "order_update"
    assert sent["biz_opaque_callback_data"] == "m-9"
    assert sent["template"]["language"] == {"code": "en_US"} and sent["id"] == result.external_id


@pytest.mark.asyncio
async def test_send_text_inside_the_window(fake, ch):
    parse(fake, ch, fake.state.text_message(WA, "hi"))
    result = await ch.send("+" + WA, OutboundMessage(
        text="Hello!", idempotency_key="m-1",
        last_inbound_at=datetime.now(timezone.utc) - timedelta(hours=23)))
    (sent,) = fake.state.sent
    assert (sent["to"], sent["type"], sent["text"]) == (WA, "text", "Hello!")
    assert sent["biz_opaque_callback_data"] == "m-1"
    request = fake.state.requests_of("messages")[0]
    assert request["messaging_product"] == "whatsapp" and request["to"] == WA
    assert result.external_id == sent["id"] and result.raw["messages"][0]["id"] == sent["id"]
    # the fake then reports it as sent, for the same external id
    (status_body,) = fake.state.pending_statuses
    assert parse(fake, ch, status_body).statuses[0].external_id == result.external_id


@pytest.mark.asyncio
async def test_unknown_window_is_decided_by_whatsapp(fake, ch):
    result = await ch.send(WA, OutboundMessage(text="never wrote"))  # no last_inbound_at given
    (status_body,) = fake.state.pending_statuses  # accepted, then failed by webhook
    (status,) = parse(fake, ch, status_body).statuses
    assert status.external_id == result.external_id and status.status == "failed"
    assert status.error_code == 131047 and status.unreachable


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("code,status", [(130429, 400), (131056, 400), (80007, 400), (131000, 500)])
async def test_rate_limits_are_transient(fake, ch, code, status):
    fake.state.add_failure("messages", status=status, code=code)
    with pytest.raises(TransientError, match=rf"\[{code}\]") as info:
        await ch.send(WA, OutboundMessage(text="x"))
    assert not isinstance(info.value, PermanentError)
    assert (await ch.send(WA, OutboundMessage(text="x"))).external_id  # only one call failed


@pytest.mark.asyncio
async def test_http_429_5xx_and_malformed_json_are_transient(fake, ch):
    fake.state.add_failure("messages", status=429, retry_after=12)
    fake.state.add_failure("messages", status=502, body="<html>Bad Gateway</html>")
    fake.state.add_failure("messages", status=200, body="<html>not json")
    with pytest.raises(TransientError) as info:
        await ch.send(WA, OutboundMessage(text="x"))
    assert info.value.retry_after == 12
    for _ in range(2):
        with pytest.raises(TransientError):
            await ch.send(WA, OutboundMessage(text="x"))
    assert len(fake.state.sent) == 0


@pytest.mark.asyncio
async def test_re_engagement_and_undeliverable_are_unreachable(fake, ch):
    fake.state.add_failure("messages", status=400, code=131047)
    with pytest.raises(UnreachableError, match="131047"):
        await ch.send(WA, OutboundMessage(text="x"))
    fake.state.block(WA)
    with pytest.raises(UnreachableError, match="Undeliverable"):
        await ch.send(WA, OutboundMessage(text="x"))
    assert fake.state.sent == []


@pytest.mark.asyncio
async def test_bad_token_is_permanent_and_hidden(fake):
    parse_ch = WhatsAppChannel("EAAG-WRONG-token", PNID, base_url=fake.api_url)
    media_id = fake.state.add_media(PNG_BYTES, "image/png")
    try:
        for call in (parse_ch.send(WA, OutboundMessage(text="x")), parse_ch.get_me(),
                     parse_ch.download({"kind": "photo", "media_id": media_id})):
            with pytest.raises(PermanentError) as info:
                await call
            assert not isinstance(info.value, UnreachableError)
            assert "invalid access token" in str(info.value)
            assert "WRONG" not in repr(info.value)
    finally:
        await parse_ch.close()


@pytest.mark.asyncio
async def test_other_errors_are_permanent(fake, ch):
    with pytest.raises(PermanentError, match="nothing to send") as info:
        await ch.send(WA, OutboundMessage(text=" "))
    assert not isinstance(info.value, (UnreachableError, TransientError))
    assert fake.state.stats.get("messages", 0) == 0  # refused before calling the API
    fake.state.add_failure("messages", status=400, code=100, message="(#100) Invalid parameter")
    with pytest.raises(PermanentError, match="Invalid parameter") as info:
        await ch.send(WA, OutboundMessage(text="x"))
    assert not isinstance(info.value, (UnreachableError, TransientError))
    wrong_number = WhatsAppChannel(TOKEN, "123", base_url=fake.api_url)
    try:
        with pytest.raises(PermanentError, match="does not exist"):
            await wrong_number.send(WA, OutboundMessage(text="x"))
    finally:
        await wrong_number.close()


@pytest.mark.asyncio
async def test_network_error_is_transient_without_secrets():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ch = WhatsAppChannel(TOKEN, PNID, app_secret=APP_SECRET, base_url=f"http://127.0.0.1:{port}/v21.0")
    try:
        with pytest.raises(TransientError) as info:
            await ch.send(WA, OutboundMessage(text="x"))
    finally:
        await ch.close()
    assert TOKEN not in str(info.value) and APP_SECRET not in str(info.value)


@pytest.mark.asyncio
async def test_get_me_and_profile(fake, ch):
    me = await ch.get_me()
    assert me["id"] == PNID and me["verified_name"] == "Fake Shop"
    assert fake.state.requests_of("phone")[0]["fields"] == "verified_name,display_phone_number"
    assert await ch.profile(WA) == Profile()  # the Cloud API has no profile lookup


@pytest.mark.asyncio
async def test_subscription_check_and_signed_notifications_through_a_route(fake, ch):
    """The route an integrator writes: GET → challenge or 403; POST → verify, parse, 200/403/400."""
    batches = []

    def route(method, raw, headers, query):
        if method == "GET":
            challenge = ch.verify_challenge(query)
            return (200, challenge) if challenge is not None else (403, "forbidden")
        if not ch.verify_signature(raw, headers.get("x-hub-signature-256", "")):
            return 403, "bad signature"
        try:
            batches.append(ch.parse_webhook(json.loads(raw)))
        except ValueError:  # MalformedWebhook and json errors alike
            return 400, "malformed"
        return 200, "ok"

    with WebhookReceiver(route) as hook:
        fake.state.webhook_url = hook.hook_url
        ok = fake.state.verify_webhook("31337")
        refused = fake.state.verify_webhook("31337", verify_token="guess")
        assert (ok.status_code, ok.text, refused.status_code) == (200, "31337", 403)
        assert fake.state.deliver(fake.state.text_message(WA, "via the route", name="Ann")).status_code == 200
        result = await ch.send(WA, OutboundMessage(text="reply",
                                                   last_inbound_at=datetime.now(timezone.utc)))
        assert fake.state.deliver_statuses() == [200]
        raw, header = fake.state.sign(fake.state.text_message(WA, "forged"))
        forged = post_webhook(hook.hook_url, raw.replace(b"forged", b"FORGED"), {SIGNATURE_HEADER: header})
        junk = fake.state.deliver(b"{not json")
        wrong_shape = fake.state.deliver({"object": "instagram", "entry": []})
    assert (forged.status_code, junk.status_code, wrong_shape.status_code) == (403, 400, 400)
    assert [m.text for b in batches for m in b.messages] == ["via the route"]
    assert batches[0].messages[0].phone == "+" + WA
    assert [(s.external_id, s.status) for b in batches for s in b.statuses] == [(result.external_id, "sent")]


# -- files and buttons ---------------------------------------------------------------------


def recent():
    return datetime.now(timezone.utc) - timedelta(minutes=5)


def calls(fake):
    return [r["method"] for r in fake.state.requests]


@pytest.mark.asyncio
async def test_one_file_is_uploaded_then_sent_by_id_with_the_text_as_caption(fake, ch, tmp_path):
    photo = outbound_file(tmp_path, "cat.png", PNG_BYTES, "image/png", "photo")
    result = await ch.send(WA, OutboundMessage(text="Your cat", files=[photo], idempotency_key="m-2",
                                               last_inbound_at=recent()))
    (upload,) = fake.state.uploads
    assert (upload["type"], upload["file_name"], upload["data"]) == ("image/png", "cat.png", PNG_BYTES)
    assert fake.state.requests_of("media_upload")[0]["messaging_product"] == "whatsapp"
    (sent,) = fake.state.sent
    assert sent["type"] == "image" and sent["media"] == {"id": upload["id"], "caption": "Your cat"}
    assert sent["data"] == PNG_BYTES and sent["biz_opaque_callback_data"] == "m-2"
    assert result.external_id == sent["id"] and result.raw["media"] == [upload["id"]]
    assert calls(fake) == ["media_upload", "messages"]


@pytest.mark.asyncio
async def test_several_files_each_go_as_their_own_message_after_all_uploads(fake, ch, tmp_path):
    files = [outbound_file(tmp_path, "a.png", PNG_BYTES, "image/png", "photo"),
             outbound_file(tmp_path, "report.pdf", PDF_BYTES, "application/pdf"),
             outbound_file(tmp_path, "note.ogg", OGG_BYTES, "audio/ogg", "voice")]
    result = await ch.send(WA, OutboundMessage(files=files, last_inbound_at=recent()))
    assert calls(fake) == ["media_upload"] * 3 + ["messages"] * 3  # nothing sent before all uploads
    image, document, audio = fake.state.sent
    assert [s["type"] for s in fake.state.sent] == ["image", "document", "audio"]
    assert image["media"] == {"id": fake.state.uploads[0]["id"]}  # no text: no caption
    assert document["filename"] == "report.pdf" and document["data"] == PDF_BYTES
    assert audio["mime_type"] == "audio/ogg" and "caption" not in audio["media"]
    assert result.external_id == image["id"] and result.raw["sent"] == [s["id"] for s in fake.state.sent]


@pytest.mark.asyncio
async def test_text_that_cannot_be_a_caption_goes_first_on_its_own(fake, ch, tmp_path):
    voice = outbound_file(tmp_path, "v.ogg", OGG_BYTES, "audio/ogg", "voice")
    await ch.send(WA, OutboundMessage(text="Listen", files=[voice], last_inbound_at=recent()))
    assert [(s["type"], s["text"]) for s in fake.state.sent] == [("text", "Listen"), ("audio", None)]
    fake.state.reset()
    long_text = "x" * 1025  # longer than a caption may be
    doc = outbound_file(tmp_path, "r.pdf", PDF_BYTES, "application/pdf")
    await ch.send(WA, OutboundMessage(text=long_text, files=[doc], last_inbound_at=recent()))
    text, document = fake.state.sent
    assert text["text"] == long_text and document["caption"] is None


def test_media_type_follows_what_whatsapp_plays():
    def f(mime, size=10):
        return OutboundFile(path="/x", file_name="f", mime_type=mime, size=size)
    assert _media_type(f("image/png")) == "image" and _media_type(f("image/jpeg")) == "image"
    assert _media_type(f("image/png", 5 * 1024 * 1024 + 1)) == "document"  # over 5 MB
    assert _media_type(f("image/gif")) == "document" and _media_type(f("application/pdf")) == "document"
    assert _media_type(f("video/mp4")) == "video" and _media_type(f("video/webm")) == "document"
    assert _media_type(f("audio/mpeg")) == "audio" and _media_type(f("audio/mpeg", 17 << 20)) == "document"


@pytest.mark.asyncio
async def test_upload_failures_send_nothing(fake, ch, tmp_path):
    photo = outbound_file(tmp_path, "a.png", PNG_BYTES, "image/png", "photo")
    doc = outbound_file(tmp_path, "b.pdf", PDF_BYTES, "application/pdf")
    fake.state.add_failure("media_upload", status=429, retry_after=7)
    with pytest.raises(TransientError) as info:
        await ch.send(WA, OutboundMessage(text="hi", files=[photo, doc], last_inbound_at=recent()))
    assert info.value.retry_after == 7 and fake.state.sent == []
    zipped = outbound_file(tmp_path, "c.zip", b"PK\x03\x04" + b"\x00" * 30, "application/zip")
    with pytest.raises(PermanentError, match="one of the following types"):
        await ch.send(WA, OutboundMessage(files=[photo, zipped], last_inbound_at=recent()))
    assert fake.state.sent == []
    missing = OutboundFile(path=str(tmp_path / "gone.pdf"), file_name="gone.pdf",
                           mime_type="application/pdf", size=5)
    before = len(fake.state.requests)
    with pytest.raises(PermanentError, match="gone.pdf is missing"):
        await ch.send(WA, OutboundMessage(files=[photo, missing], last_inbound_at=recent()))
    with pytest.raises(UnreachableError):  # window closed: not even an upload
        await ch.send(WA, OutboundMessage(files=[photo], last_inbound_at=recent() - timedelta(days=2)))
    assert len(fake.state.requests) == before


@pytest.mark.asyncio
async def test_up_to_three_choices_are_reply_buttons_and_a_tap_carries_the_id(fake, ch):
    choices = [Choice("yes", "Yes"), Choice("no", "No"), Choice("op", "Talk to a person")]
    result = await ch.send(WA, OutboundMessage(text="Shall we?", choices=choices,
                                               last_inbound_at=recent()))
    (sent,) = fake.state.sent
    assert sent["type"] == "interactive" and sent["id"] == result.external_id
    assert sent["interactive"] == {"type": "button", "body": {"text": "Shall we?"}, "action": {
        "buttons": [{"type": "reply", "reply": {"id": c.id, "title": c.label}} for c in choices]}}
    (tap,) = parse(fake, ch, fake.state.press(WA, sent, "op")).messages
    assert (tap.choice_id, tap.text) == ("op", "Talk to a person")


@pytest.mark.asyncio
async def test_four_to_ten_choices_are_a_list(fake, ch):
    choices = [Choice(f"c{i}", f"Option number {i}") for i in range(1, 11)]
    await ch.send(WA, OutboundMessage(text="Pick a slot", choices=choices, last_inbound_at=recent()))
    (sent,) = fake.state.sent
    interactive = sent["interactive"]
    assert interactive["type"] == "list" and interactive["body"] == {"text": "Pick a slot"}
    assert [r["id"] for r in interactive["action"]["sections"][0]["rows"]] == [c.id for c in choices]
    assert 0 < len(interactive["action"]["button"]) <= 20
    (tap,) = parse(fake, ch, fake.state.press(WA, sent, "c7")).messages
    assert (tap.choice_id, tap.text) == ("c7", "Option number 7")
    # three choices with a label too long for a button (21..24) still fit a list
    fake.state.reset()
    await ch.send(WA, OutboundMessage(text="?", choices=[Choice("a", "A" * 24), Choice("b", "B")],
                                      last_inbound_at=recent()))
    assert fake.state.sent[0]["interactive"]["type"] == "list"


@pytest.mark.asyncio
async def test_choices_that_do_not_fit_become_numbered_text(fake, ch):
    choices = [Choice(f"c{i}", f"Choice {i}") for i in range(1, 12)]  # 11 > a list's 10 rows
    await ch.send(WA, OutboundMessage(text="Which one?", choices=choices, last_inbound_at=recent()))
    (sent,) = fake.state.sent
    assert sent["type"] == "text" and sent["text"] == numbered_options("Which one?", choices)
    assert sent["text"].endswith("10. Choice 10\n11. Choice 11")


@pytest.mark.asyncio
async def test_text_file_and_buttons_the_file_first_then_the_buttons_with_the_text(fake, ch, tmp_path):
    doc = outbound_file(tmp_path, "menu.pdf", PDF_BYTES, "application/pdf")
    await ch.send(WA, OutboundMessage(text="Here is the menu. Order?", files=[doc],
                                      choices=[Choice("order", "Order"), Choice("later", "Later")],
                                      last_inbound_at=recent()))
    document, buttons = fake.state.sent
    assert document["type"] == "document" and document["caption"] is None
    assert buttons["interactive"]["body"]["text"] == "Here is the menu. Order?"
    # buttons without any text still get the body WhatsApp requires
    fake.state.reset()
    await ch.send(WA, OutboundMessage(choices=[Choice("ok", "OK")], last_inbound_at=recent()))
    assert fake.state.sent[0]["interactive"]["body"]["text"].strip()


@pytest.mark.asyncio
async def test_template_quick_reply_button_carries_its_payload(fake, ch):
    body = fake.state.inbound(WA, {"type": "button", "button": {"text": "Stop promotions",
                                                                "payload": "stop"}})
    (msg,) = parse(fake, ch, body).messages
    assert (msg.choice_id, msg.text) == ("stop", "Stop promotions")
    (plain,) = parse(fake, ch, fake.state.text_message(WA, "1")).messages
    assert plain.choice_id == ""  # a typed text is matched later, not here


def test_capabilities_match_what_the_adapter_sends():
    caps = whatsapp_kind.capabilities
    assert caps.reply_window_hours == 24 and caps.max_choices == 10 and caps.max_choice_label == 20
    ok = [OutboundFile("/x", n, m, 100) for n, m in (
        ("a.png", "image/png"), ("b.jpg", "image/jpeg"), ("c.pdf", "application/pdf"),
        ("d.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("e.mp4", "video/mp4"), ("f.ogg", "audio/ogg"))]
    assert caps.refuse_reason(ok, []) == ""
    assert caps.refuse_reason([OutboundFile("/x", "z.zip", "application/zip", 9)], []) == \
        "file_type_not_supported"
    assert caps.refuse_reason([OutboundFile("/x", "big.pdf", "application/pdf", 101 << 20)], []) == \
        "file_too_large"
    assert caps.refuse_reason([], [Choice("a", "x" * 21)]) == "choice_label_too_long"
