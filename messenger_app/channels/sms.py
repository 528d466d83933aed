"""A generic HTTP SMS gateway adapter. Parses and sends; never touches the database.

Outbound: one HTTP request per message, built from `SmsConfig`:
  * `send_url` (placeholders allowed, URL-encoded when filled) and `method` GET | POST;
  * `params_template`: a dict (nested dicts/lists allowed for JSON) whose string values may
    hold the placeholders {to} {text} {sender} {message_id}. GET sends it as the query
    string; POST as a form (`body_format="form"`) or a JSON body (`body_format="json"`);
  * {message_id} is our message id (OutboundMessage.idempotency_key): put it in the URL or
    the template where the gateway takes a client reference, and/or name a header in
    `idempotency_header` ("Idempotency-Key"), so a gateway that de-duplicates can drop a
    resend after a crash (`sends_message_id` says whether this config does);
  * message.choices are appended to the text as numbered options ("1. Yes"); files cannot
    go by SMS (the outbox refuses them at queue time; here they are a PermanentError);
  * an optional auth header (`auth_header` + `auth_value`, e.g. "Authorization: Bearer …");
  * the gateway's message id is read from the JSON response at `id_path` ("id",
    "messages.0.id", "data[0].sid") or, failing that, with `id_regex` on the response text
    (group 1, else the whole match). No id found: SendResult.external_id is "".
  * success = HTTP 2xx and, when `error_field` is set, that JSON field absent or "empty"
    (null, "", 0, false, "0", "ok", "success", "none").

Errors (it never retries on its own): 429 / 5xx / timeouts / network trouble ->
TransientError (Retry-After honoured); 401 / 403 -> PermanentError without any secret;
a 4xx or an error field whose text matches `unreachable_pattern` ("invalid number", …) ->
UnreachableError; anything else -> PermanentError. Secrets (the auth value, secret-looking
template / URL parameters, the webhook secret) are scrubbed from every message.

Inbound (webhooks; the route hands over the raw request):
  * `parse_webhook(content_type, body, query, field_map)` -> list[InboundMessage]
  * `parse_status(content_type, body, query, field_map)` -> list[StatusEvent]
  * `verify_secret(value, secret)` — constant-time shared-secret check.
A malformed body raises `WebhookError` (a ValueError): answer it with HTTP 400.
"""

from __future__ import annotations

import hmac
import json
import re
import urllib.parse
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from hashlib import sha1
from typing import Any, Mapping

import httpx

from messenger_app.channels.http import StatusEvent, WebhookBatch
from messenger_app.lib import safe_json
from messenger_app.channels.base import (
    Capabilities,
    ChannelKind,
    SettingField,
    InboundMessage,
    OutboundMessage,
    PermanentError,
    Profile,
    SendResult,
    TransientError,
    UnreachableError,
    numbered_options,
)
from messenger_app.lib import phones
from messenger_app.lib.errors import DomainError
from messenger_app.lib.retry import retry_after_of

PLACEHOLDERS = ("to", "text", "sender", "message_id")
_PLACEHOLDER_RE = re.compile(r"\{(to|text|sender|message_id)\}")
DEFAULT_UNREACHABLE_PATTERN = (
    r"(invalid|unknown|bad|wrong|incorrect|unsupported|not\s+a\s+valid|unreachable|blacklisted"
    r"|blocked)[\s_-]*(phone|mobile|destination|recipient|msisdn|subscriber|number|\"?to\"?\b)"
    r"|(number|recipient|destination|msisdn)[\s_-]*(is\s+)?(invalid|not\s+valid|unknown|unreachable"
    r"|blacklisted|blocked)"
)
DEFAULT_INBOUND_FIELDS = {"from": "from", "text": "text", "id": "id", "date": "date", "items": ""}
DEFAULT_STATUS_FIELDS = {"id": "id", "status": "status", "error": "error", "items": ""}
# Our statuses (models/message.py) and the gateway words that mean them.
_STATUS_WORDS = {
    "delivered": ("delivered", "delivrd", "delivery_success", "delivered_to_handset",
                  "deliveredtohandset", "read"),
    "sent": ("sent", "accepted", "acceptd", "enroute", "submitted", "sent_to_operator",
             "buffered", "sending"),
    "queued": ("queued", "pending", "scheduled", "new", "created"),
    "failed": ("failed", "fail", "undelivered", "undeliv", "undelivrd", "rejected", "rejectd",
               "expired", "expird", "deleted", "error", "not_delivered", "canceled", "cancelled"),
}
DEFAULT_STATUS_MAP = {word: ours for ours, words in _STATUS_WORDS.items() for word in words}
STATUSES = ("queued", "sent", "delivered", "failed", "unknown")
_EMPTY_ERROR_VALUES = ("", "0", "false", "ok", "success", "none", "null")
_SECRET_NAME_RE = re.compile(r"key|token|secret|pass|pwd|auth|sign|api_?id|login", re.I)


class WebhookError(ValueError):
    """The webhook body is not something we can read. Answer HTTP 400, log, move on."""


class SmsConfigError(DomainError):
    """A setting that cannot work (unknown method, broken regex, …); a ValueError with a
    code and parameters, so the settings page says it in the operator's language."""


@dataclass
class SmsConfig:
    """Everything the settings page stores (as JSON via to_dict / from_dict)."""

    send_url: str = ""
    method: str = "POST"  # GET | POST
    body_format: str = "form"  # form | json (POST only; GET always uses the query string)
    params_template: dict[str, Any] = field(
        default_factory=lambda: {"to": "{to}", "text": "{text}", "from": "{sender}"})
    sender: str = ""  # the {sender} value: a number or an alphanumeric sender id
    to_format: str = "plus"  # {to} as "+79991234567" (plus) or "79991234567" (digits)
    auth_header: str = ""  # e.g. "Authorization" (empty: no auth header)
    auth_value: str = ""  # e.g. "Bearer abc…" — a secret
    idempotency_header: str = ""  # e.g. "Idempotency-Key": carries our message id
    id_path: str = ""  # JSON path of the gateway message id in the response
    id_regex: str = ""  # else: regex on the response text (group 1, or the whole match)
    error_field: str = ""  # JSON path; a non-empty value there means the send failed
    unreachable_pattern: str = DEFAULT_UNREACHABLE_PATTERN  # error text -> UnreachableError
    timeout: float = 15.0
    inbound_fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_INBOUND_FIELDS))
    status_fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_STATUS_FIELDS))
    status_map: dict[str, str] = field(default_factory=dict)  # extra gateway word -> our status
    webhook_secret: str = ""  # empty: inbound webhooks are not checked (see check_webhook)
    secret_param: str = "secret"  # query parameter carrying the webhook secret
    secret_header: str = "X-Webhook-Secret"  # …or this request header

    SECRET_FIELDS = ("auth_value", "webhook_secret")  # never show these in the browser

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "SmsConfig":
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        cfg = cls(**{k: v for k, v in data.items() if k in known})
        cfg.params_template = _json_value(cfg.params_template, "params_template")
        cfg.status_map = _json_value(cfg.status_map, "status_map") or {}
        cfg.method = str(cfg.method or "POST").upper()
        cfg.body_format = str(cfg.body_format or "form").lower()
        cfg.to_format = str(cfg.to_format or "plus").lower()
        cfg.timeout = float(cfg.timeout or 15.0)
        for name, default in (("inbound_fields", DEFAULT_INBOUND_FIELDS),
                              ("status_fields", DEFAULT_STATUS_FIELDS)):
            given = _json_value(getattr(cfg, name), name) or {}
            if not isinstance(given, Mapping):
                raise SmsConfigError(f"{name} must be an object", code="sms_object", field=name)
            setattr(cfg, name, {**default, **{str(k): str(v) for k, v in given.items()}})
        cfg.validate()
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))  # a deep, JSON-safe copy

    def validate(self) -> None:
        if self.method not in ("GET", "POST"):
            raise SmsConfigError("method must be GET or POST", code="sms_method")
        if self.body_format not in ("form", "json"):
            raise SmsConfigError("body_format must be form or json", code="sms_body_format")
        if self.to_format not in ("plus", "digits"):
            raise SmsConfigError("to_format must be plus or digits", code="sms_to_format")
        if self.send_url and not self.send_url.startswith(("http://", "https://")):
            raise SmsConfigError("the send URL must start with http:// or https://", code="sms_send_url")
        if not isinstance(self.params_template, (dict, list)):
            raise SmsConfigError("params_template must be an object", code="sms_template_object")
        if self.method == "GET" and not isinstance(self.params_template, dict):
            raise SmsConfigError("a GET template must be a flat object", code="sms_template_flat")
        if not isinstance(self.status_map, Mapping):
            raise SmsConfigError("status_map must be an object", code="sms_object", field="status_map")
        for ours in self.status_map.values():
            if ours not in STATUSES:
                raise SmsConfigError(f"status_map values must be one of {', '.join(STATUSES)}",
                                     code="sms_status_values", statuses=", ".join(STATUSES))
        for name in ("id_regex", "unreachable_pattern"):
            try:
                re.compile(getattr(self, name) or "")
            except re.error as exc:
                raise SmsConfigError(f"{name} is not a valid regular expression: {exc}",
                                     code="sms_regex", field=name) from None
        if "\n" in self.auth_header or "\r" in self.auth_value or "\n" in self.auth_value:
            raise SmsConfigError("the auth header must be one line", code="sms_auth_line")
        if self.idempotency_header and not re.fullmatch(r"[A-Za-z0-9-]{1,64}",
                                                        self.idempotency_header):
            raise SmsConfigError("the idempotency header must be a header name",
                                 code="sms_idempotency_header")


class SmsChannel:
    kind = "sms"

    def __init__(self, config: SmsConfig | Mapping[str, Any], client: httpx.AsyncClient | None = None):
        self.config = config if isinstance(config, SmsConfig) else SmsConfig.from_dict(config)
        self.config.validate()
        self._unreachable = re.compile(self.config.unreachable_pattern or r"(?!x)x", re.I)
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(self.config.timeout, connect=min(10.0, self.config.timeout)))

    @property
    def sends_message_id(self) -> bool:
        """True when the gateway receives our message id (a placeholder in the URL or the
        template, or the idempotency header), so it can recognise a resend."""
        cfg = self.config
        return bool(cfg.idempotency_header) or "{message_id}" in cfg.send_url \
            or "{message_id}" in json.dumps(cfg.params_template, ensure_ascii=False)

    # -- public API -------------------------------------------------------------

    async def send(self, identity_external_id: str, message: OutboundMessage) -> SendResult:
        cfg = self.config
        if not cfg.send_url:
            raise PermanentError("sms: no send URL configured")
        digits = re.sub(r"\D", "", identity_external_id or "")
        if not digits or digits != re.sub(r"[\s+()-]", "", identity_external_id or ""):
            raise UnreachableError("sms: the recipient is not a phone number")
        if message.files:  # never dropped silently: the outbox refuses these at queue time
            raise PermanentError("sms: SMS cannot carry files")
        text = numbered_options(message.text or "", list(message.choices or []))
        if not text.strip():
            raise PermanentError("sms: nothing to send (SMS carries text only)")
        values = {
            "to": ("+" + digits) if cfg.to_format == "plus" else digits,
            "text": text,
            "sender": cfg.sender,
            "message_id": message.idempotency_key or "",
        }
        url = _PLACEHOLDER_RE.sub(lambda m: urllib.parse.quote(values[m.group(1)], safe=""),
                                  cfg.send_url)
        filled = _fill(cfg.params_template, values)
        headers = {}
        if cfg.auth_header and cfg.auth_value:
            headers[cfg.auth_header] = cfg.auth_value
        if cfg.idempotency_header and message.idempotency_key:
            headers[cfg.idempotency_header] = message.idempotency_key
        kwargs: dict[str, Any] = {"headers": headers}
        if cfg.method == "GET":
            # Merge by hand: httpx's params= would drop a query already in the URL.
            parts = urllib.parse.urlsplit(url)
            pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
            pairs += list(_flat(filled).items())
            url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(pairs)))
        elif cfg.body_format == "json":
            kwargs["json"] = filled
        else:
            kwargs["data"] = _flat(filled)
        try:
            response = await self._client.request(cfg.method, url, **kwargs)
        except httpx.TimeoutException:
            raise TransientError("sms gateway: timed out") from None
        except httpx.HTTPError as exc:
            raise TransientError(f"sms gateway: {self._scrub(exc)}") from None
        body: Any = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not 200 <= response.status_code < 300:
            self._raise(response, body)
        if cfg.error_field and isinstance(body, (dict, list)):
            err = _get_path(body, cfg.error_field)
            if not _is_empty_error(err):
                self._raise_error_text(_text_of(err) or "error", response.status_code)
        external_id = self._extract_id(body, response.text)
        raw: dict[str, Any] = {"status_code": response.status_code}
        if isinstance(body, (dict, list)):
            raw["response"] = body
        return SendResult(external_id=external_id, raw=raw)

    async def profile(self, identity_external_id: str) -> Profile:
        return Profile()  # SMS knows nothing about people but their number

    async def close(self) -> None:
        if self._own_client:
            await self._client.aclose()

    def parse_request(self, headers: Mapping[str, str], query: Mapping[str, str],
                      body: bytes) -> WebhookBatch:
        """Inbound messages, or delivery reports with ?type=status."""
        query = dict(query or {})
        if not self.check_webhook(query, dict(headers)):
            raise PermissionError("bad secret")
        ctype = headers.get("content-type", "")
        if query.get("type", "") == "status":
            return WebhookBatch([], self.parse_status(ctype, body, query), [])
        return WebhookBatch(self.parse_webhook(ctype, body, query), [], [])

    def parse_webhook(self, content_type: str, body: bytes,
                      query: Mapping[str, Any] | None = None) -> list[InboundMessage]:
        return parse_webhook(content_type, body, self._public(query), self.config.inbound_fields)

    def parse_status(self, content_type: str, body: bytes,
                     query: Mapping[str, Any] | None = None) -> list[StatusEvent]:
        return parse_status(content_type, body, self._public(query), self.config.status_fields,
                            self.config.status_map)

    def _public(self, query: Mapping[str, Any] | None) -> dict[str, Any]:
        """The query without the webhook secret, so it never lands in `raw`."""
        return {k: v for k, v in (query or {}).items() if k != self.config.secret_param}

    def check_webhook(self, query: Mapping[str, Any] | None = None,
                      headers: Mapping[str, Any] | None = None) -> bool:
        """True when no webhook secret is configured, or the request carries it (in the
        `secret_param` query parameter or the `secret_header` header)."""
        secret = self.config.webhook_secret
        if not secret:
            return True
        value = (query or {}).get(self.config.secret_param) if self.config.secret_param else None
        if not value and headers is not None and self.config.secret_header:
            value = _header(headers, self.config.secret_header)
        return verify_secret(value, secret)

    # -- responses --------------------------------------------------------------

    def _extract_id(self, body: Any, text: str) -> str:
        cfg = self.config
        if cfg.id_path and isinstance(body, (dict, list)):
            value = _get_path(body, cfg.id_path)
            if value not in (None, "") and not isinstance(value, (dict, list)):
                return str(value)
        if cfg.id_regex:
            match = re.search(cfg.id_regex, text or "")
            if match:
                return (match.group(1) if match.groups() else match.group(0)).strip()
        return ""

    def _raise(self, response: httpx.Response, body: Any) -> None:
        code = response.status_code
        if code in (401, 403):
            raise PermanentError(f"sms gateway rejected the credentials (HTTP {code})")
        detail = self._error_detail(body, response.text)
        msg = f"sms gateway: HTTP {code}" + (f": {detail}" if detail else "")
        if code == 429:
            raise TransientError(msg, retry_after=_retry_after(response, body))
        if code >= 500 or code == 408:
            raise TransientError(msg, retry_after=_retry_after(response, body))
        if 400 <= code < 500 and detail and self._unreachable.search(detail):
            raise UnreachableError(f"sms: {detail}")
        raise PermanentError(msg)

    def _raise_error_text(self, detail: str, code: int) -> None:
        detail = self._scrub(detail)[:300]
        if self._unreachable.search(detail):
            raise UnreachableError(f"sms: {detail}")
        raise PermanentError(f"sms gateway: HTTP {code} but error: {detail}")

    def _error_detail(self, body: Any, text: str) -> str:
        if isinstance(body, (dict, list)):
            parts = []
            if self.config.error_field:
                parts.append(_text_of(_get_path(body, self.config.error_field)))
            for key in ("error", "message", "description", "detail", "error_text",
                        "status_text", "errors"):
                if isinstance(body, dict) and key in body:
                    parts.append(_text_of(body[key]))
            detail = "; ".join(p for p in dict.fromkeys(parts) if p)
        else:
            detail = " ".join((text or "").split())
            if detail.lstrip().startswith("<"):  # an HTML error page tells nothing useful
                detail = ""
        return self._scrub(detail)[:300]

    def _secrets(self) -> list[str]:
        cfg = self.config
        out = [cfg.auth_value, cfg.webhook_secret]
        if cfg.auth_value and " " in cfg.auth_value:
            out.append(cfg.auth_value.split(" ", 1)[1])  # "Bearer <token>" -> the token too
        out += _secret_values(cfg.params_template)
        query = urllib.parse.urlsplit(cfg.send_url).query
        out += [v for k, v in urllib.parse.parse_qsl(query) if _SECRET_NAME_RE.search(k)]
        parts = urllib.parse.urlsplit(cfg.send_url)
        if parts.password:
            out.append(parts.password)
        return sorted({s for s in out if s and len(s) >= 3 and not _PLACEHOLDER_RE.fullmatch(s)},
                      key=len, reverse=True)

    def _scrub(self, text: Any) -> str:
        text = str(text) or type(text).__name__
        for secret in self._secrets():
            text = text.replace(secret, "<secret>")
        return text


# -- inbound ----------------------------------------------------------------------


def verify_secret(value: Any, secret: str) -> bool:
    """Constant-time comparison of a webhook's secret with ours. An empty `secret` never
    matches: decide "no secret configured -> allow" in the caller (SmsChannel.check_webhook)."""
    if not secret or value is None:
        return False
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    given = value if isinstance(value, bytes) else str(value).encode("utf-8")
    return hmac.compare_digest(given, str(secret).encode("utf-8"))


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


def _scalar(value: Any, name: str) -> str:
    """A field that must be one value (a sender, an id): a list or an object is refused."""
    if isinstance(value, (dict, list)):
        raise WebhookError(f"sms webhook: {name!r} is not a single value")
    return _text_of(value)


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


# -- helpers ------------------------------------------------------------------------


def _json_value(value: Any, name: str) -> Any:
    """Settings forms may hand JSON objects over as text."""
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else {}
        except ValueError:
            raise SmsConfigError(f"{name} is not valid JSON", code="sms_json", field=name) from None
    return value


def _fill(template: Any, values: Mapping[str, str]) -> Any:
    if isinstance(template, str):
        return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], template)
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


def _flat(filled: Any) -> dict[str, str]:
    if not isinstance(filled, dict):
        raise PermanentError("sms: a form or query template must be a flat object")
    out = {}
    for key, value in filled.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None:
            value = ""
        out[str(key)] = str(value)
    return out


def _secret_values(template: Any, key: str = "") -> list[str]:
    if isinstance(template, dict):
        return [s for k, v in template.items() for s in _secret_values(v, str(k))]
    if isinstance(template, list):
        return [s for v in template for s in _secret_values(v, key)]
    if isinstance(template, str) and key and _SECRET_NAME_RE.search(key):
        return [template]
    return []


_PATH_TOKEN = re.compile(r"[^.\[\]]+|\[(\d+)\]")


def _get_path(data: Any, path: str) -> Any:
    """'messages.0.id', 'messages[0].id', 'result.sid'. Missing -> None."""
    if not path:
        return None
    current = data
    for match in _PATH_TOKEN.finditer(path):
        key = match.group(1) if match.group(1) is not None else match.group(0)
        if isinstance(current, list):
            try:
                current = current[int(key)]
            except (ValueError, IndexError):
                return None
        elif isinstance(current, dict):
            if key not in current:
                return None
            current = current[key]
        else:
            return None
    return current


def _field(item: Mapping[str, Any], name: str) -> Any:
    if not name:
        return None
    if name in item:
        return item[name]
    return _get_path(item, name) if ("." in name or "[" in name) else None


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else ""
    return value


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        if isinstance(value, dict):
            for key in ("message", "description", "text", "error", "detail"):
                if isinstance(value.get(key), (str, int)):
                    return str(value[key])
        return json.dumps(value, ensure_ascii=False)[:300]
    return str(value)


def _is_empty_error(value: Any) -> bool:
    if value is None or value is False or value == 0:
        return True
    if isinstance(value, (dict, list)):
        return not value
    return str(value).strip().lower() in _EMPTY_ERROR_VALUES


def _norm_word(word: str) -> str:
    return re.sub(r"[\s-]+", "_", str(word).strip().lower())


def _charset(content_type: str) -> str:
    match = re.search(r"charset=\"?([\w.:-]+)", content_type or "", re.I)
    return match.group(1) if match else "utf-8"


def _header(headers: Mapping[str, Any], name: str) -> Any:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, val in headers.items():
            if str(key).lower() == lowered:
                return val
    return value


def _retry_after(response: httpx.Response, body: Any) -> float | None:
    value: Any = response.headers.get("retry-after")
    if value is None and isinstance(body, dict):
        value = body.get("retry_after")
    return retry_after_of(value)


def _build(channel) -> SmsChannel:
    return SmsChannel(channel.config or {})


# A generic HTTP gateway: text only (files cannot be carried: the paperclip says so); choices
# as numbered options; one SMS segment is 160 GSM-7 / 70 UCS-2 characters, long texts are
# concatenated by the gateway.
def _validate(token: str, config: dict) -> dict:
    return SmsConfig.from_dict(config).to_dict()  # SmsConfigError is a ValueError


KIND = ChannelKind(
    "sms", "SMS gateway", _build, webhook=True, validate=_validate,
    identity_address="phone",
    fields=(SettingField("send_url", "Send URL", required=True),
            SettingField("method", "Method (GET/POST)"), SettingField("body_format", "Body (form/json)"),
            SettingField("sender", "Sender id"), SettingField("auth_header", "Auth header name"),
            SettingField("auth_value", "Auth header value", secret=True),
            SettingField("params_template",
                         "Request template (JSON: {to} {text} {sender} {message_id})"),
            SettingField("idempotency_header", "Header for our message id (Idempotency-Key)"),
            SettingField("id_path", "Message id JSON path"),
            SettingField("webhook_secret", "Webhook secret", secret=True)),
    capabilities=Capabilities(max_files=0, max_text=1600, native_choices=0, max_choices=9,
                              max_choice_label=40, rate_per_second=5, rate_per_chat_per_second=1),
)
