"""A message's details (C4): one message in full, where it sits in its dialog, and its files
in a safe, display-ready form (size in words, inline media only when proven).

Read-only; no Reflex. `detail()` is the message-detail modal's data, `attachment_rows()`
the safe, display-ready form of Message.attachments for the thread and the composer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Channel, ChannelIdentity, Message, Operator
from messenger_app.services.attachments import URL_PREFIX

_AVATAR_PREFIX = "/files/"


def human_size(n) -> str:
    """12 B, 3.4 KB, 5.6 MB."""
    try:
        n = int(n)
    except (TypeError, ValueError):
        return ""
    if n < 0:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1048576:.1f} MB"


def _safe_url(url) -> str:
    """Only our own stored files are linked (never a channel's or a made-up URL)."""
    return url if isinstance(url, str) and url.startswith(URL_PREFIX) and ".." not in url else ""


def attachment_rows(attachments) -> list[dict[str, str]]:
    """Message.attachments as plain string dicts for the UI:
    {"kind", "url", "name", "mime", "size", "inline" ("1"/""), "media" (img|audio|video|""),
     "error"}. `media` is set only for a stored file whose bytes proved an inline type
    (services/attachments decides `inline`); anything else is offered as a download."""
    out = []
    for a in attachments or []:
        if not isinstance(a, dict):
            continue
        url = _safe_url(a.get("url"))
        mime = str(a.get("mime_type") or "")
        inline = bool(a.get("inline")) and bool(url)
        media = ""
        if inline and mime.startswith("image/"):
            media = "img"
        elif inline and mime.startswith("audio/"):
            media = "audio"
        elif inline and mime.startswith("video/"):
            media = "video"
        name = str(a.get("file_name") or a.get("kind") or "file")
        out.append({"kind": str(a.get("kind") or "document"), "url": url, "name": name,
                    "mime": mime, "size": human_size(a.get("file_size")),
                    "inline": "1" if inline else "", "media": media,
                    "error": str(a.get("error") or "")[:300],
                    "width": str(a.get("width") or ""), "height": str(a.get("height") or "")})
    return out


def _iso(dt: datetime | None) -> str:
    return dt.isoformat() if dt else ""


def detail(message_id: int) -> dict | None:
    """Everything about one message, or None. Datetimes are naive UTC."""
    with db.session() as s:
        m = s.get(Message, message_id)
        if m is None:
            return None
        channel = s.get(Channel, m.channel_id) if m.channel_id else None
        identity = s.get(ChannelIdentity, m.identity_id) if m.identity_id else None
        op = s.get(Operator, m.operator_id) if m.operator_id else None
        return {
            "id": m.id,
            "external_id": m.external_id or "",
            "subject": m.subject or "",
            "dialog_id": m.dialog_id,
            "contact_id": m.contact_id,
            "direction": m.direction,
            "sender_kind": m.sender_kind,
            "operator": (op.display_name or op.username) if op else "",
            "channel_kind": m.channel_kind or (channel.kind if channel else ""),
            "channel_name": channel.name if channel else "",
            "channel_id": m.channel_id,
            "identity_external_id": identity.external_id if identity else "",
            "identity_name": (identity.display_name or identity.username) if identity else "",
            "identity_username": identity.username if identity else "",
            "status": m.status,
            "error": m.error or "",
            "attempts": m.attempts,
            "status_history": [h for h in (m.status_history or []) if isinstance(h, dict)],
            "created_at": m.created_at,
            "sent_at": m.sent_at,
            "updated_at": m.updated_at,
            "attachments": list(m.attachments or []),
            "text_length": len(m.text or ""),
            # who made it when no operator typed it (C3/C4): the bot's scenario, version, step
            "origin_kind": m.origin_kind or "",
            "origin_label": m.origin_label or "",
            "scenario": ({"name": m.origin_label or "", "version": (m.origin_detail or {}).get("version"),
                          "step": (m.origin_detail or {}).get("step") or ""}
                         if m.origin_kind == "bot" else None),
        }


def count_from(dialog_id: int, message_id: int) -> int:
    """How many messages of the dialog have an id >= message_id (to load a found one)."""
    with db.session() as s:
        return s.exec(select(func.count()).select_from(Message).where(
            Message.dialog_id == dialog_id, Message.id >= message_id)).one()


def dialog_of(message_id: int) -> int | None:
    with db.session() as s:
        return s.exec(select(Message.dialog_id).where(Message.id == message_id)).first()
