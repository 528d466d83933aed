"""VkChannel against the local fake VK API + Bots Long Poll server (tests/fakes/vk_server.py)."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import datetime, timezone

import pytest

from messenger_app.channels.base import (
    Choice,
    OutboundFile,
    OutboundMessage,
    PermanentError,
    PollingChannel,
    TransientError,
    UnreachableError,
    numbered_options,
)
from messenger_app.channels.vk.adapter import VkChannel
from messenger_app.channels.vk.events import _choice_of
from messenger_app.channels.vk.kind import KIND as vk_kind
from messenger_app.channels.vk.outbound import stable_random_id
from tests.fake_fixtures import module_fake
from tests.waits import until
from tests.fakes.base import OGG_BYTES, PDF_BYTES, PNG_BYTES, outbound_file
from tests.fakes.vk_server import FakeVkServer

TOKEN = "vk1.a.SECRET-community-token-XYZ"
GROUP = 229876543


server, fake = module_fake(lambda: FakeVkServer(token=TOKEN, group_id=GROUP))


def channel(fake, token=TOKEN, poll_wait=0, group_id=GROUP):
    return VkChannel(token, group_id, base_url=fake.api_url, poll_wait=poll_wait)


def _held(fake) -> bool:
    """The fake is holding a long poll open (waiting for an event)."""
    with fake.state._lock:
        return bool(fake.state._waiters)


async def poll_all(ch, cursor=""):
    try:
        return await ch.poll(cursor)
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_poll_gets_a_server_and_maps_messages(fake):
    ch = channel(fake)
    assert isinstance(ch, PollingChannel) and ch.kind == "vk"
    try:
        # a fresh server starts at VK's current ts: older events are not replayed
        fake.state.queue_user_message(303, "before the bot was connected")
        first, cursor = await ch.poll("")
        assert first == []
        fake.state.queue_user_message(101, "hello", first_name="Ann", date=1700000000)
        fake.state.queue_user_message(202, "second")
        messages, cursor = await ch.poll(cursor)
    finally:
        await ch.close()
    assert [m.text for m in messages] == ["hello", "second"]
    ann = messages[0]
    assert ann.external_id == "101:1" and ann.identity_external_id == "101"
    assert messages[1].external_id == "202:1"
    assert ann.sent_at == datetime(2023, 11, 14, 22, 13, 20) and ann.sent_at.tzinfo is None
    assert ann.attachments == [] and ann.raw["type"] == "message_new"
    state = json.loads(cursor)
    assert state == {"server": f"{fake.url}/lp/{GROUP}", "key": fake.state.key, "ts": "4"}
    assert len(cursor) < 200  # fits Channel.cursor
    assert fake.state.requests_of("groups.getLongPollServer") == [{"group_id": str(GROUP), "v": "5.199"}]
    check = fake.state.requests_of("a_check")[-1]
    assert check["act"] == "a_check" and check["wait"] == "0" and check["ts"] == "2"
    assert "access_token" not in check and "SECRET" not in json.dumps(fake.state.requests)


@pytest.mark.asyncio
async def test_cursor_is_reused_and_advances(fake):
    ch = channel(fake)
    try:
        _, cursor = await ch.poll("")
        fake.state.queue_user_message(101, "one")
        first, cursor = await ch.poll(cursor)
        again, cursor2 = await ch.poll(cursor)
        assert [m.text for m in first] == ["one"] and again == [] and cursor2 == cursor
        fake.state.queue_user_message(101, "two")
        second, cursor3 = await ch.poll(cursor2)
        replay, _ = await ch.poll(cursor)  # an unsaved cursor gets the same events again
    finally:
        await ch.close()
    assert [m.text for m in second] == ["two"] and second[0].external_id == "101:2"
    assert [m.external_id for m in replay] == ["101:2"]  # stable across redelivery
    assert json.loads(cursor3)["ts"] == "3"
    assert fake.state.stats["groups.getLongPollServer"] == 1  # the saved cursor was used


@pytest.mark.asyncio
async def test_unreadable_cursor_fetches_a_new_server(fake):
    messages, cursor = await poll_all(channel(fake), "not-json{")
    assert messages == [] and json.loads(cursor)["ts"] == "1"
    assert fake.state.stats["groups.getLongPollServer"] == 1
    incomplete = json.dumps({"server": "x", "ts": "1"})
    await poll_all(channel(fake), incomplete)
    assert fake.state.stats["groups.getLongPollServer"] == 2


@pytest.mark.asyncio
async def test_skips_outgoing_chats_and_other_events_but_advances_ts(fake):
    st = fake.state
    st.queue_event("message_reply", {"date": 1, "from_id": -GROUP, "id": 9, "out": 1, "peer_id": 101,
                                     "text": "bot reply", "conversation_message_id": 9})
    st.queue_event("message_new", {"message": {"date": 1, "from_id": 101, "id": 10, "out": 1,
                                               "peer_id": 101, "text": "own", "conversation_message_id": 10}})
    st.queue_event("message_new", {"message": {"date": 1, "from_id": 303, "id": 11, "out": 0,
                                               "peer_id": 2000000001, "text": "in a chat",
                                               "conversation_message_id": 4}})
    st.queue_event("message_typing_state", {"state": "typing", "from_id": 101, "to_id": -GROUP})
    st.queue_event("group_join", {"user_id": 101, "join_type": "join"})
    st.queue_event("message_new", "garbage")
    messages, cursor = await poll_all(channel(fake), json.dumps(
        {"server": f"{fake.url}/lp/{GROUP}", "key": st.key, "ts": "1"}))
    assert messages == []
    assert json.loads(cursor)["ts"] == str(st.next_ts) == "7"


@pytest.mark.asyncio
async def test_failed_1_continues_from_the_returned_ts(fake):
    ch = channel(fake)
    try:
        _, cursor = await ch.poll("")
        fake.state.queue_user_message(101, "lost with the history")
        fake.state.lp_fail(1)  # VK: history partly lost, here is the new ts
        messages, cursor2 = await ch.poll(cursor)
        assert messages == []
        assert json.loads(cursor2)["ts"] == "2" and json.loads(cursor2)["key"] == json.loads(cursor)["key"]
        assert fake.state.stats["groups.getLongPollServer"] == 1  # no new server needed
        fake.state.queue_user_message(101, "after")
        later, _ = await ch.poll(cursor2)
    finally:
        await ch.close()
    assert [m.text for m in later] == ["after"]


@pytest.mark.asyncio
async def test_failed_1_from_an_outdated_ts(fake):
    ch = channel(fake)
    try:
        _, cursor = await ch.poll("")
        fake.state.queue_user_message(101, "old")
        fake.state.drop_history()
        fake.state.queue_user_message(101, "new")
        messages, cursor2 = await ch.poll(cursor)
    finally:
        await ch.close()
    # VK answered failed=1 with the current ts; the adapter went on from there at once
    assert messages == [] and json.loads(cursor2)["ts"] == str(fake.state.next_ts)
    assert [r["ts"] for r in fake.state.requests_of("a_check")] == ["1", "1", "3"]


@pytest.mark.asyncio
async def test_failed_2_gets_a_new_key_and_keeps_the_ts(fake):
    ch = channel(fake)
    try:
        _, cursor = await ch.poll("")
        fake.state.queue_user_message(101, "not lost")
        fake.state.expire_key()
        messages, cursor2 = await ch.poll(cursor)
    finally:
        await ch.close()
    assert [m.text for m in messages] == ["not lost"]
    assert fake.state.stats["groups.getLongPollServer"] == 2
    assert json.loads(cursor2)["key"] == fake.state.key != json.loads(cursor)["key"]


@pytest.mark.asyncio
async def test_failed_3_gets_a_new_key_and_ts(fake):
    ch = channel(fake)
    try:
        _, cursor = await ch.poll("")
        fake.state.queue_user_message(101, "lost")
        fake.state.lp_fail(3)
        messages, cursor2 = await ch.poll(cursor)
    finally:
        await ch.close()
    assert messages == []  # VK said the information is lost; the new ts skips it
    assert fake.state.stats["groups.getLongPollServer"] == 2
    assert json.loads(cursor2)["ts"] == "2"
    assert [r["ts"] for r in fake.state.requests_of("a_check")] == ["1", "1", "2"]


@pytest.mark.asyncio
async def test_endless_failed_answers_do_not_loop_forever(fake):
    fake.state.lp_fail(2, times=3)
    messages, cursor = await poll_all(channel(fake))
    assert messages == [] and json.loads(cursor)["key"] == fake.state.key
    assert fake.state.stats["a_check"] == 3
    fake.state.lp_fail(99)
    with pytest.raises(TransientError, match="failed=99"):
        await poll_all(channel(fake), cursor)


@pytest.mark.asyncio
async def test_attachments_are_parsed_and_downloaded(fake):
    st = fake.state
    photo, doc, voice = st.photo_attachment(), st.doc_attachment(), st.voice_attachment()
    sticker, video = st.sticker_attachment(), st.video_attachment("holiday")
    ch = channel(fake)
    try:
        _, cursor = await ch.poll("")
        st.queue_user_message(101, "look", attachments=[photo, doc])
        st.queue_user_message(101, "", attachments=[voice, sticker, video, {"type": "wall", "wall": {}}])
        (m1, m2), _ = await ch.poll(cursor)
        p, d = m1.attachments
        v, s, vid = m2.attachments
        assert m1.text == "look" and m2.text == ""
        assert p["kind"] == "photo" and p["url"] == photo["photo"]["sizes"][1]["url"]  # the largest
        assert p["mime_type"] == "image/jpeg"
        assert {k: d[k] for k in ("kind", "file_name", "mime_type", "file_size")} == {
            "kind": "document", "file_name": "report.pdf", "mime_type": "application/pdf",
            "file_size": len(PDF_BYTES)}
        assert v["kind"] == "voice" and v["mime_type"] == "audio/ogg" and v["url"].endswith(".ogg")
        assert s["kind"] == "sticker" and s["url"] == sticker["sticker"]["images"][1]["url"]
        assert vid["kind"] == "video" and vid["media_id"].startswith("video42_") and vid["url"] is None
        assert vid["file_name"] == "holiday"
        assert await ch.download(p) == (PNG_BYTES, "image/png")
        assert await ch.download(d) == (PDF_BYTES, "application/pdf")
        assert await ch.download(v) == (OGG_BYTES, "audio/ogg")
        with pytest.raises(PermanentError):
            await ch.download(vid)  # VK gives bots no video file
        with pytest.raises(PermanentError):
            await ch.download({**d, "url": f"{fake.url}/files/nope"})
    finally:
        await ch.close()


def test_random_id_is_stable_per_key():
    assert stable_random_id("msg-17") == stable_random_id("msg-17")
    assert stable_random_id("msg-17") != stable_random_id("msg-18")
    assert all(0 < stable_random_id(f"k{i}") < 2**31 for i in range(200))
    assert stable_random_id("") != stable_random_id("")  # no key: a fresh one each time


@pytest.mark.asyncio
async def test_send_uses_a_stable_random_id_so_vk_deduplicates(fake):
    fake.state.queue_user_message(101, "hi")  # the user wrote: messages are allowed
    ch = channel(fake)
    try:
        first = await ch.send("101", OutboundMessage(text="Hello", idempotency_key="m-1"))
        retry = await ch.send("101", OutboundMessage(text="Hello", idempotency_key="m-1"))
        other = await ch.send("101", OutboundMessage(text="Again", idempotency_key="m-2"))
    finally:
        await ch.close()
    sent = fake.state.sent
    assert [(s["peer_id"], s["message"]) for s in sent] == [(101, "Hello"), (101, "Again")]
    assert first.external_id == retry.external_id == f"101:m{sent[0]['id']}"
    assert other.external_id == f"101:m{sent[1]['id']}" != first.external_id
    randoms = [r["random_id"] for r in fake.state.requests_of("messages.send")]
    assert randoms == [str(stable_random_id("m-1"))] * 2 + [str(stable_random_id("m-2"))]


@pytest.mark.asyncio
async def test_rate_limit_and_internal_errors_are_transient(fake):
    fake.state.queue_user_message(101, "hi")
    fake.state.add_failure("messages.send", code=6)
    fake.state.add_failure("messages.send", code=10)
    fake.state.add_failure("messages.send", status=429, retry_after=7)
    ch = channel(fake)
    try:
        with pytest.raises(TransientError, match="Too many requests") as info:
            await ch.send("101", OutboundMessage(text="x", idempotency_key="k"))
        assert info.value.retry_after == 1.0
        with pytest.raises(TransientError, match=r"\[10\]"):
            await ch.send("101", OutboundMessage(text="x", idempotency_key="k"))
        with pytest.raises(TransientError) as info:
            await ch.send("101", OutboundMessage(text="x", idempotency_key="k"))
        assert info.value.retry_after == 7
        assert (await ch.send("101", OutboundMessage(text="x", idempotency_key="k"))).external_id
    finally:
        await ch.close()
    assert len(fake.state.sent) == 1


@pytest.mark.asyncio
async def test_5xx_html_and_malformed_json_are_transient(fake):
    fake.state.add_failure("groups.getLongPollServer", status=502, body="<html>Bad Gateway</html>")
    fake.state.add_failure("groups.getLongPollServer", status=200, body="<html>oops")
    fake.state.add_failure("a_check", status=500)
    fake.state.add_failure("a_check", status=200, body="[1, 2]")
    ch = channel(fake)
    try:
        for _ in range(4):
            with pytest.raises(TransientError) as info:
                await ch.poll("")
            assert not isinstance(info.value, PermanentError)
        assert (await ch.poll(""))[0] == []
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_wrong_token_is_permanent_and_hidden(fake):
    fake.state.queue_user_message(101, "hi")
    bad = "vk1.a.WRONG-secret-token"
    ch = channel(fake, token=bad)
    try:
        for call in (ch.poll(""), ch.send("101", OutboundMessage(text="x")), ch.profile("101"), ch.get_me()):
            with pytest.raises(PermanentError) as info:
                await call
            assert not isinstance(info.value, UnreachableError)
            assert "invalid access token" in str(info.value)
            assert "WRONG" not in str(info.value) and bad not in repr(info.value)
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_blocked_or_never_written_user_is_unreachable(fake):
    fake.state.queue_user_message(101, "hi")
    fake.state.block(101)
    ch = channel(fake)
    try:
        with pytest.raises(UnreachableError, match="without permission"):
            await ch.send("101", OutboundMessage(text="x"))
        with pytest.raises(UnreachableError):
            await ch.send("555", OutboundMessage(text="x"))  # never wrote to the community
        fake.state.unblock(101)
        for code in (902, 7):
            fake.state.add_failure("messages.send", code=code)
            with pytest.raises(UnreachableError, match=rf"\[{code}\]"):
                await ch.send("101", OutboundMessage(text="x"))
    finally:
        await ch.close()
    assert fake.state.sent == []


@pytest.mark.asyncio
async def test_other_api_errors_are_permanent(fake):
    fake.state.queue_user_message(101, "hi")
    ch = channel(fake)
    try:
        with pytest.raises(PermanentError, match="message is empty") as info:
            await ch.send("101", OutboundMessage(text="  "))
        assert not isinstance(info.value, (UnreachableError, TransientError))
        with pytest.raises(PermanentError, match="Invalid user id") as info:
            await ch.profile("999")
        assert not isinstance(info.value, UnreachableError)
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_network_error_and_timeout_are_transient_without_token():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ch = VkChannel(TOKEN, GROUP, base_url=f"http://127.0.0.1:{port}/method", poll_wait=0)
    try:
        with pytest.raises(TransientError) as info:
            await ch.send("1", OutboundMessage(text="x"))
        assert TOKEN not in str(info.value)
        with pytest.raises(TransientError) as info:
            await ch.poll(json.dumps({"server": f"http://127.0.0.1:{port}/lp", "key": "KEY-secret", "ts": "1"}))
        assert "KEY-secret" not in str(info.value)
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_profile_reads_name_and_downloads_the_photo(fake):
    fake.state.queue_user_message(101, "hi", first_name="Ann", last_name="Lee", with_photo=True)
    fake.state.queue_user_message(202, "hi", first_name="Bob")
    ch = channel(fake)
    try:
        ann = await ch.profile("101")
        bob = await ch.profile("202")
        group = await ch.get_me()
    finally:
        await ch.close()
    assert (ann.display_name, ann.first_name, ann.last_name, ann.username) == ("Ann Lee", "Ann", "Lee", "id101")
    assert ann.avatar_bytes.startswith(b"\x89PNG") and ann.avatar_content_type == "image/png"
    assert bob.display_name == "Bob" and bob.avatar_bytes is None  # VK's camera placeholder skipped
    assert fake.state.requests_of("users.get")[0]["fields"] == "photo_200,screen_name"
    assert fake.state.stats["file"] == 1
    assert group["id"] == GROUP


@pytest.mark.asyncio
async def test_long_poll_returns_promptly_when_a_message_arrives(fake):
    ch = channel(fake, poll_wait=5)
    try:
        _, cursor = await poll_all(channel(fake))
        task = asyncio.create_task(ch.poll(cursor))
        await until(lambda: _held(fake))  # the server holds the poll open: it is really waiting
        assert not task.done()
        await asyncio.to_thread(fake.state.queue_user_message, 101, "wake up")
        messages, _ = await asyncio.wait_for(task, 4)  # before the 5 s wait ran out
    finally:
        await ch.close()
    assert [m.text for m in messages] == ["wake up"]
    assert datetime.now(timezone.utc).replace(tzinfo=None) >= messages[0].sent_at


# -- files and buttons ---------------------------------------------------------------------

GIF_BYTES = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


async def send(fake, message, peer="101"):
    fake.state.queue_user_message(int(peer), "hi")  # the user wrote: messages are allowed
    ch = channel(fake)
    try:
        return await ch.send(peer, message)
    finally:
        await ch.close()


def methods(fake):
    return [r["method"] for r in fake.state.requests if r["method"] != "a_check"]


@pytest.mark.asyncio
async def test_one_photo_goes_through_upload_server_save_and_attachment(fake, tmp_path):
    photo = outbound_file(tmp_path, "cat.png", PNG_BYTES, "image/png", "photo")
    result = await send(fake, OutboundMessage(text="Your cat", files=[photo], idempotency_key="m-5"))
    assert methods(fake) == ["photos.getMessagesUploadServer", "upload.photo",
                             "photos.saveMessagesPhoto", "messages.send"]
    assert fake.state.requests_of("photos.getMessagesUploadServer")[0]["peer_id"] == "101"
    (upload,) = fake.state.uploads
    assert (upload["field"], upload["file_name"], upload["content_type"], upload["data"]) == (
        "photo", "cat.png", "image/png", PNG_BYTES)
    (sent,) = fake.state.sent
    assert sent["message"] == "Your cat" and sent["random_id"] == stable_random_id("m-5")
    (ref,) = sent["attachment"]
    assert ref.startswith(f"photo-{GROUP}_") and ref == result.raw["attachments"][0]
    assert sent["files"] == [{"kind": "photo", "file_name": "cat.png", "content_type": "image/png",
                              "data": PNG_BYTES}]


@pytest.mark.asyncio
async def test_several_files_go_in_one_message_photos_and_documents(fake, tmp_path):
    files = [outbound_file(tmp_path, "a.gif", GIF_BYTES, "image/gif", "photo"),
             outbound_file(tmp_path, "report.pdf", PDF_BYTES, "application/pdf"),
             outbound_file(tmp_path, "note.ogg", OGG_BYTES, "audio/ogg", "voice")]
    await send(fake, OutboundMessage(files=files, idempotency_key="m-6"))
    (sent,) = fake.state.sent  # one messages.send carries all three
    assert [a.split("-")[0] for a in sent["attachment"]] == ["photo", "doc", "doc"]
    assert [(f["kind"], f["file_name"], f["data"]) for f in sent["files"]] == [
        ("photo", "a.gif", GIF_BYTES), ("doc", "report.pdf", PDF_BYTES), ("doc", "note.ogg", OGG_BYTES)]
    assert [u["field"] for u in fake.state.uploads] == ["photo", "file", "file"]
    assert fake.state.requests_of("docs.getMessagesUploadServer")[0]["type"] == "doc"
    assert fake.state.requests_of("docs.save")[0]["title"] == "report.pdf"
    assert sent["message"] == ""


@pytest.mark.asyncio
async def test_a_resend_after_a_crash_is_dropped_by_vk_even_with_new_uploads(fake, tmp_path):
    doc = outbound_file(tmp_path, "r.pdf", PDF_BYTES, "application/pdf")
    first = await send(fake, OutboundMessage(text="report", files=[doc], idempotency_key="m-7"))
    again = await send(fake, OutboundMessage(text="report", files=[doc], idempotency_key="m-7"))
    assert len(fake.state.sent) == 1 and first.external_id == again.external_id
    assert len(fake.state.uploads) == 2  # uploaded twice, delivered once (same random_id)


@pytest.mark.asyncio
async def test_upload_trouble_sends_nothing(fake, tmp_path):
    photo = outbound_file(tmp_path, "a.png", PNG_BYTES, "image/png", "photo")
    fake.state.add_failure("photos.getMessagesUploadServer", code=6)  # too many requests
    with pytest.raises(TransientError) as info:
        await send(fake, OutboundMessage(text="x", files=[photo]))
    assert info.value.retry_after == 1.0
    fake.state.add_failure("upload.photo", status=503, retry_after=9)
    with pytest.raises(TransientError) as info:
        await send(fake, OutboundMessage(text="x", files=[photo]))
    assert info.value.retry_after == 9
    fake_png = outbound_file(tmp_path, "b.png", b"not a picture at all", "image/png", "photo")
    with pytest.raises(PermanentError, match="did not take b.png"):
        await send(fake, OutboundMessage(text="x", files=[fake_png]))
    missing = OutboundFile(path=str(tmp_path / "gone.pdf"), file_name="gone.pdf",
                           mime_type="application/pdf", size=3)
    with pytest.raises(PermanentError, match="gone.pdf is missing"):
        await send(fake, OutboundMessage(text="x", files=[photo, missing]))
    assert fake.state.sent == [] and fake.state.stats.get("messages.send", 0) == 0


@pytest.mark.asyncio
async def test_choices_are_an_inline_keyboard_and_a_press_carries_the_choice(fake):
    choices = [Choice("yes", "Yes"), Choice("no", "No"), Choice("op", "Talk to a person")]
    ch = channel(fake)
    _, cursor = await ch.poll("")
    await send(fake, OutboundMessage(text="Shall we?", choices=choices))
    (sent,) = fake.state.sent
    keyboard = sent["keyboard"]
    assert keyboard["inline"] is True and len(keyboard["buttons"]) == 3
    actions = [b["action"] for row in keyboard["buttons"] for b in row]
    assert [(a["type"], a["label"], json.loads(a["payload"])) for a in actions] == [
        ("text", c.label, {"choice": c.id}) for c in choices]
    fake.state.press(101, sent, "op")
    messages, _ = await poll_all(ch, cursor)
    press = [m for m in messages if m.choice_id]
    assert [(m.choice_id, m.text) for m in press] == [("op", "Talk to a person")]
    assert [m.choice_id for m in messages if m.text == "hi"] == [""]  # typed text: no choice


@pytest.mark.asyncio
async def test_ten_choices_fit_two_a_row_more_become_numbered_text(fake):
    ten = [Choice(f"c{i}", f"Option {i}") for i in range(1, 11)]
    await send(fake, OutboundMessage(text="Pick", choices=ten))
    rows = fake.state.sent[0]["keyboard"]["buttons"]
    assert [len(r) for r in rows] == [2] * 5  # VK: an inline keyboard has at most 6 rows
    eleven = [*ten, Choice("c11", "Option 11")]
    await send(fake, OutboundMessage(text="Pick", choices=eleven, idempotency_key="n"))
    numbered = fake.state.sent[1]
    assert numbered["keyboard"] is None and numbered["message"] == numbered_options("Pick", eleven)
    long_id = [Choice("x" * 300, "Too long an id")]  # payload over 255 bytes
    await send(fake, OutboundMessage(text="?", choices=long_id, idempotency_key="o"))
    assert fake.state.sent[2]["keyboard"] is None


@pytest.mark.asyncio
async def test_text_file_and_buttons_in_one_message_and_buttons_alone(fake, tmp_path):
    doc = outbound_file(tmp_path, "menu.pdf", PDF_BYTES, "application/pdf")
    await send(fake, OutboundMessage(text="Menu. Order?", files=[doc],
                                     choices=[Choice("order", "Order")], idempotency_key="a"))
    (sent,) = fake.state.sent
    assert sent["message"] == "Menu. Order?" and sent["attachment"][0].startswith("doc")
    assert sent["keyboard"]["buttons"][0][0]["action"]["label"] == "Order"
    await send(fake, OutboundMessage(choices=[Choice("ok", "OK")], idempotency_key="b"))
    assert fake.state.sent[1]["message"].strip() and fake.state.sent[1]["keyboard"]


def test_a_payload_is_read_only_when_it_is_ours():
    assert _choice_of('{"choice": "yes"}') == "yes" and _choice_of('{"choice": 7}') == "7"
    assert _choice_of('{"command": "start"}') == "" and _choice_of("not json") == ""
    assert _choice_of(None) == "" and _choice_of('["choice"]') == ""


def test_capabilities_match_what_the_adapter_sends():
    caps = vk_kind.capabilities
    assert caps.max_files == 10 and caps.native_choices == 10 and caps.max_choice_label == 40
    assert caps.dedup_sends is True
    assert caps.refuse_reason([], [Choice("a", "x" * 41)]) == "choice_label_too_long"
    assert caps.refuse_reason([OutboundFile("/x", "a.zip", "application/zip", 10)] * 10, []) == ""
