"""How our messages go to VK: what goes as a photo and what as a document, the saved
attachment's reference, the inline keyboard for the choices (None when they do not fit),
and random_id (the same idempotency key → the same id, so VK drops a resend)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from messenger_app.channels.base import Choice, TransientError
from messenger_app.channels.http import compact_json

PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif")  # photos.getMessagesUploadServer
MAX_PHOTO = 50 * 1024 * 1024  # a bigger picture goes as a document
MAX_DOC = 200 * 1024 * 1024
# an inline keyboard: at most 10 buttons in at most 6 rows; label 40, payload 255 bytes
MAX_BUTTONS, MAX_ROWS, MAX_LABEL, MAX_PAYLOAD = 10, 6, 40, 255
EMPTY_TEXT = "👇"  # a keyboard needs a message; used when there is no text and no file


def stable_random_id(key: str) -> int:
    """VK's random_id for an idempotency key: the same key → the same positive int32, so a
    retried send is de-duplicated by VK. No key → a fresh random one."""
    if not key:
        return secrets.randbelow(2**31 - 1) + 1
    value = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") & 0x7FFFFFFF
    return value or 1


def _attachment_ref(kind: str, item: Any) -> str:
    if not isinstance(item, dict) or item.get("id") is None or item.get("owner_id") is None:
        raise TransientError(f"vk {kind} save: malformed response")
    ref = f"{kind}{item['owner_id']}_{item['id']}"
    return f"{ref}_{item['access_key']}" if item.get("access_key") else ref


def _keyboard(choices: list[Choice]) -> str | None:
    """The inline keyboard JSON for the choices (one per row, two per row past six);
    None when they do not fit (too many, a label or payload too long)."""
    if len(choices) > MAX_BUTTONS:
        return None
    buttons = []
    for c in choices:
        payload = compact_json({"choice": c.id})
        if not c.id or not c.label.strip() or len(c.label) > MAX_LABEL \
                or len(payload.encode()) > MAX_PAYLOAD:
            return None
        buttons.append({"action": {"type": "text", "label": c.label, "payload": payload},
                        "color": "secondary"})
    per_row = 1 if len(buttons) <= MAX_ROWS else 2
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    return compact_json({"inline": True, "buttons": rows})
