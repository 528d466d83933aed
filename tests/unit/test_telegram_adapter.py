"""TelegramChannel against the local fake Bot API (tests/fakes/telegram_server.py)."""

from __future__ import annotations

import asyncio
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from messenger_app.channels.base import (  # noqa: E402
    Choice,
    OutboundMessage,
    PermanentError,
    PollingChannel,
    TransientError,
    UnreachableError,
)
from messenger_app.channels.telegram.adapter import TelegramChannel  # noqa: E402
from messenger_app.channels.telegram.updates import parse_update  # noqa: E402
from tests.fake_fixtures import control, module_fake, reset_over_http  # noqa: E402
from tests.waits import until
from tests.fakes.telegram_server import FakeTelegramServer  # noqa: E402

TOKEN = "424242:SECRET-abcDEF"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


server, fake = module_fake(lambda: FakeTelegramServer(token=TOKEN), reset=reset_over_http)


def channel(fake, token=TOKEN, poll_timeout=0):
    return TelegramChannel(token, base_url=fake.url, poll_timeout=poll_timeout)


@pytest.mark.asyncio
async def test_poll_maps_messages_and_advances_cursor(fake):
    ids = []
    ids += control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "last_name": "Lee",
                                      "username": "annlee", "text": "hello"})["update_ids"]
    ids += control(fake, "user_message", {"user_id": 202, "first_name": "Bob", "text": "second"})["update_ids"]
    ch = channel(fake)
    assert isinstance(ch, PollingChannel)
    try:
        messages, cursor = await ch.poll("")
    finally:
        await ch.close()
    assert [m.text for m in messages] == ["hello", "second"]
    assert cursor == str(max(ids) + 1)
    ann, bob = messages
    assert ann.identity_external_id == "101"
    assert ann.external_id == "101:1"
    assert (ann.first_name, ann.last_name, ann.username) == ("Ann", "Lee", "annlee")
    assert ann.display_name == "Ann Lee"
    assert bob.display_name == "Bob" and bob.last_name == "" and bob.username == ""
    assert isinstance(ann.sent_at, datetime) and ann.sent_at.tzinfo is None
    assert abs((datetime.now(timezone.utc).replace(tzinfo=None) - ann.sent_at).total_seconds()) < 60
    assert ann.raw["update_id"] == ids[0] and ann.attachments == [] and ann.phone == ""
    # the adapter asks for the right update kinds and a long-poll timeout
    params = [r["params"] for r in control(fake, "requests") if r["method"] == "getUpdates"][-1]
    assert params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert params["timeout"] == 0 and "offset" not in params


@pytest.mark.asyncio
async def test_offset_confirms_updates(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "one"})
    ch = channel(fake)
    try:
        first, cursor = await ch.poll("")
        again, cursor2 = await ch.poll(cursor)
        assert [m.text for m in first] == ["one"]
        assert again == [] and cursor2 == cursor  # nothing new, cursor kept
        control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "two"})
        # even an empty cursor now gets only the unconfirmed update: "one" was dropped
        fresh, cursor3 = await ch.poll("")
        assert [m.text for m in fresh] == ["two"]
        assert int(cursor3) == int(cursor) + 1
        assert fresh[0].external_id == "101:2"
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_skipped_updates_still_advance_cursor(fake):
    group = {"message": {"message_id": 5, "date": 1700000000, "text": "group chat",
                         "chat": {"id": -100123, "type": "supergroup", "title": "G"},
                         "from": {"id": 7, "is_bot": False, "first_name": "G"}}}
    channel_post = {"channel_post": {"message_id": 6, "date": 1700000000, "text": "post",
                                     "chat": {"id": -100999, "type": "channel", "title": "C"}}}
    callback = {"callback_query": {"id": "1", "from": {"id": 7, "is_bot": False, "first_name": "G"},
                                   "chat_instance": "x", "data": "d"}}
    for update in (group, channel_post, callback):
        last = control(fake, "raw_update", {"update": update})["update_id"]
    ch = channel(fake)
    try:
        messages, cursor = await ch.poll("")
        assert messages == []
        assert cursor == str(last + 1)
        again, _ = await ch.poll(cursor)
        assert again == []
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_attachments_contact_and_edits(fake):
    user = {"id": 55, "is_bot": False, "first_name": "Cat"}
    chat = {"id": 55, "type": "private", "first_name": "Cat"}
    base = {"from": user, "chat": chat, "date": 1700000000}
    photo = [{"file_id": "p-small", "file_unique_id": "a", "width": 90, "height": 90, "file_size": 10},
             {"file_id": "p-big", "file_unique_id": "b", "width": 800, "height": 600, "file_size": 900}]
    control(fake, "raw_update", {"update": {"message": {**base, "message_id": 1, "photo": photo,
                                                    "caption": "look"}}})
    control(fake, "raw_update", {"update": {"message": {**base, "message_id": 2, "document": {
        "file_id": "d1", "file_unique_id": "d", "file_name": "a.pdf", "mime_type": "application/pdf",
        "file_size": 1234}}}})
    control(fake, "raw_update", {"update": {"message": {**base, "message_id": 3, "voice": {
        "file_id": "v1", "file_unique_id": "v", "duration": 2, "mime_type": "audio/ogg"}}}})
    control(fake, "raw_update", {"update": {"message": {**base, "message_id": 4, "contact": {
        "phone_number": "+15550001", "first_name": "Cat", "user_id": 55}}}})
    control(fake, "raw_update", {"update": {"message": {**base, "message_id": 5, "contact": {
        "phone_number": "+15550002", "first_name": "Friend", "user_id": 99}}}})
    control(fake, "raw_update", {"update": {"edited_message": {**base, "message_id": 1, "photo": photo,
                                                           "caption": "look!", "edit_date": 1700000100}}})
    ch = channel(fake)
    try:
        messages, _ = await ch.poll("")
    finally:
        await ch.close()
    assert len(messages) == 6
    assert messages[0].text == "look"
    assert messages[0].attachments == [{"kind": "photo", "file_id": "p-big", "file_name": None,
                                        "mime_type": "image/jpeg", "file_size": 900}]
    assert messages[1].attachments[0]["kind"] == "document"
    assert messages[1].attachments[0]["file_name"] == "a.pdf"
    assert messages[1].attachments[0]["mime_type"] == "application/pdf"
    assert messages[2].attachments[0]["kind"] == "voice" and messages[2].text == ""
    assert messages[3].phone == "+15550001"
    assert messages[4].phone == ""  # someone else's contact is not the sender's phone
    assert messages[5].external_id == "55:1" and messages[5].text == "look!"
    assert messages[0].sent_at == datetime(2023, 11, 14, 22, 13, 20)


@pytest.mark.asyncio
async def test_send_reaches_fake_and_returns_external_id(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "hi"})
    ch = channel(fake)
    try:
        result = await ch.send("101", OutboundMessage(text="Hello Ann"))
        result2 = await ch.send("101", OutboundMessage(text="Again"))
    finally:
        await ch.close()
    sent = control(fake, "sent")
    assert [(s["chat_id"], s["text"]) for s in sent] == [(101, "Hello Ann"), (101, "Again")]
    assert result.external_id == f"101:{sent[0]['message_id']}" == "101:2"
    assert result2.external_id == "101:3"
    assert result.raw["text"] == "Hello Ann" and result.raw["from"]["is_bot"] is True


@pytest.mark.asyncio
async def test_choices_become_an_inline_keyboard_and_a_press_comes_back(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "hi"})
    ch = channel(fake)
    try:
        _, cursor = await ch.poll("")
        result = await ch.send("101", OutboundMessage(
            text="Which size?", choices=[Choice("size:s", "Small"), Choice("size:л", "Large")]))
        [sent] = control(fake, "sent")
        assert sent["reply_markup"] == {"inline_keyboard": [
            [{"text": "Small", "callback_data": "size:s"}],
            [{"text": "Large", "callback_data": "size:л"}]]}
        message_id = int(result.external_id.split(":")[1])
        query_id = control(fake, "press", {"user_id": 101, "message_id": message_id, "index": 1})[
            "callback_query_id"]
        messages, cursor2 = await ch.poll(cursor)
    finally:
        await ch.close()
    [press] = messages
    assert press.choice_id == "size:л" and press.text == "Large"
    assert press.external_id == f"cb:{query_id}" and press.identity_external_id == "101"
    assert press.display_name == "Ann" and press.attachments == []
    assert int(cursor2) == int(cursor) + 1
    # the press was answered, so the client's spinner stops
    assert control(fake, "answered") == [{"callback_query_id": query_id}]


@pytest.mark.asyncio
async def test_a_press_survives_a_failing_answer_and_unknown_data_is_its_own_text(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "hi"})
    ch = channel(fake)
    try:
        _, cursor = await ch.poll("")
        result = await ch.send("101", OutboundMessage(text="Pick", choices=[Choice("a", "A")]))
        message_id = int(result.external_id.split(":")[1])
        control(fake, "press", {"user_id": 101, "message_id": message_id, "data": "old-button"})
        control(fake, "fail", {"method": "answerCallbackQuery", "status": 500})
        messages, cursor2 = await ch.poll(cursor)
        assert [(m.choice_id, m.text) for m in messages] == [("old-button", "old-button")]
        assert control(fake, "answered") == [] and int(cursor2) == int(cursor) + 1
        # the same press twice (a redelivered update) keeps one external id
        again = parse_update(messages[0].raw)
        assert again.external_id == messages[0].external_id
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_a_button_id_telegram_would_refuse_is_refused_before_sending(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "hi"})
    ch = channel(fake)
    try:
        for bad in ("", "x" * 65, "я" * 33):  # 66 bytes in UTF-8
            with pytest.raises(PermanentError, match="1-64 bytes"):
                await ch.send("101", OutboundMessage(text="Pick", choices=[Choice(bad, "A")]))
        assert control(fake, "sent") == []
        await ch.send("101", OutboundMessage(text="Pick", choices=[Choice("я" * 32, "A")]))
        assert len(control(fake, "sent")) == 1
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_profile_downloads_avatar(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "last_name": "Lee",
                               "username": "annlee", "text": "hi", "with_photo": True})
    control(fake, "user_message", {"user_id": 202, "first_name": "Bob", "text": "hi"})
    ch = channel(fake)
    try:
        ann = await ch.profile("101")
        bob = await ch.profile("202")
    finally:
        await ch.close()
    assert (ann.first_name, ann.last_name, ann.username, ann.display_name) == (
        "Ann", "Lee", "annlee", "Ann Lee")
    assert ann.avatar_bytes is not None and ann.avatar_bytes.startswith(PNG_SIGNATURE)
    assert ann.avatar_content_type == "image/png"
    assert bob.display_name == "Bob"
    assert bob.avatar_bytes is None
    stats = control(fake, "stats")
    assert stats["getFile"] == 1 and stats["file"] == 1
    # the largest size was fetched
    get_file = [r for r in control(fake, "requests") if r["method"] == "getFile"][0]
    assert get_file["params"]["file_id"] == "photo-101-x"


@pytest.mark.asyncio
async def test_profile_of_unknown_chat_is_unreachable(fake):
    ch = channel(fake)
    try:
        with pytest.raises(UnreachableError):
            await ch.profile("999")
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_429_is_transient_with_retry_after(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "hi"})
    control(fake, "fail", {"method": "sendMessage", "status": 429, "times": 1, "retry_after": 7})
    ch = channel(fake)
    try:
        with pytest.raises(TransientError) as info:
            await ch.send("101", OutboundMessage(text="x"))
        assert info.value.retry_after == 7
        # only the next call failed: the retry goes through
        assert (await ch.send("101", OutboundMessage(text="x"))).external_id.startswith("101:")
    finally:
        await ch.close()
    assert control(fake, "stats")["sendMessage"] == 2
    assert len(control(fake, "sent")) == 1


@pytest.mark.asyncio
async def test_500_and_malformed_json_are_transient(fake):
    control(fake, "fail", {"method": "getUpdates", "status": 500})
    control(fake, "fail", {"method": "getUpdates", "status": 200, "body": "<html>not json"})
    control(fake, "fail", {"method": "getUpdates", "status": 502, "body": "<html>Bad Gateway</html>"})
    ch = channel(fake)
    try:
        for _ in range(3):
            with pytest.raises(TransientError) as info:
                await ch.poll("5")
            assert not isinstance(info.value, PermanentError)
            assert info.value.retry_after is None
        assert await ch.poll("5") == ([], "5")
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_blocked_user_is_unreachable(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "hi"})
    control(fake, "block", {"user_id": 101})
    ch = channel(fake)
    try:
        with pytest.raises(UnreachableError) as info:
            await ch.send("101", OutboundMessage(text="x"))
    finally:
        await ch.close()
    assert "blocked by the user" in str(info.value)
    assert control(fake, "sent") == []


@pytest.mark.asyncio
async def test_injected_403_is_unreachable(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "hi"})
    control(fake, "fail", {"method": "sendMessage", "status": 403,
                       "description": "Forbidden: bot can't initiate conversation with a user"})
    ch = channel(fake)
    try:
        with pytest.raises(UnreachableError, match="initiate conversation"):
            await ch.send("101", OutboundMessage(text="x"))
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_other_4xx_is_permanent(fake):
    control(fake, "user_message", {"user_id": 101, "first_name": "Ann", "text": "hi"})
    ch = channel(fake)
    try:
        with pytest.raises(PermanentError, match="message text is empty") as info:
            await ch.send("101", OutboundMessage(text=""))
    finally:
        await ch.close()
    assert not isinstance(info.value, (UnreachableError, TransientError))


@pytest.mark.asyncio
async def test_wrong_token_is_permanent_and_hides_token(fake):
    bad = "424242:WRONG-secret-xyz"
    ch = channel(fake, token=bad)
    try:
        for call in (ch.get_me(), ch.poll(""), ch.send("101", OutboundMessage(text="x"))):
            with pytest.raises(PermanentError) as info:
                await call
            assert not isinstance(info.value, UnreachableError)
            assert "invalid bot token" in str(info.value)
            assert bad not in str(info.value) and bad not in repr(info.value)
            assert "WRONG" not in str(info.value)
    finally:
        await ch.close()


@pytest.mark.asyncio
async def test_get_me_with_valid_token(fake):
    ch = channel(fake)
    try:
        me = await ch.get_me()
    finally:
        await ch.close()
    assert me["id"] == 424242 and me["is_bot"] is True and me["username"] == "fake_bot"


@pytest.mark.asyncio
async def test_network_error_is_transient_without_token():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ch = TelegramChannel(TOKEN, base_url=f"http://127.0.0.1:{port}", poll_timeout=0)
    try:
        with pytest.raises(TransientError) as info:
            await ch.get_me()
    finally:
        await ch.close()
    assert TOKEN not in str(info.value)


def _held(fake) -> bool:
    """The fake is holding a getUpdates open (a long poll waiting for an update)."""
    with fake.state._lock:
        return bool(fake.state._waiters)


@pytest.mark.asyncio
async def test_long_poll_returns_promptly_when_message_arrives(fake):
    ch = channel(fake, poll_timeout=30)
    try:
        task = asyncio.create_task(ch.poll(""))
        await until(lambda: _held(fake))  # the server holds the poll open: it is really waiting
        assert not task.done()
        await asyncio.to_thread(control, fake, "user_message",
                                {"user_id": 101, "first_name": "Ann", "text": "wake up"})
        messages, cursor = await asyncio.wait_for(task, 20)  # long before the 30 s poll timeout
    finally:
        await ch.close()
    assert [m.text for m in messages] == ["wake up"]
    assert cursor != ""


@pytest.mark.asyncio
async def test_long_poll_waits_at_most_the_timeout(fake):
    ch = channel(fake, poll_timeout=1)
    try:
        # the server holds it for the asked timeout (the test above sees it held), then empty
        assert await asyncio.wait_for(ch.poll(""), 20) == ([], "")
    finally:
        await ch.close()
    assert [r["params"].get("timeout") for r in fake.state.requests if r["method"] == "getUpdates"] \
        in (["1"], [1])
