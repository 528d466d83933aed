"""SmsConfig: everything the settings page stores for a gateway (as JSON via to_dict /
from_dict), its defaults (the inbound and status field names, the gateway words for our
statuses, the "unreachable number" pattern) and SmsConfigError."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

from messenger_app.lib.errors import DomainError

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


def _json_value(value: Any, name: str) -> Any:
    """Settings forms may hand JSON objects over as text."""
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else {}
        except ValueError:
            raise SmsConfigError(f"{name} is not valid JSON", code="sms_json", field=name) from None
    return value
