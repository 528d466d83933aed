"""TelegramChannel: the adapter the workers and the outbox use (long polling, sending,
profiles, downloads). See the package docstring."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from messenger_app.channels.base import (
    InboundMessage,
    OutboundFile,
    OutboundMessage,
    PermanentError,
    Profile,
    SendResult,
    TransientError,
    UnreachableError,
)
from messenger_app.channels.http import UPLOAD_TIMEOUT
from messenger_app.channels.telegram.outbound import MAX_CAPTION, _keyboard, _media_method, _readable
from messenger_app.channels.telegram.updates import _largest, parse_update
from messenger_app.lib.filetypes import sniff as sniff_content_type
from messenger_app.lib.retry import retry_after_of
from messenger_app.lib.scrub import scrub

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# 400s that mean "this person cannot be reached by this bot", not "our request is wrong".
_UNREACHABLE_400 = ("chat not found", "user not found", "peer_id_invalid")
log = logging.getLogger("messenger_app.channels.telegram")  # the name it always had


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
            parsed = parse_update(update)
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
