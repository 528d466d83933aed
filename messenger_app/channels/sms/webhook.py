"""Reading a gateway's webhook request: the shared-secret check and the body's records (a
form or JSON, query parameters overlaid, an optional JSON path to a batch). A malformed
body raises WebhookError (a ValueError): answer it with HTTP 400."""

from __future__ import annotations

import hmac
import urllib.parse
from typing import Any, Mapping

from messenger_app.channels.sms.payload import _charset, _first, _get_path, _text_of
from messenger_app.lib import safe_json


class WebhookError(ValueError):
    """The webhook body is not something we can read. Answer HTTP 400, log, move on."""


def verify_secret(value: Any, secret: str) -> bool:
    """Constant-time comparison of a webhook's secret with ours. An empty `secret` never
    matches: decide "no secret configured -> allow" in the caller (SmsChannel.check_webhook)."""
    if not secret or value is None:
        return False
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    given = value if isinstance(value, bytes) else str(value).encode("utf-8")
    return hmac.compare_digest(given, str(secret).encode("utf-8"))


def _scalar(value: Any, name: str) -> str:
    """A field that must be one value (a sender, an id): a list or an object is refused."""
    if isinstance(value, (dict, list)):
        raise WebhookError(f"sms webhook: {name!r} is not a single value")
    return _text_of(value)


def _items(content_type: str, body: bytes, query: Mapping[str, Any] | None,
           items_path: str) -> list[dict[str, Any]]:
    """The webhook's records: query fields overlaid by the form/JSON body."""
    if body is None:
        body = b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, (bytes, bytearray)):
        raise WebhookError("sms webhook: the body must be bytes")
    base = {str(k): _first(v) for k, v in (query or {}).items()}
    ctype = (content_type or "").split(";")[0].strip().lower()
    charset = _charset(content_type)
    stripped = bytes(body).strip()
    if not stripped:
        if not base:
            raise WebhookError("sms webhook: empty body")
        return [base]
    try:
        text = stripped.decode(charset)
    except (UnicodeError, LookupError):
        raise WebhookError(f"sms webhook: the body is not valid {charset}") from None
    is_json = ctype == "application/json" or ctype.endswith("+json") or ctype == "text/json"
    is_form = ctype == "application/x-www-form-urlencoded"
    if not is_json and not is_form:
        if ctype.startswith("multipart/"):
            raise WebhookError("sms webhook: multipart bodies are not supported; use form or JSON")
        is_json = text[:1] in "{["
    if is_json:
        try:
            data = safe_json.loads(text)
        except safe_json.BadJson as e:
            raise WebhookError(f"sms webhook: the body is not valid JSON ({e})") from None
        if items_path:
            data = _get_path(data, items_path)
            if data is None:
                raise WebhookError(f"sms webhook: no {items_path!r} in the body")
        records = data if isinstance(data, list) else [data]
        if not records:
            return []
        if not any(isinstance(r, dict) for r in records):
            raise WebhookError("sms webhook: expected a JSON object or a list of objects")
        # a stray non-object record in a batch is left to the parser to report on its own
        return [{**base, **r} if isinstance(r, dict) else r for r in records]
    if "=" not in text:
        raise WebhookError("sms webhook: the body is neither a form nor JSON")
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
    if not pairs:
        raise WebhookError("sms webhook: empty form")
    return [{**base, **dict(pairs)}]
