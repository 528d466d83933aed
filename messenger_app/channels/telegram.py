"""Telegram Bot API adapter (long polling). Parses and sends; never touches the database.

Files: one Bot API call per file (sendPhoto / sendVoice / sendAudio / sendVideo /
sendDocument, a multipart upload of OutboundFile.path). Buttons: an inline keyboard, one
button per row, callback_data = Choice.id (1-64 bytes). A pressed button arrives as a
`callback_query` update: poll() turns it into an InboundMessage with choice_id = the data
and text = the pressed button's label, and answers it (answerCallbackQuery) so the client's
app stops its spinner; a failed answer never loses the update.

It never retries on its own: 429 / 5xx / network trouble raise TransientError (with
retry_after when Telegram says so) and the caller decides when to try again.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import json
import logging
import os

import httpx

from messenger_app.lib.filetypes import sniff as sniff_content_type
from messenger_app.lib.retry import retry_after_of
from messenger_app.lib.scrub import scrub
from messenger_app.lib.errors import DomainError
from messenger_app.channels.base import (
    Capabilities,
    ChannelKind,
    Choice,
    InboundMessage,
    OutboundFile,
    OutboundMessage,
    PermanentError,
    Profile,
    SendResult,
    TransientError,
    UnreachableError,
)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_CALLBACK_DATA = 64  # bytes of callback_data (Bot API)
MAX_CAPTION = 1024  # characters of a media caption
MAX_PHOTO = 10 * 1024 * 1024  # sendPhoto's limit; bigger pictures go as documents
_PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
UPLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
_MEDIA_KINDS = ("document", "voice", "audio", "video", "sticker")
# 400s that mean "this person cannot be reached by this bot", not "our request is wrong".
_UNREACHABLE_400 = ("chat not found", "user not found", "peer_id_invalid")
log = logging.getLogger(__name__)


class TelegramChannel:
    kind = "telegram"

    def __init__(
        self,
        token: str,
        base_url: str = "https://api.telegram.org",
        poll_timeout: int = 25,
        client: httpx.AsyncClient | None = None,
    ):
        self._token = token
        self._base = base_url.rstrip("/")
        self.poll_timeout = int(poll_timeout)
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))

    # -- public API -------------------------------------------------------------

    async def poll(self, cursor: str) -> tuple[list[InboundMessage], str]:
        params: dict[str, Any] = {"timeout": self.poll_timeout, "allowed_updates": ALLOWED_UPDATES}
        if cursor:
            params["offset"] = int(cursor)
        # The HTTP timeout must outlive the long poll, or every idle poll "times out".
        timeout = httpx.Timeout(self.poll_timeout + 15.0, connect=10.0)
        updates = await self._call("getUpdates", params, timeout=timeout) or []
        messages: list[InboundMessage] = []
        next_cursor = cursor
        for update in updates:
            update_id = update.get("update_id")
            if isinstance(update_id, int) and (not next_cursor or update_id + 1 > int(next_cursor)):
                next_cursor = str(update_id + 1)
            parsed = self._parse_update(update)
            if parsed is not None:
                messages.append(parsed)
        for update in updates:
            if isinstance(update.get("callback_query"), dict):
                await self._answer_callback(update["callback_query"])
        return messages, next_cursor

    async def _answer_callback(self, query: dict) -> None:
        """Stop the spinner on the client's button. Best effort: the update is already parsed,
        and a query older than a few seconds can no longer be answered anyway."""
        query_id = query.get("id")
        if not query_id:
            return
        try:
            await self._call("answerCallbackQuery", {"callback_query_id": str(query_id)},
                             timeout=httpx.Timeout(10.0, connect=5.0))
        except Exception as exc:  # noqa: BLE001 — never lose the update over its answer
            log.warning("telegram answerCallbackQuery failed: %s", self._scrub(exc))

    async def send(self, identity_external_id: str, message: OutboundMessage) -> SendResult:
        """Text (sendMessage) or files (one call per file, the text as the first file's
        caption). Choices become an inline keyboard on the message that carries the text
        (on the last file when there is no text)."""
        chat_id = identity_external_id
        markup = _keyboard(message.choices)
        if not message.files:
            params: dict[str, Any] = {"chat_id": chat_id, "text": message.text}
            if markup:
                params["reply_markup"] = markup
            result = await self._call("sendMessage", params)
            return SendResult(external_id=f"{chat_id}:{result['message_id']}", raw=result)
        return await self._send_files(chat_id, message, markup)

    async def _send_files(self, chat_id: str, message: OutboundMessage,
                          markup: dict | None) -> SendResult:
        """One Bot API call per file (sendPhoto / sendVoice / sendAudio / sendVideo /
        sendDocument, multipart upload of the stored file); the text is the first file's
        caption, or a message of its own before the files when longer than a caption may be.
        The external id is the first Telegram message's."""
        for f in message.files:  # checked before anything is sent: no half-sent message
            if not isinstance(f, OutboundFile) or not _readable(f.path):
                raise PermanentError(f"attachment {getattr(f, 'file_name', '')!s} is missing")
        text = (message.text or "").strip()
        results = []
        caption = ""
        if text and len(text) > MAX_CAPTION:
            params: dict[str, Any] = {"chat_id": chat_id, "text": text}
            if markup:
                params["reply_markup"] = markup
                markup = None
            results.append(await self._call("sendMessage", params))
        else:
            caption = text
        last = len(message.files) - 1
        for i, f in enumerate(message.files):
            method, field = _media_method(f)
            data = {"chat_id": str(chat_id)}
            if caption:
                data["caption"] = caption
            if markup and (caption or (not text and i == last)):
                data["reply_markup"] = json.dumps(markup, ensure_ascii=False)
                markup = None
            caption = ""
            name = f.file_name or f.path.rsplit("/", 1)[-1]
            mime = f.mime_type or "application/octet-stream"
            try:
                fh = open(f.path, "rb")
            except OSError:
                raise PermanentError(f"attachment {name!s} is missing") from None
            with fh:
                results.append(await self._call_multipart(method, data, field, (name, fh, mime)))
        first = results[0]
        return SendResult(external_id=f"{chat_id}:{first['message_id']}",
                          raw={"messages": [r.get("message_id") for r in results],
                               "result": first})

    async def profile(self, identity_external_id: str) -> Profile:
        chat = await self._call("getChat", {"chat_id": identity_external_id})
        first, last = chat.get("first_name", ""), chat.get("last_name", "")
        profile = Profile(
            display_name=f"{first} {last}".strip(),
            first_name=first,
            last_name=last,
            username=chat.get("username", ""),
        )
        try:
            photos = await self._call(
                "getUserProfilePhotos", {"user_id": identity_external_id, "limit": 1}
            )
            sizes = (photos.get("photos") or [[]])[0]
            if sizes:
                file = await self._call("getFile", {"file_id": _largest(sizes)["file_id"]})
                if file.get("file_path"):
                    profile.avatar_bytes, profile.avatar_content_type = await self._download(
                        file["file_path"]
                    )
        except PermanentError:
            # No usable picture (hidden, too big, gone): the profile is still valid.
            profile.avatar_bytes, profile.avatar_content_type = None, ""
        return profile

    async def download(self, attachment: dict[str, Any]) -> tuple[bytes, str]:
        """The bytes of an inbound attachment (file_id from poll()) and their content type."""
        file = await self._call("getFile", {"file_id": attachment.get("file_id", "")})
        if not file.get("file_path"):
            raise PermanentError("telegram getFile: no file path (file too big for the Bot API?)")
        data, _ = await self._download(file["file_path"])
        # the attachments service sniffs the bytes again before anything is served
        return data, attachment.get("mime_type") or ""

    async def get_me(self) -> dict:
        return await self._call("getMe", {})

    async def close(self) -> None:
        if self._own_client:
            await self._client.aclose()

    # -- HTTP -------------------------------------------------------------------

    async def _call_multipart(self, method: str, data: dict[str, str], field: str,
                              file: tuple) -> Any:
        """A Bot API call with one uploaded file (multipart/form-data)."""
        return await self._call(method, {}, timeout=UPLOAD_TIMEOUT,
                                _multipart=(data, {field: file}))

    async def _call(self, method: str, params: dict[str, Any], timeout: Any = None,
                    _multipart: tuple | None = None) -> Any:
        url = f"{self._base}/bot{self._token}/{method}"
        kwargs: dict[str, Any] = {"json": params}
        if _multipart is not None:
            kwargs = {"data": _multipart[0], "files": _multipart[1]}
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            response = await self._client.post(url, **kwargs)
        except httpx.TimeoutException:
            raise TransientError(f"telegram {method}: timed out") from None
        except httpx.HTTPError as exc:
            raise TransientError(f"telegram {method}: {self._scrub(exc)}") from None
        try:
            body = response.json()
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            if response.status_code < 400:
                raise TransientError(f"telegram {method}: malformed response") from None
            body = {}
        if response.status_code < 400 and body.get("ok") is True and "result" in body:
            return body["result"]
        self._raise(method, response, body)

    def _raise(self, method: str, response: httpx.Response, body: dict) -> None:
        code = body.get("error_code") if isinstance(body.get("error_code"), int) else None
        code = code or (response.status_code if response.status_code >= 400 else 0)
        desc = self._scrub(str(body.get("description") or response.reason_phrase or "error"))
        msg = f"telegram {method}: {desc}"
        if code == 429:
            retry = (body.get("parameters") or {}).get("retry_after")
            retry = retry if retry is not None else response.headers.get("retry-after")
            raise TransientError(msg, retry_after=retry_after_of(retry))
        if code >= 500 or code == 0:
            raise TransientError(msg)
        if code == 403:
            raise UnreachableError(desc)
        if code in (401, 404):
            raise PermanentError(f"invalid bot token ({desc})")
        if code == 400 and any(s in desc.lower() for s in _UNREACHABLE_400):
            raise UnreachableError(desc)
        raise PermanentError(msg)

    async def _download(self, file_path: str) -> tuple[bytes, str]:
        url = f"{self._base}/file/bot{self._token}/{file_path}"
        try:
            response = await self._client.get(url)
        except httpx.HTTPError as exc:
            raise TransientError(f"telegram file download: {self._scrub(exc)}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(f"telegram file download: HTTP {response.status_code}")
        if response.status_code != 200:
            raise PermanentError(f"telegram file download: HTTP {response.status_code}")
        data = response.content
        header = response.headers.get("content-type", "").split(";")[0].strip()
        sniffed = sniff_content_type(data)
        return data, (sniffed if sniffed.startswith("image/") else
                      header if header.startswith("image/") else "image/jpeg")

    def _scrub(self, text: Any) -> str:
        return scrub(text, self._token, mask="<token>")

    # -- parsing ----------------------------------------------------------------

    def _parse_update(self, update: dict) -> InboundMessage | None:
        if isinstance(update.get("callback_query"), dict):
            return self._parse_callback(update)
        msg = update.get("message") or update.get("edited_message")
        if not isinstance(msg, dict):
            return None
        chat, sender = msg.get("chat") or {}, msg.get("from") or {}
        if chat.get("type") != "private" or not sender.get("id") or sender.get("is_bot"):
            return None
        first, last = sender.get("first_name", ""), sender.get("last_name", "")
        contact = msg.get("contact") or {}
        phone = contact.get("phone_number", "") if contact.get("user_id") == sender["id"] else ""
        date = msg.get("date")
        sent_at = (
            datetime.fromtimestamp(date, tz=timezone.utc).replace(tzinfo=None)
            if isinstance(date, (int, float))
            else None
        )
        return InboundMessage(
            external_id=f"{chat['id']}:{msg['message_id']}",
            identity_external_id=str(sender["id"]),
            text=msg.get("text") or msg.get("caption") or "",
            sent_at=sent_at,
            display_name=f"{first} {last}".strip(),
            first_name=first,
            last_name=last,
            username=sender.get("username", ""),
            phone=phone,
            attachments=_attachments(msg),
            raw=update,
        )

    def _parse_callback(self, update: dict) -> InboundMessage | None:
        """A pressed inline button: choice_id = its callback_data, text = its label (as the
        keyboard of the message it was pressed under shows it), else the data itself."""
        query = update["callback_query"]
        sender = query.get("from") or {}
        data = query.get("data")
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        chat = message.get("chat") or {}
        if not query.get("id") or not sender.get("id") or sender.get("is_bot"):
            return None
        if not isinstance(data, str) or not data:  # a game button: nothing was chosen
            return None
        if chat.get("type") != "private":  # a group, or an inline-mode message: not ours
            return None
        first, last = sender.get("first_name", ""), sender.get("last_name", "")
        return InboundMessage(
            external_id=f"cb:{query['id']}",
            identity_external_id=str(sender["id"]),
            text=_button_label(message, data) or data,
            display_name=f"{first} {last}".strip(),
            first_name=first,
            last_name=last,
            username=sender.get("username", ""),
            choice_id=data,
            raw=update,
        )


def _keyboard(choices: list[Choice]) -> dict | None:
    """An inline keyboard, one button per row. The outbox guarantees 1-64 byte ids; an id
    Telegram would refuse is refused here too, before anything is sent."""
    if not choices:
        return None
    for c in choices:
        if not c.id or len(c.id.encode("utf-8")) > MAX_CALLBACK_DATA:
            raise PermanentError("telegram: a button id must be 1-64 bytes")
    return {"inline_keyboard": [[{"text": c.label, "callback_data": c.id}] for c in choices]}


def _button_label(message: dict, data: str) -> str:
    rows = ((message.get("reply_markup") or {}).get("inline_keyboard")) or []
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                return str(button.get("text") or "")
    return ""


def _readable(path: str) -> bool:
    return bool(path) and os.path.isfile(path) and os.access(path, os.R_OK)


def _media_method(f: OutboundFile) -> tuple[str, str]:
    """(Bot API method, its file field) for one stored file (kind and mime were decided
    from the bytes when it was stored)."""
    kind, mime, size = f.kind, f.mime_type or "", f.size
    if kind == "photo" and mime in _PHOTO_TYPES and size <= MAX_PHOTO:
        return "sendPhoto", "photo"
    if kind == "voice" and mime == "audio/ogg":
        return "sendVoice", "voice"
    if kind == "audio" and mime in ("audio/mpeg", "audio/mp4"):
        return "sendAudio", "audio"
    if kind == "video" and mime == "video/mp4":
        return "sendVideo", "video"
    return "sendDocument", "document"


def _largest(sizes: list[dict]) -> dict:
    return max(sizes, key=lambda s: (s.get("width", 0) * s.get("height", 0), s.get("file_size", 0)))


def _attachment(kind: str, obj: dict, mime: str | None = None) -> dict[str, Any]:
    return {
        "kind": kind,
        "file_id": obj.get("file_id"),
        "file_name": obj.get("file_name"),
        "mime_type": obj.get("mime_type") or mime,
        "file_size": obj.get("file_size"),
    }


def _attachments(msg: dict) -> list[dict[str, Any]]:
    out = []
    if msg.get("photo"):
        out.append(_attachment("photo", _largest(msg["photo"]), "image/jpeg"))
    for kind in _MEDIA_KINDS:
        obj = msg.get(kind)
        if isinstance(obj, dict):
            mime = None
            if kind == "sticker":
                mime = (
                    "video/webm" if obj.get("is_video")
                    else "application/x-tgsticker" if obj.get("is_animated")
                    else "image/webp"
                )
            out.append(_attachment(kind, obj, mime))
    if isinstance(msg.get("video_note"), dict):  # round videos: shown as a plain video
        out.append(_attachment("video", msg["video_note"], "video/mp4"))
    return out


def _build(channel) -> TelegramChannel:
    from messenger_app import settings

    base = (channel.base_url or "").rstrip("/") or settings.get().telegram_api_base
    return TelegramChannel(channel.token, base)


# Bot API limits: 50 MB per upload, 4096 characters per message (1024 per caption), inline
# keyboard buttons with callback_data of 1-64 bytes; ~30 messages/s per bot, ~1/s per chat.
TOKEN_RE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,100}$")


def _validate(token: str, config: dict) -> dict:
    if not TOKEN_RE.match(token or ""):
        raise DomainError("a bot token looks like 123456789:AAHk2bX_example-token-from-BotFather "
                          "(3-15 digits, a colon, then 20-100 letters, digits, _ or -)", code="tg_token")
    return config


KIND = ChannelKind(
    "telegram", "Telegram", _build, polling=True, token_label="Bot token", validate=_validate,
    token_secret=False, custom_base_url=True, probe_on_save=True,
    capabilities=Capabilities(max_files=10, max_file_size=50 * 1024 * 1024, max_text=4096,
                              native_choices=10, max_choices=10, max_choice_label=64,
                              rate_per_second=30, rate_per_chat_per_second=1),
)
