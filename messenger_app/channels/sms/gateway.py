"""SmsChannel: the adapter the outbox and the webhook route use. One HTTP request per
message, built from SmsConfig (see the package docstring); errors sorted into transient,
permanent and unreachable with every secret scrubbed; webhooks checked and parsed."""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any, Mapping

import httpx

from messenger_app.channels.base import (
    InboundMessage,
    OutboundMessage,
    PermanentError,
    Profile,
    SendResult,
    TransientError,
    UnreachableError,
    numbered_options,
)
from messenger_app.channels.http import StatusEvent, WebhookBatch
from messenger_app.channels.sms.config import SmsConfig
from messenger_app.channels.sms.inbound import parse_webhook
from messenger_app.channels.sms.payload import (
    _PLACEHOLDER_RE,
    _SECRET_NAME_RE,
    _fill,
    _flat,
    _get_path,
    _header,
    _is_empty_error,
    _secret_values,
    _text_of,
)
from messenger_app.channels.sms.reports import parse_status
from messenger_app.channels.sms.webhook import verify_secret
from messenger_app.lib.retry import retry_after_of


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


def _retry_after(response: httpx.Response, body: Any) -> float | None:
    value: Any = response.headers.get("retry-after")
    if value is None and isinstance(body, dict):
        value = body.get("retry_after")
    return retry_after_of(value)
