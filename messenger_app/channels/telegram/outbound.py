"""How our messages go to the Bot API: the Bot API method for each stored file (a picture
too big for sendPhoto goes as a document), the caption limit, and the choices as an inline
keyboard (one button per row, callback_data = Choice.id, 1-64 bytes)."""

from __future__ import annotations

import os

from messenger_app.channels.base import Choice, OutboundFile, PermanentError

MAX_CALLBACK_DATA = 64  # bytes of callback_data (Bot API)
MAX_CAPTION = 1024  # characters of a media caption
MAX_PHOTO = 10 * 1024 * 1024  # sendPhoto's limit; bigger pictures go as documents
_PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


def _keyboard(choices: list[Choice]) -> dict | None:
    """An inline keyboard, one button per row. The outbox guarantees 1-64 byte ids; an id
    Telegram would refuse is refused here too, before anything is sent."""
    if not choices:
        return None
    for c in choices:
        if not c.id or len(c.id.encode("utf-8")) > MAX_CALLBACK_DATA:
            raise PermanentError("telegram: a button id must be 1-64 bytes")
    return {"inline_keyboard": [[{"text": c.label, "callback_data": c.id}] for c in choices]}


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
