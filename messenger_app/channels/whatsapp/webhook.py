"""Graph webhooks in: the GET subscription check, the X-Hub-Signature-256 check, and one
change's messages (text, media by id, buttons and list rows as choices, locations,
contacts) and delivery statuses (failed ones with their error, unreachable by code)."""

from __future__ import annotations

import hmac
from typing import Any, Mapping

from messenger_app.channels.base import InboundMessage
from messenger_app.channels.http import (
    MalformedWebhook,
    StatusEvent,
    as_dict,
    as_list,
    signature_matches,
    text_of,
    utc_from_timestamp,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
_UNREACHABLE_CODES = {131047, 131026, 131030}  # re-engagement, undeliverable, not in allowed list
_MEDIA = {"image": "photo", "document": "document", "video": "video", "sticker": "sticker"}
_STATUSES = ("sent", "delivered", "read", "failed")


def verify_challenge(params: Mapping[str, Any], verify_token: str) -> str | None:
    """The GET subscription check: the challenge to echo back, or None to refuse (403)."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    given = str(params.get("hub.verify_token") or "")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    challenge = params.get("hub.challenge")
    return str(challenge) if challenge is not None else None


def verify_signature(body: bytes, header: str, app_secret: str) -> bool:
    """X-Hub-Signature-256: "sha256=<hex HMAC-SHA256 of the raw body keyed by the app secret>"."""
    header = (header or "").strip()
    if not header.lower().startswith("sha256="):
        return False
    return signature_matches(app_secret, body, header[len("sha256="):])


def _name(contact: dict) -> str:
    try:
        return text_of(as_dict(contact.get("profile")).get("name"), "profile name")
    except MalformedWebhook:
        return ""


def _unreadable(msg: Any, index: int, error: Exception) -> InboundMessage:
    mid = msg.get("id") if isinstance(msg, dict) else None
    return InboundMessage(external_id=str(mid) if isinstance(mid, (str, int)) else "",
                          identity_external_id="", problem=f"message {index + 1}: {error}")


def _parse_message(msg: Any, names: dict[str, str]) -> InboundMessage | None:
    if not isinstance(msg, dict):
        raise MalformedWebhook("not an object")
    wa_id, mid = text_of(msg.get("from"), "from"), text_of(msg.get("id"), "id")
    mtype = msg.get("type")
    if mtype is not None and not isinstance(mtype, str):
        raise MalformedWebhook("type is not a string")
    if not wa_id or not mid or mtype in ("reaction", "system", "unsupported", None):
        return None
    wa_id = str(wa_id)
    text = choice_id = ""
    attachments: list[dict[str, Any]] = []
    obj = as_dict(msg.get(mtype))
    if mtype == "text":
        text = text_of(obj.get("body"), "text body")
    elif mtype in _MEDIA or mtype == "audio":
        kind = "voice" if mtype == "audio" and obj.get("voice") else _MEDIA.get(mtype, "audio")
        if not obj.get("id"):
            return None
        attachments.append({"kind": kind, "media_id": text_of(obj["id"], "media id"),
                            "file_name": text_of(obj.get("filename"), "filename") or None,
                            "mime_type": text_of(obj.get("mime_type"), "mime_type") or None,
                            "file_size": None, "sha256": text_of(obj.get("sha256"), "sha256") or None})
        text = text_of(obj.get("caption"), "caption")
    elif mtype == "button":  # a template's quick-reply button
        text = text_of(obj.get("text") or obj.get("payload"), "button text")
        choice_id = text_of(obj.get("payload"), "button payload")
    elif mtype == "interactive":
        reply = as_dict(obj.get("button_reply") or obj.get("list_reply"))
        text, choice_id = text_of(reply.get("title"), "reply title"), text_of(reply.get("id"), "reply id")
    elif mtype == "location":
        place = " ".join(text_of(obj.get(k), k) for k in ("name", "address")).strip()
        text = (f"📍 {text_of(obj.get('latitude'), 'latitude')}, "
                f"{text_of(obj.get('longitude'), 'longitude')}") + (f" {place}" if place else "")
    elif mtype == "contacts":
        text = "; ".join(
            " ".join([text_of(as_dict(c.get("name")).get("formatted_name"), "contact name")]
                     + [text_of(p.get("phone"), "contact phone")
                        for p in as_list(c.get("phones")) if isinstance(p, dict)]).strip()
            for c in as_list(msg.get("contacts")) if isinstance(c, dict))
    name = names.get(wa_id, "")
    return InboundMessage(
        external_id=mid,
        identity_external_id=wa_id,
        text=text,
        sent_at=utc_from_timestamp(msg.get("timestamp")),
        display_name=name,
        phone="+" + wa_id.lstrip("+"),
        attachments=attachments,
        choice_id=choice_id,
        raw=msg,
    )


def _parse_status(status: dict) -> StatusEvent | None:
    mid, state = text_of(status.get("id"), "status id"), status.get("status")
    if not mid or not isinstance(state, str) or state not in _STATUSES:
        return None
    errors = [e for e in as_list(status.get("errors")) if isinstance(e, dict)]
    first = errors[0] if errors else {}
    code = first.get("code") if isinstance(first.get("code"), int) else None
    error = text_of(first.get("title") or first.get("message"), "error") if state == "failed" else ""
    details = text_of(as_dict(first.get("error_data")).get("details"), "error details")
    if error and details and details != error:
        error = f"{error}: {details}"
    if state == "failed" and not error:
        error = "failed"
    return StatusEvent(
        external_id=mid, status=state, error=error, error_code=code if state == "failed" else None,
        unreachable=state == "failed" and code in _UNREACHABLE_CODES,
        identity_external_id=text_of(status.get("recipient_id"), "recipient_id"),
        at=utc_from_timestamp(status.get("timestamp")), raw=status)
