"""Bots Long Poll events in: a person's message_new (not ours, not a community's, not a
group chat's) as an InboundMessage, its attachments (photos, graffiti, documents, voice,
audio, video links, stickers) and a pressed button's choice from its payload."""

from __future__ import annotations

import json
from typing import Any

from messenger_app.channels.base import InboundMessage
from messenger_app.channels.http import guess_mime, utc_from_timestamp

CHAT_PEER_BASE = 2_000_000_000  # peer ids from here on are group chats, not people


def parse_event(event: Any) -> InboundMessage | None:
    if not isinstance(event, dict) or event.get("type") != "message_new":
        return None
    obj = event.get("object")
    msg = obj.get("message") if isinstance(obj, dict) else None
    if not isinstance(msg, dict):
        return None
    peer_id, from_id = msg.get("peer_id"), msg.get("from_id")
    if not isinstance(peer_id, int) or not isinstance(from_id, int):
        return None
    if msg.get("out") or from_id <= 0 or peer_id >= CHAT_PEER_BASE or peer_id != from_id:
        return None  # our own, a community's, or a group chat's message
    cmid = msg.get("conversation_message_id")
    if isinstance(cmid, int) and cmid > 0:
        external_id = f"{peer_id}:{cmid}"
    elif isinstance(msg.get("id"), int) and msg["id"] > 0:
        external_id = f"{peer_id}:m{msg['id']}"
    else:
        return None
    return InboundMessage(
        external_id=external_id,
        identity_external_id=str(from_id),
        text=msg.get("text") or "",
        sent_at=utc_from_timestamp(msg.get("date")),
        attachments=_attachments(msg.get("attachments")),
        choice_id=_choice_of(msg.get("payload")),
        raw=event,
    )


def _choice_of(payload: Any) -> str:
    """The choice id in a pressed button's payload ('{"choice": "..."}'), or ""."""
    if not isinstance(payload, str) or not payload:
        return ""
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    choice = data.get("choice") if isinstance(data, dict) else None
    return str(choice) if isinstance(choice, (str, int)) and not isinstance(choice, bool) else ""


def _largest(items: list[dict], w: str = "width", h: str = "height") -> dict:
    return max(items, key=lambda s: (s.get(w) or 0) * (s.get(h) or 0))


def _att(kind: str, url: str | None, file_name: str | None = None, mime: str | None = None,
         size: int | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "url": url, "file_name": file_name, "mime_type": mime,
            "file_size": size, **extra}


def _attachments(items: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        obj = item.get(kind) if isinstance(kind, str) else None
        if not isinstance(obj, dict):
            continue
        if kind == "photo":
            sizes = [s for s in obj.get("sizes") or [] if isinstance(s, dict) and s.get("url")]
            if sizes:
                out.append(_att("photo", _largest(sizes)["url"], None, "image/jpeg"))
        elif kind == "graffiti" and obj.get("url"):
            out.append(_att("photo", obj["url"], None, "image/png"))
        elif kind == "doc":
            title = obj.get("title") or ""
            ext = obj.get("ext") or ""
            name = title if not ext or title.lower().endswith("." + ext.lower()) else f"{title}.{ext}"
            out.append(_att("document", obj.get("url"), name or None,
                            guess_mime(name, "application/octet-stream"), obj.get("size")))
        elif kind == "audio_message":
            url = obj.get("link_ogg") or obj.get("link_mp3")
            mime = "audio/ogg" if obj.get("link_ogg") else "audio/mpeg"
            out.append(_att("voice", url, None, mime, None, duration=obj.get("duration")))
        elif kind == "audio":
            name = " - ".join(x for x in (obj.get("artist"), obj.get("title")) if x)
            out.append(_att("audio", obj.get("url") or None, f"{name}.mp3" if name else None,
                            "audio/mpeg", None, duration=obj.get("duration")))
        elif kind == "video":
            media = f"video{obj.get('owner_id')}_{obj.get('id')}"
            out.append({"kind": "video", "media_id": media, "url": None,
                        "file_name": obj.get("title") or None, "mime_type": None,
                        "file_size": None, "link": f"https://vk.com/{media}",
                        "duration": obj.get("duration")})
        elif kind == "sticker":
            images = [i for i in (obj.get("images") or obj.get("images_with_background") or [])
                      if isinstance(i, dict) and i.get("url")]
            url = _largest(images)["url"] if images else None
            out.append(_att("sticker", url, None, "image/png", None,
                            media_id=str(obj.get("sticker_id") or "") or None))
    return out
