"""ViberChannel against the local fake Viber REST bot API (tests/fakes/viber_server.py)."""

from __future__ import annotations

import json
import socket
from datetime import datetime

import pytest
import pytest_asyncio

from messenger_app.channels.base import (
    ChannelError,
    Choice,
    OutboundFile,
    OutboundMessage,
    PermanentError,
    TransientError,
    UnreachableError,
    numbered_options,
)
from messenger_app.channels.viber import KIND as viber_kind
from messenger_app.channels.viber import (
    IdentityEvent,
    MalformedWebhook,
    StatusEvent,
    ViberChannel,
    verify_signature,
)
from tests.fake_fixtures import module_fake
from tests.fakes.base import PDF_BYTES, PNG_BYTES, WebhookReceiver, outbound_file, post_webhook
from tests.fakes.viber_server import SIGNATURE_HEADER, FakeViberServer
from tests.fakes.viber_server import sign as viber_sign

TOKEN = "4453b6ac1234SECRET-e02c5f12174805f9-9d3a35bd42b6ae26"
USER = "01234567890A="


server, fake = module_fake(lambda: FakeViberServer(token=TOKEN))


@pytest_asyncio.fixture
async def ch(fake):
    channel = ViberChannel(TOKEN, base_url=fake.api_url, sender_name="Shop")
    yield channel
    await channel.close()


def parse(ch, body):
    """What the webhook route does: verify the signature of the raw body, then parse it."""
    raw = json.dumps(body).encode()
    assert ch.verify_signature(raw, viber_sign(raw, TOKEN))
    return ch.parse_webhook(json.loads(raw))


# -- signatures ----------------------------------------------------------------------------


def test_signature_is_hmac_sha256_of_the_raw_body(fake):
    raw, signature = fake.state.sign(fake.state.message_event(USER, "hi"))
    assert verify_signature(raw, signature, TOKEN)
    assert verify_signature(raw, signature.upper(), TOKEN)  # hex case does not matter
    assert not verify_signature(raw + b" ", signature, TOKEN)  # body changed
    assert not verify_signature(raw.replace(b"hi", b"ho"), signature, TOKEN)
    assert not verify_signature(raw, signature, "another-token")
    assert not verify_signature(raw, "", TOKEN)
    assert not verify_signature(raw, "not hex at all", TOKEN)
    assert not verify_signature(raw, signature, "")  # no token configured: never valid
    channel = ViberChannel(TOKEN)
    assert channel.verify_signature(raw, signature) and not channel.verify_signature(raw, "0" * 64)


# -- inbound -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_text_message_is_parsed(fake, ch):
    body = fake.state.message_event(USER, "Hello there", name="Ann Lee")
    body["timestamp"] = 1700000000123
    messages, statuses, identities = parse(ch, body)
    assert statuses == [] and identities == []
    (m,) = messages
    assert m.external_id == str(body["message_token"]) and m.identity_external_id == USER
    assert m.text == "Hello there" and m.display_name == "Ann Lee"
    assert m.sent_at == datetime(2023, 11, 14, 22, 13, 20, 123000)
    assert m.attachments == [] and m.raw == body
    # redelivery of the same callback gives the same external id
    assert parse(ch, body).messages[0].external_id == m.external_id


@pytest.mark.asyncio
async def test_media_messages_are_parsed_and_downloaded(fake, ch):
    st = fake.state
    picture = parse(ch, st.picture_event(USER, caption="look")).messages[0]
    document = parse(ch, st.file_event(USER)).messages[0]
    video = parse(ch, st.video_event(USER)).messages[0]
    sticker = parse(ch, st.sticker_event(USER)).messages[0]
    contact = parse(ch, st.message_event(USER, type="contact",
                                         contact={"name": "Bob", "phone_number": "+380501112233"})).messages[0]
    location = parse(ch, st.message_event(USER, type="location",
                                          location={"lat": 50.45, "lon": 30.52})).messages[0]
    assert picture.text == "look"
    (p,) = picture.attachments
    assert p["kind"] == "photo" and p["url"].startswith(fake.url) and p["mime_type"] == "image/png"
    (d,) = document.attachments
    assert {k: d[k] for k in ("kind", "file_name", "mime_type", "file_size")} == {
        "kind": "document", "file_name": "invoice.pdf", "mime_type": "application/pdf",
        "file_size": len(PDF_BYTES)}
    assert video.attachments[0]["kind"] == "video" and video.attachments[0]["mime_type"] == "video/mp4"
    assert sticker.attachments[0]["kind"] == "sticker" and sticker.attachments[0]["media_id"] == "46105"
    assert contact.text == "Bob +380501112233" and contact.phone == ""  # not the sender's own
    assert location.text == "📍 50.45, 30.52"
    assert await ch.download(p) == (PNG_BYTES, "image/png")
    assert await ch.download(d) == (PDF_BYTES, "application/pdf")
    with pytest.raises(PermanentError):
        await ch.download({"kind": "photo", "url": f"{fake.url}/files/expired"})
    with pytest.raises(PermanentError):
        await ch.download({"kind": "photo"})


@pytest.mark.asyncio
async def test_subscription_events_are_identity_events(fake, ch):
    sub = parse(ch, fake.state.subscribed_event(USER, name="Ann"))
    unsub = parse(ch, fake.state.unsubscribed_event(USER))
    opened = parse(ch, fake.state.conversation_started_event("NEW==", name="Neo"))
    opened_sub = parse(ch, fake.state.conversation_started_event(USER, subscribed=True))
    assert sub.messages == [] and sub.statuses == []
    (s,), (u,), (o,), (o2,) = sub.identities, unsub.identities, opened.identities, opened_sub.identities
    assert isinstance(s, IdentityEvent)
    assert (s.identity_external_id, s.reachable, s.event, s.display_name) == (USER, True, "subscribed", "Ann")
    assert (u.identity_external_id, u.reachable, u.event) == (USER, False, "unsubscribed")
    assert "unsubscribed" in u.reason
    assert (o.identity_external_id, o.reachable, o.display_name) == ("NEW==", False, "Neo")
    assert o.event == "conversation_started" and o.reason
    assert o2.reachable is True and o2.reason == ""


@pytest.mark.asyncio
async def test_delivery_events_are_status_events(fake, ch):
    d = parse(ch, fake.state.status_event("delivered", 5741311803571721087, USER)).statuses
    r = parse(ch, fake.state.status_event("seen", 5741311803571721087, USER)).statuses
    f = parse(ch, fake.state.status_event("failed", 42, USER, desc="device offline")).statuses
    assert d == [StatusEvent(external_id="5741311803571721087", status="delivered",
                             identity_external_id=USER, at=d[0].at, raw=d[0].raw)]
    assert (r[0].external_id, r[0].status) == ("5741311803571721087", "read")
    assert (f[0].external_id, f[0].status, f[0].error) == ("42", "failed", "device offline")
    assert isinstance(d[0].at, datetime)


@pytest.mark.asyncio
async def test_webhook_check_and_unknown_events_give_nothing(fake, ch):
    assert parse(ch, fake.state.webhook_event()) == ([], [], [])
    assert ch.parse_webhook({"event": "client_status", "timestamp": 1}) == ([], [], [])


@pytest.mark.asyncio
@pytest.mark.parametrize("body", [
    None, [], "message", {}, {"event": 5},
    {"event": "message", "timestamp": 1, "message_token": 1, "message": {"type": "text", "text": "x"}},
    {"event": "message", "timestamp": 1, "sender": {"id": "u"}, "message": {"type": "text"}},
    {"event": "message", "timestamp": 1, "message_token": 1, "sender": {"id": "u"}, "message": "x"},
    {"event": "unsubscribed", "timestamp": 1},
    {"event": "subscribed", "timestamp": 1, "user": {}},
    {"event": "delivered", "timestamp": 1, "user_id": "u"},
])
async def test_malformed_bodies_raise_a_clear_error(ch, body):
    with pytest.raises(MalformedWebhook) as info:
        ch.parse_webhook(body)
    assert isinstance(info.value, (ChannelError, ValueError)) and "viber" in str(info.value)


# -- outbound ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_send_text(fake, ch):
    parse(ch, fake.state.message_event(USER, "hi"))  # the user wrote: subscribed
    result = await ch.send(USER, OutboundMessage(text="Hello Ann", idempotency_key="m-7"))
    (sent,) = fake.state.sent
    assert (sent["receiver"], sent["text"], sent["type"]) == (USER, "Hello Ann", "text")
    assert sent["sender"] == {"name": "Shop"} and sent["tracking_data"] == "m-7"
    assert result.external_id == str(sent["message_token"]) and result.raw["status"] == 0
    # the delivery report for it matches the external id
    status = parse(ch, fake.state.status_event("delivered", sent["message_token"], USER)).statuses[0]
    assert status.external_id == result.external_id


@pytest.mark.asyncio
async def test_unsubscribed_or_unknown_receiver_is_unreachable(fake, ch):
    parse(ch, fake.state.message_event(USER, "hi"))
    parse(ch, fake.state.unsubscribed_event(USER))
    with pytest.raises(UnreachableError, match="receiverNotSubscribed"):
        await ch.send(USER, OutboundMessage(text="x"))
    with pytest.raises(UnreachableError, match="receiverNotRegistered"):
        await ch.send("nobody==", OutboundMessage(text="x"))
    fake.state.message_event(USER, "back")
    fake.state.block(USER)
    with pytest.raises(UnreachableError):
        await ch.send(USER, OutboundMessage(text="x"))
    assert fake.state.sent == []


@pytest.mark.asyncio
async def test_rate_limit_and_server_errors_are_transient(fake, ch):
    fake.state.message_event(USER, "hi")
    fake.state.add_failure("send_message", code=12)
    fake.state.add_failure("send_message", status=503, body="<html>down</html>")
    fake.state.add_failure("send_message", status=429, retry_after=9)
    fake.state.add_failure("send_message", status=200, body="<html>not json")
    with pytest.raises(TransientError, match="tooManyRequests") as info:
        await ch.send(USER, OutboundMessage(text="x"))
    assert info.value.retry_after == 1.0
    with pytest.raises(TransientError) as info:
        await ch.send(USER, OutboundMessage(text="x"))
    assert not isinstance(info.value, PermanentError)
    with pytest.raises(TransientError) as info:
        await ch.send(USER, OutboundMessage(text="x"))
    assert info.value.retry_after == 9
    with pytest.raises(TransientError, match="malformed"):
        await ch.send(USER, OutboundMessage(text="x"))
    assert (await ch.send(USER, OutboundMessage(text="x"))).external_id
    assert len(fake.state.sent) == 1


@pytest.mark.asyncio
async def test_wrong_token_is_permanent_and_hidden(fake):
    fake.state.message_event(USER, "hi")
    bad = "WRONG-viber-secret-token"
    ch = ViberChannel(bad, base_url=fake.api_url)
    try:
        for call in (ch.send(USER, OutboundMessage(text="x")), ch.set_webhook("https://x.test/hook"),
                     ch.get_me(), ch.profile(USER)):
            with pytest.raises(PermanentError) as info:
                await call
            assert not isinstance(info.value, UnreachableError)
            assert "invalid auth token" in str(info.value)
            assert bad not in str(info.value) and "WRONG" not in repr(info.value)
    finally:
        await ch.close()
    assert fake.state.webhook_url == ""


@pytest.mark.asyncio
async def test_other_refusals_are_permanent(fake, ch):
    fake.state.message_event(USER, "hi")
    with pytest.raises(PermanentError, match="nothing to send") as info:
        await ch.send(USER, OutboundMessage(text=" "))
    assert fake.state.stats.get("send_message", 0) == 0  # refused before calling the API
    fake.state.add_failure("send_message", code=3, message="badData")
    with pytest.raises(PermanentError, match="badData") as info:
        await ch.send(USER, OutboundMessage(text="x"))
    assert not isinstance(info.value, (UnreachableError, TransientError))


@pytest.mark.asyncio
async def test_network_error_is_transient_without_token():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ch = ViberChannel(TOKEN, base_url=f"http://127.0.0.1:{port}/pa")
    try:
        with pytest.raises(TransientError) as info:
            await ch.send(USER, OutboundMessage(text="x"))
    finally:
        await ch.close()
    assert TOKEN not in str(info.value)


# -- setup and profile ----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_set_webhook_registers_url_and_events(fake, ch):
    result = await ch.set_webhook("https://app.example/webhooks/viber/3")
    assert result["status"] == 0
    assert fake.state.webhook_url == "https://app.example/webhooks/viber/3"
    assert set(fake.state.event_types) == {"delivered", "seen", "failed", "subscribed",
                                           "unsubscribed", "conversation_started"}
    assert (await ch.get_me())["webhook"] == "https://app.example/webhooks/viber/3"
    await ch.remove_webhook()
    assert fake.state.webhook_url == ""


@pytest.mark.asyncio
async def test_set_webhook_fails_when_viber_cannot_reach_the_url(fake, ch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fake.state.check_webhook = True
    with pytest.raises(PermanentError, match=r"\[1\]") as info:
        await ch.set_webhook(f"http://127.0.0.1:{port}/hook")
    assert not isinstance(info.value, UnreachableError)
    assert fake.state.webhook_url == ""


@pytest.mark.asyncio
async def test_profile_reads_name_and_avatar(fake, ch):
    fake.state.register_user(USER, "Ann Lee", with_avatar=True)
    fake.state.register_user("B==", "Bob")
    ann = await ch.profile(USER)
    bob = await ch.profile("B==")
    assert ann.display_name == "Ann Lee" and ann.avatar_bytes.startswith(b"\x89PNG")
    assert ann.avatar_content_type == "image/png"
    assert bob.display_name == "Bob" and bob.avatar_bytes is None
    with pytest.raises(TransientError):  # Viber: once per user per 12 hours
        await ch.profile(USER)
    with pytest.raises(UnreachableError):
        await ch.profile("unknown==")


@pytest.mark.asyncio
async def test_signed_callbacks_through_a_webhook_route(fake, ch):
    """The route an integrator writes: verify the raw body, parse, answer 200 / 403 / 400."""
    batches = []

    def route(method, raw, headers, query):
        if not ch.verify_signature(raw, headers.get("x-viber-content-signature", "")):
            return 403, "bad signature"
        try:
            batches.append(ch.parse_webhook(json.loads(raw)))
        except ValueError:  # MalformedWebhook and json errors alike
            return 400, "malformed"
        return 200, "ok"

    with WebhookReceiver(route) as hook:
        fake.state.check_webhook = True  # Viber calls the URL before set_webhook answers
        assert (await ch.set_webhook(hook.hook_url))["status"] == 0
        assert json.loads(hook.calls[0]["body"])["event"] == "webhook" and hook.calls[0]["status"] == 200
        assert fake.state.deliver(fake.state.message_event(USER, "via the route")).status_code == 200
        raw, signature = fake.state.sign(fake.state.message_event(USER, "forged"))
        forged = post_webhook(hook.hook_url, raw.replace(b"forged", b"FORGED"), {SIGNATURE_HEADER: signature})
        junk = fake.state.deliver(b"not json")
        wrong_shape = fake.state.deliver(b"[1, 2]")
    assert (forged.status_code, junk.status_code, wrong_shape.status_code) == (403, 400, 400)
    assert [m.text for b in batches for m in b.messages] == ["via the route"]


# -- files and buttons ---------------------------------------------------------------------


def public(fake, tmp_path, name, data, mime, kind="document", served_as=None):
    """A file as the outbox hands it over: on disk, with a public URL (served by the fake
    here, standing in for the app's signed /files URL)."""
    url = fake.state.add_file(data, mime, served_as or name)
    return outbound_file(tmp_path, name, data, mime, kind, url=url)


@pytest.mark.asyncio
async def test_a_picture_goes_by_url_with_the_text_as_its_caption(fake, ch, tmp_path):
    parse(ch, fake.state.message_event(USER, "hi"))
    photo = public(fake, tmp_path, "cat.png", PNG_BYTES, "image/png", "photo")
    result = await ch.send(USER, OutboundMessage(text="Your cat", files=[photo], idempotency_key="m-3"))
    (sent,) = fake.state.sent
    assert (sent["type"], sent["text"], sent["media"]) == ("picture", "Your cat", photo.url)
    assert sent["fetch_status"] == 200 and sent["data"] == PNG_BYTES  # Viber fetched the URL
    assert sent["tracking_data"] == "m-3" and result.external_id == str(sent["message_token"])


@pytest.mark.asyncio
async def test_several_files_one_message_each_and_long_text_first(fake, ch, tmp_path):
    parse(ch, fake.state.message_event(USER, "hi"))
    files = [public(fake, tmp_path, "a.png", PNG_BYTES, "image/png", "photo"),
             public(fake, tmp_path, "report.pdf", PDF_BYTES, "application/pdf")]
    text = "x" * 769  # longer than a picture's text may be
    result = await ch.send(USER, OutboundMessage(text=text, files=files))
    first, picture, document = fake.state.sent
    assert (first["type"], first["text"]) == ("text", text)
    assert (picture["type"], picture["text"], picture["data"]) == ("picture", "", PNG_BYTES)
    assert (document["type"], document["file_name"], document["size"], document["data"]) == (
        "file", "report.pdf", len(PDF_BYTES), PDF_BYTES)
    assert result.external_id == str(first["message_token"])
    assert result.raw["sent"] == [str(s["message_token"]) for s in fake.state.sent]


@pytest.mark.asyncio
async def test_text_and_a_document_the_text_goes_first(fake, ch, tmp_path):
    parse(ch, fake.state.message_event(USER, "hi"))
    doc = public(fake, tmp_path, "invoice.pdf", PDF_BYTES, "application/pdf")
    await ch.send(USER, OutboundMessage(text="Your invoice", files=[doc]))
    assert [(s["type"], s["text"]) for s in fake.state.sent] == [("text", "Your invoice"),
                                                                  ("file", None)]


@pytest.mark.asyncio
async def test_pictures_viber_would_refuse_go_as_files(fake, ch, tmp_path):
    parse(ch, fake.state.message_event(USER, "hi"))
    no_ext = public(fake, tmp_path, "cat.png", PNG_BYTES, "image/png", "photo", served_as="sig-abc")
    big = OutboundFile(path=no_ext.path, file_name="huge.jpg", mime_type="image/jpeg",
                       size=2 * 1024 * 1024, url=fake.state.add_file(PNG_BYTES, "image/jpeg", "h.jpg"))
    webp = public(fake, tmp_path, "s.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", "photo")
    await ch.send(USER, OutboundMessage(files=[no_ext, big, webp]))
    assert [(s["type"], s["file_name"]) for s in fake.state.sent] == [
        ("file", "cat.png"), ("file", "huge.jpg"), ("file", "s.webp")]
    assert all(s["fetch_status"] == 200 for s in fake.state.sent)


@pytest.mark.asyncio
async def test_files_without_a_public_url_are_refused_before_anything_is_sent(fake, ch, tmp_path):
    parse(ch, fake.state.message_event(USER, "hi"))
    with_url = public(fake, tmp_path, "a.png", PNG_BYTES, "image/png", "photo")
    without = outbound_file(tmp_path, "b.pdf", PDF_BYTES, "application/pdf")
    with pytest.raises(PermanentError, match="viber needs PUBLIC_URL to send files"):
        await ch.send(USER, OutboundMessage(text="x", files=[with_url, without]))
    assert fake.state.stats.get("send_message", 0) == 0


@pytest.mark.asyncio
async def test_choices_are_a_keyboard_and_a_press_carries_the_choice(fake, ch):
    parse(ch, fake.state.message_event(USER, "hi"))
    choices = [Choice("yes", "Yes"), Choice("no", "No"), Choice("op", "Talk to a person")]
    await ch.send(USER, OutboundMessage(text="Shall we?", choices=choices, idempotency_key="m-4"))
    (sent,) = fake.state.sent
    keyboard = sent["keyboard"]
    assert keyboard["Type"] == "keyboard"
    assert [(b["ActionType"], b["ActionBody"], b["Text"]) for b in keyboard["Buttons"]] == [
        ("reply", c.id, c.label) for c in choices]
    assert json.loads(sent["tracking_data"])["m"] == "m-4"
    (press,) = parse(ch, fake.state.press(USER, sent, "op")).messages
    assert (press.choice_id, press.text) == ("op", "Talk to a person")
    (typed,) = parse(ch, fake.state.message_event(USER, "maybe later")).messages
    assert (typed.choice_id, typed.text) == ("", "maybe later")  # not a button we offered
    await ch.send(USER, OutboundMessage(text="Noted"))  # no keyboard: tracking_data is back to plain
    (after,) = parse(ch, fake.state.message_event(USER, "op")).messages
    assert (after.choice_id, after.text) == ("", "op")


@pytest.mark.asyncio
async def test_too_many_choices_become_numbered_text(fake, ch):
    parse(ch, fake.state.message_event(USER, "hi"))
    many = [Choice(f"c{i}", f"Option {i}") for i in range(1, 26)]  # Viber: 24 buttons at most
    await ch.send(USER, OutboundMessage(text="Pick", choices=many))
    (sent,) = fake.state.sent
    assert sent["keyboard"] is None and sent["text"] == numbered_options("Pick", many)


@pytest.mark.asyncio
async def test_text_file_and_buttons_the_keyboard_rides_on_the_last_message(fake, ch, tmp_path):
    parse(ch, fake.state.message_event(USER, "hi"))
    doc = public(fake, tmp_path, "menu.pdf", PDF_BYTES, "application/pdf")
    await ch.send(USER, OutboundMessage(text="Menu. Order?", files=[doc],
                                        choices=[Choice("order", "Order")]))
    text, document = fake.state.sent
    assert text["keyboard"] is None and document["keyboard"]["Buttons"][0]["ActionBody"] == "order"
    fake.state.reset()
    parse(ch, fake.state.message_event(USER, "hi"))
    await ch.send(USER, OutboundMessage(choices=[Choice("ok", "OK")]))  # buttons alone
    (alone,) = fake.state.sent
    assert alone["type"] == "text" and alone["text"].strip() and alone["keyboard"]


@pytest.mark.asyncio
async def test_a_rate_limit_on_a_file_message_is_transient(fake, ch, tmp_path):
    parse(ch, fake.state.message_event(USER, "hi"))
    photo = public(fake, tmp_path, "a.png", PNG_BYTES, "image/png", "photo")
    fake.state.add_failure("send_message", code=12)
    with pytest.raises(TransientError) as info:
        await ch.send(USER, OutboundMessage(files=[photo]))
    assert info.value.retry_after == 1.0 and fake.state.sent == []


def test_capabilities_match_what_the_adapter_sends():
    caps = viber_kind.capabilities
    assert caps.native_choices == caps.max_choices == 24 and caps.max_text == 7000
    assert caps.refuse_reason([OutboundFile("/x", "big.zip", "application/zip", 51 << 20)], []) == \
        "file_too_large"
    assert caps.refuse_reason([], [Choice("a", "x" * 41)]) == "choice_label_too_long"
    assert caps.refuse_reason([], [Choice(f"c{i}", "x") for i in range(24)]) == ""
