"""Bot API updates in: a private chat's message (text or caption, the sender's own contact,
photos / documents / voice / audio / video / stickers / round videos by file id) and a
pressed inline button (choice_id = its callback_data, text = its label). Groups, bots and
game buttons are skipped."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from messenger_app.channels.base import InboundMessage

_MEDIA_KINDS = ("document", "voice", "audio", "video", "sticker")


def parse_update(update: dict) -> InboundMessage | None:
    if isinstance(update.get("callback_query"), dict):
        return _parse_callback(update)
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


def _parse_callback(update: dict) -> InboundMessage | None:
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


def _button_label(message: dict, data: str) -> str:
    rows = ((message.get("reply_markup") or {}).get("inline_keyboard")) or []
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                return str(button.get("text") or "")
    return ""

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
