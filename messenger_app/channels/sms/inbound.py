"""Incoming SMS from a gateway's webhook: parse_webhook (form or JSON, one message or a
batch) -> list[InboundMessage]; the sender's phone and identity; the sent date."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from hashlib import sha1
from typing import Any, Mapping

from messenger_app.channels.base import InboundMessage
from messenger_app.channels.sms.config import DEFAULT_INBOUND_FIELDS
from messenger_app.channels.sms.payload import _field, _text_of
from messenger_app.channels.sms.webhook import WebhookError, _items, _scalar
from messenger_app.lib import phones


def parse_webhook(content_type: str, body: bytes, query: Mapping[str, Any] | None = None,
                  field_map: Mapping[str, str] | None = None) -> list[InboundMessage]:
    """Incoming SMS from a form or JSON webhook (query parameters count as fields too, the
    body wins). `field_map` names the gateway's fields: from, text, id (defaults the same),
    date (optional), items (a JSON path to a list of messages, for batches). JSON names may be
    dotted paths ("message.from"). Raises WebhookError for anything unreadable."""
    fmap = {**DEFAULT_INBOUND_FIELDS, **{k: v for k, v in (field_map or {}).items() if v is not None}}
    items = _items(content_type, body, query, fmap.get("items", ""))
    out = []
    for index, item in enumerate(items):
        try:
            out.append(_inbound(item, index, fmap))
        except WebhookError as e:
            if len(items) == 1:
                raise
            # one bad record of a batch: reported (not stored), the others are still stored
            ext = _field(item, fmap["id"]) if fmap.get("id") and isinstance(item, dict) else None
            out.append(InboundMessage(external_id=ext if isinstance(ext, (str, int)) else "",
                                      identity_external_id="", problem=str(e)))
    return out


def _inbound(item: Mapping[str, Any], index: int, fmap: Mapping[str, str]) -> InboundMessage:
    if not isinstance(item, dict):
        raise WebhookError(f"sms webhook: message {index + 1} is not an object")
    sender = _scalar(_field(item, fmap["from"]), fmap["from"]).strip()
    if not sender:
        raise WebhookError(f"sms webhook: message {index + 1} has no {fmap['from']!r} field")
    text = _field(item, fmap["text"])
    if isinstance(text, (dict, list)):
        raise WebhookError(f"sms webhook: {fmap['text']!r} is not text")
    text = "" if text is None else str(text)
    msg_id = _scalar(_field(item, fmap["id"]), fmap["id"]).strip() if fmap.get("id") else ""
    sent_at = _parse_date(_field(item, fmap["date"])) if fmap.get("date") else None
    phone, identity = _phone_identity(sender)
    if not msg_id:
        # No id from the gateway: the same delivery repeated hashes the same (dedup on retry).
        stamp = _text_of(_field(item, fmap["date"])) if fmap.get("date") else ""
        msg_id = "h:" + sha1(f"{identity}\n{stamp}\n{text}".encode("utf-8", "replace")).hexdigest()[:24]
    return InboundMessage(
        external_id=msg_id,
        identity_external_id=identity,
        text=text,
        sent_at=sent_at,
        display_name=phone or sender,
        phone=phone,
        raw=dict(item) if isinstance(item, dict) else {"value": item},
    )


def _phone_identity(sender: str) -> tuple[str, str]:
    """(phone as given or "", identity id). For a number the identity is the digits of its
    E.164 form when it parses ("8 999 123-45-67" -> "79991234567", so replies go to
    "+79991234567"), else its bare digits; an alphanumeric sender ("BANK") is no phone."""
    compact = re.sub(r"[\s().-]", "", sender)
    if re.fullmatch(r"\+?\d{3,17}", compact):
        return sender, phones.digits(phones.try_normalize(compact)) or re.sub(r"\D", "", compact)
    return "", sender.lower()


def _parse_date(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
            stamp = float(value)
            if stamp > 1e11:  # milliseconds
                stamp /= 1000.0
            return datetime.fromtimestamp(stamp, tz=timezone.utc).replace(tzinfo=None)
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            dt = parsedate_to_datetime(text)
        if dt.tzinfo is not None:
            dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
        return dt
    except (ValueError, TypeError, OverflowError, OSError, IndexError, AttributeError):
        return None  # a date we cannot read is not worth rejecting the message for
