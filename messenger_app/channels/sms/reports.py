"""Delivery reports from a gateway's webhook: parse_status -> list[StatusEvent], the
gateway's word mapped to queued | sent | delivered | failed | unknown."""

from __future__ import annotations

from typing import Any, Mapping

from messenger_app.channels.http import StatusEvent
from messenger_app.channels.sms.config import DEFAULT_STATUS_FIELDS, DEFAULT_STATUS_MAP
from messenger_app.channels.sms.payload import _field, _is_empty_error, _norm_word, _text_of
from messenger_app.channels.sms.webhook import WebhookError, _items, _scalar


def parse_status(content_type: str, body: bytes, query: Mapping[str, Any] | None = None,
                 field_map: Mapping[str, str] | None = None,
                 status_map: Mapping[str, str] | None = None) -> list[StatusEvent]:
    """Delivery reports. `field_map`: id, status, error, items (like parse_webhook). The
    gateway's word is mapped to queued | sent | delivered | failed (`status_map` adds or
    overrides words); unknown words give "unknown" (raw_status keeps the original)."""
    fmap = {**DEFAULT_STATUS_FIELDS, **{k: v for k, v in (field_map or {}).items() if v is not None}}
    words = {**DEFAULT_STATUS_MAP, **{_norm_word(k): v for k, v in (status_map or {}).items()}}
    items = _items(content_type, body, query, fmap.get("items", ""))
    out = []
    for index, item in enumerate(items):
        try:
            out.append(_status(item, index, fmap, words))
        except WebhookError as e:
            if len(items) == 1:
                raise
            # one bad record of a batch: reported on the channel's health, the others applied
            ext = _field(item, fmap["id"]) if isinstance(item, dict) else None
            out.append(StatusEvent(external_id=ext if isinstance(ext, (str, int)) else "",
                                   status="unknown", problem=str(e)))
    return out


def _status(item: Any, index: int, fmap: Mapping[str, str],
            words: Mapping[str, str]) -> StatusEvent:
    if not isinstance(item, dict):
        raise WebhookError(f"sms status report {index + 1}: not an object")
    ext = _scalar(_field(item, fmap["id"]), fmap["id"]).strip()
    raw_status = _scalar(_field(item, fmap["status"]), fmap["status"]).strip()
    if not ext or not raw_status:
        raise WebhookError(
            f"sms status report {index + 1}: needs {fmap['id']!r} and {fmap['status']!r}")
    status = words.get(_norm_word(raw_status), "unknown")
    error = _text_of(_field(item, fmap["error"])).strip() if fmap.get("error") else ""
    if _is_empty_error(error):
        error = ""
    return StatusEvent(external_id=ext, status=status, error=error[:500],
                       raw_status=raw_status, raw=dict(item))
