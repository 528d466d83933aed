"""Outbound files over Telegram (C5): the stored file is uploaded (multipart) with the right
Bot API method, the text becomes the caption, and the fake Bot API receives the same bytes.
Files reach the adapter as the outbox hands them: OutboundFile of a really stored upload."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest

from messenger_app.channels.base import (Choice, OutboundFile, OutboundMessage, PermanentError,
                                         TransientError, UnreachableError)
from messenger_app.channels.telegram.adapter import TelegramChannel
from messenger_app.services import attachments
from tests.fake_fixtures import module_fake, reset_over_http
from tests.fakes.base import OGG_BYTES, PDF_BYTES
from tests.fakes.telegram_server import FakeTelegramServer, make_png
from tests.stored_files import outbound_file, stored

TOKEN = "515151:AAfilesFILESfilesFILESfiles_abcdefg"
USER = 4242
PNG = make_png(16, 12, (10, 200, 30))
VOICE = b"OggS\x00\x02" + b"\x00" * 22 + b"\x13OpusHead" + b"\x01" * 60


def _reset_with_ann(server) -> None:
    reset_over_http(server)
    server.state.register_user(USER, "Ann")


server, fake = module_fake(lambda: FakeTelegramServer(token=TOKEN), reset=_reset_with_ann)


def sent(fake) -> list[dict]:
    return httpx.get(f"{fake.url}/_fake/sent").json()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def send(fake, text: str, files: list[OutboundFile], chat=USER, choices=()):
    async def go():
        ch = TelegramChannel(TOKEN, base_url=fake.url)
        try:
            return await ch.send(str(chat), OutboundMessage(text=text, files=files,
                                                            choices=list(choices)))
        finally:
            await ch.close()
    return asyncio.run(go())


def test_photo_goes_as_sendphoto_with_the_text_as_caption(data_dir, fake):
    att = stored("shop front.png", PNG, "image/png")
    result = send(fake, "Here is our shop", [att])
    [got] = sent(fake)
    assert got["method"] == "sendPhoto"
    assert got["caption"] == "Here is our shop"
    assert got["file_name"] == "shop front.png"
    assert got["file_size"] == len(PNG) and got["sha256"] == sha(PNG)
    assert got["chat_id"] == USER
    assert result.external_id == f"{USER}:{got['message_id']}"
    # the request really was a multipart upload of the stored file
    req = [r for r in httpx.get(f"{fake.url}/_fake/requests").json() if r["method"] == "sendPhoto"][-1]
    assert req["params"]["photo"]["__upload__"] and req["params"]["photo"]["mime_type"] == "image/png"


def test_document_voice_and_no_caption_without_text(data_dir, fake):
    pdf = stored("offer.pdf", PDF_BYTES)
    voice = stored("note.ogg", VOICE)
    unknown = stored("data.bin", b"\x00\x01binary")
    assert voice.kind == "voice"
    send(fake, "", [pdf, voice, unknown])
    got = sent(fake)
    assert [g["method"] for g in got] == ["sendDocument", "sendVoice", "sendDocument"]
    assert [g["caption"] for g in got] == ["", "", ""]
    assert [g["sha256"] for g in got] == [sha(PDF_BYTES), sha(VOICE), sha(b"\x00\x01binary")]
    assert got[0]["file_name"] == "offer.pdf" and got[0]["mime_type"] == "application/pdf"


def test_caption_only_on_the_first_file_and_long_text_goes_first(data_dir, fake):
    a = stored("a.png", PNG)
    b = stored("b.ogg", OGG_BYTES)
    send(fake, "two files", [a, b])
    got = sent(fake)
    assert [g["caption"] for g in got] == ["two files", ""]
    assert got[1]["method"] == "sendDocument"  # an Ogg without Opus is audio, not a voice note
    httpx.post(f"{fake.url}/_fake/reset")
    fake.state.register_user(USER, "Ann")
    long_text = "x" * 1500  # longer than a caption may be: a message of its own, before
    send(fake, long_text, [a])
    got = sent(fake)
    assert [g.get("method", "sendMessage") for g in got] == ["sendMessage", "sendPhoto"]
    assert got[0]["text"] == long_text and got[1]["caption"] == ""


def test_missing_file_is_refused_before_anything_is_sent(data_dir, fake):
    ok = stored("a.png", PNG)
    gone_att = attachments.store_upload("b.pdf", PDF_BYTES)
    gone = outbound_file(gone_att)
    attachments.local_path(gone_att).unlink()
    with pytest.raises(PermanentError, match="missing"):
        send(fake, "hi", [ok, gone])
    with pytest.raises(PermanentError, match="missing"):
        send(fake, "hi", [OutboundFile(path="", file_name="x.png", mime_type="image/png", size=5,
                                       kind="photo", url="https://evil.example/x.png")])
    assert sent(fake) == []


def test_errors_map_like_text_messages(data_dir, fake):
    att = stored("a.png", PNG)
    httpx.post(f"{fake.url}/_fake/fail", json={"method": "sendPhoto", "status": 429,
                                               "retry_after": 7})
    with pytest.raises(TransientError) as exc:
        send(fake, "", [att])
    assert exc.value.retry_after == 7
    fake.state.block(USER)
    with pytest.raises(UnreachableError):
        send(fake, "", [att])
    assert sent(fake) == []


def test_buttons_go_on_the_file_that_carries_the_text(data_dir, fake):
    a, b = stored("a.png", PNG), stored("b.pdf", PDF_BYTES)
    choices = [Choice("yes", "Yes, book it"), Choice("no", "No")]
    send(fake, "Book this room?", [a, b], choices=choices)
    got = sent(fake)
    keyboard = {"inline_keyboard": [[{"text": "Yes, book it", "callback_data": "yes"}],
                                    [{"text": "No", "callback_data": "no"}]]}
    assert [(g["caption"], g["reply_markup"]) for g in got] == [("Book this room?", keyboard),
                                                                 ("", None)]
    httpx.post(f"{fake.url}/_fake/reset")
    fake.state.register_user(USER, "Ann")
    send(fake, "", [a, b], choices=choices)  # no text: under the last file
    assert [g["reply_markup"] for g in sent(fake)] == [None, keyboard]
    httpx.post(f"{fake.url}/_fake/reset")
    fake.state.register_user(USER, "Ann")
    send(fake, "y" * 1500, [a], choices=choices)  # a text of its own: the buttons go with it
    assert [(g.get("method", "sendMessage"), g["reply_markup"]) for g in sent(fake)] == [
        ("sendMessage", keyboard), ("sendPhoto", None)]
