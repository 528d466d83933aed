"""What a WhatsApp message may carry and how ours are shaped: the media types and sizes
(a file the Cloud API does not play goes as a document), captions, reply buttons or a list
for the choices, and templates (the only thing allowed outside the 24 h window)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from messenger_app.channels.base import Choice, OutboundFile

MAX_CAPTION = 1024  # characters of an image / video / document caption
_CAPTIONED = ("image", "video", "document")
# https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#supported-media-types
_IMAGE_TYPES, MAX_IMAGE = ("image/jpeg", "image/png"), 5 * 1024 * 1024
_VIDEO_TYPES, _AUDIO_TYPES = ("video/mp4", "video/3gpp"), (
    "audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg")
MAX_MEDIA = 16 * 1024 * 1024  # audio and video
MAX_DOCUMENT = 100 * 1024 * 1024
FILE_TYPES = (*_IMAGE_TYPES, *_VIDEO_TYPES, *_AUDIO_TYPES, "text/plain", "application/pdf",
              "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
              "application/vnd.openxmlformats-officedocument.")
MAX_BUTTONS, MAX_BUTTON_TITLE, MAX_BUTTON_ID, MAX_BUTTON_BODY = 3, 20, 256, 1024
MAX_ROWS, MAX_ROW_TITLE, MAX_ROW_ID, MAX_LIST_BODY = 10, 24, 200, 4096
LIST_BUTTON = "☰"  # the list's opening button (≤ 20 characters; no language of its own)
EMPTY_BODY = "👇"  # an interactive message needs a body; used when the text is empty


@dataclass
class WhatsAppTemplate:
    """A pre-approved message template (the only thing allowed outside the 24 h window)."""

    name: str
    language: str = "en_US"
    components: list[dict[str, Any]] = field(default_factory=list)


def _media_type(f: OutboundFile) -> str:
    """The Graph message type a file goes as: what WhatsApp plays inline, else a document."""
    mime = (f.mime_type or "").lower()
    if mime in _IMAGE_TYPES and f.size <= MAX_IMAGE:
        return "image"
    if mime in _VIDEO_TYPES and f.size <= MAX_MEDIA:
        return "video"
    if mime.split(";")[0] in _AUDIO_TYPES and f.size <= MAX_MEDIA:
        return "audio"
    return "document"


def _interactive(text: str, choices: list[Choice]) -> dict[str, Any] | None:
    """Reply buttons (≤ 3) or a list (≤ 10) for the choices; None when they do not fit."""
    body = text if text.strip() else EMPTY_BODY
    ids = [c.id for c in choices]
    if len(set(ids)) != len(ids) or any(not i for i in ids):
        return None
    if (len(choices) <= MAX_BUTTONS and len(body) <= MAX_BUTTON_BODY
            and all(len(c.label) <= MAX_BUTTON_TITLE and len(c.id) <= MAX_BUTTON_ID for c in choices)):
        return {"type": "button", "body": {"text": body}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": c.id, "title": c.label}} for c in choices]}}
    if (len(choices) <= MAX_ROWS and len(body) <= MAX_LIST_BODY
            and all(len(c.label) <= MAX_ROW_TITLE and len(c.id) <= MAX_ROW_ID for c in choices)):
        return {"type": "list", "body": {"text": body}, "action": {
            "button": LIST_BUTTON, "sections": [{"rows": [{"id": c.id, "title": c.label}
                                                          for c in choices]}]}}
    return None
