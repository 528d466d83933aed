"""WhatsApp Cloud API adapter (Graph API webhooks in, /{phone_number_id}/messages out).
Never touches the database; never retries on its own.

Webhook route:
    GET  → `verify_challenge(request.query_params, verify_token)` → the challenge text (200)
           or None (403).
    POST → `verify_signature(raw_body, request.headers["X-Hub-Signature-256"], app_secret)`
           False → 401/403; then `messages, statuses, identities = channel.parse_webhook(json)`
           (MalformedWebhook → 400). Messages carry phone "+<wa_id>" so the client joins by
           phone; statuses are StatusEvent for our wamids (failed ones with error/unreachable).

24-hour customer-service window: free-form messages only within 24 h of the client's last
inbound message; outside it only templates. `send(..., last_inbound_at=identity.last_inbound_at)`
raises UnreachableError before calling the API when the window is closed; pass
`template=WhatsAppTemplate(...)` to send a template instead (allowed any time). With
last_inbound_at=None the adapter does not check and the API's answer decides (131047).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
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
)
from messenger_app.channels.http import (
    HttpAdapter,
    IdentityEvent,
    MalformedWebhook,
    StatusEvent,
    WebhookBatch,
    as_dict,
    as_list,
    as_utc,
    retry_after_of,
    signature_matches,
    text_of,
    utc_from_timestamp,
)

__all__ = ["WhatsAppChannel", "WhatsAppTemplate", "StatusEvent", "IdentityEvent", "WebhookBatch",
           "MalformedWebhook", "verify_challenge", "verify_signature", "window_open",
           "SIGNATURE_HEADER", "WINDOW", "WINDOW_CLOSED"]

SIGNATURE_HEADER = "X-Hub-Signature-256"
WINDOW = timedelta(hours=24)
WINDOW_CLOSED = "outside WhatsApp's 24-hour window: only templates"
_UNREACHABLE_CODES = {131047, 131026, 131030}  # re-engagement, undeliverable, not in allowed list
_TRANSIENT_CODES = {1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131056, 133004}
_AUTH_CODES = {10, 102, 190, 200}  # permission / session / access token
_MEDIA = {"image": "photo", "document": "document", "video": "video", "sticker": "sticker"}
_STATUSES = ("sent", "delivered", "read", "failed")


@dataclass
class WhatsAppTemplate:
    """A pre-approved message template (the only thing allowed outside the 24 h window)."""

    name: str
    language: str = "en_US"
    components: list[dict[str, Any]] = field(default_factory=list)


def window_open(last_inbound_at: datetime | None, now: datetime | None = None) -> bool:
    """True while free-form messages are allowed: the client wrote less than 24 h ago.
    Naive datetimes are taken as UTC. No inbound message at all → closed."""
    if last_inbound_at is None:
        return False
    now = as_utc(now) if now is not None else datetime.now(timezone.utc)
    return now - as_utc(last_inbound_at) < WINDOW


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


class WhatsAppChannel(HttpAdapter):
    kind = "whatsapp"
    label = "whatsapp"

    def __init__(
        self,
        token: str,
        phone_number_id: str,
        app_secret: str = "",
        verify_token: str = "",
        base_url: str = "https://graph.facebook.com/v21.0",
        client: httpx.AsyncClient | None = None,
    ):
        super().__init__(client)
        self._token = token
        self._app_secret = app_secret
        self._verify_token = verify_token
        self._add_secret(token, app_secret, verify_token)
        self.phone_number_id = str(phone_number_id)
        self._base = base_url.rstrip("/")

    # -- webhooks ----------------------------------------------------------------

    def verify_challenge(self, params: Mapping[str, Any]) -> str | None:
        return verify_challenge(params, self._verify_token)

    def verify_signature(self, body: bytes, header: str) -> bool:
        return verify_signature(body, header, self._app_secret)

    def parse_webhook(self, body: Any) -> WebhookBatch:
        """One Graph webhook → WebhookBatch(messages, statuses, identities=[]).
        Changes for other phone numbers of the same business account are skipped. A message
        with wrong types inside comes back with `problem` set (recorded, not stored), so the
        other messages of the batch are still stored; a body that is no WhatsApp event at all
        raises MalformedWebhook."""
        if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account" \
                or not isinstance(body.get("entry"), list):
            raise MalformedWebhook("whatsapp webhook: not a whatsapp_business_account event")
        batch = WebhookBatch([], [], [])
        for entry in body["entry"]:
            for change in as_list(as_dict(entry).get("changes")):
                value = as_dict(change).get("value")
                if not isinstance(value, dict) or change.get("field", "messages") != "messages":
                    continue
                pnid = as_dict(value.get("metadata")).get("phone_number_id")
                if pnid is not None and str(pnid) != self.phone_number_id:
                    continue
                names = {str(c.get("wa_id")): _name(c) for c in as_list(value.get("contacts"))
                         if isinstance(c, dict)}
                for index, msg in enumerate(as_list(value.get("messages"))):
                    try:
                        parsed = _parse_message(msg, names)
                    except MalformedWebhook as e:
                        parsed = _unreadable(msg, index, e)
                    if parsed is not None:
                        batch.messages.append(parsed)
                for status in as_list(value.get("statuses")):
                    try:
                        parsed_status = _parse_status(status) if isinstance(status, dict) else None
                    except MalformedWebhook:
                        parsed_status = None  # a report we cannot read changes nothing
                    if parsed_status is not None:
                        batch.statuses.append(parsed_status)
        return batch

    # -- API ---------------------------------------------------------------------------

    def check_window(self, last_inbound_at: datetime | None, now: datetime | None = None) -> None:
        """Raise UnreachableError(WINDOW_CLOSED) when a free-form message is not allowed."""
        if not window_open(last_inbound_at, now):
            raise UnreachableError(WINDOW_CLOSED)

    async def send(self, identity_external_id: str, message: OutboundMessage, *,
                   last_inbound_at: datetime | None = None, now: datetime | None = None,
                   template: WhatsAppTemplate | None = None) -> SendResult:
        """Text (or, with `template`, a template) to wa_id. last_inbound_at given → the 24 h
        window is checked first (see the module docstring)."""
        to = str(identity_external_id).lstrip("+")
        payload: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                                   "to": to}
        if template is not None:
            tpl: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
            if template.components:
                tpl["components"] = template.components
            payload.update(type="template", template=tpl)
        else:
            if last_inbound_at is not None:
                self.check_window(last_inbound_at, now)
            payload.update(type="text", text={"preview_url": False, "body": message.text})
        if message.idempotency_key:  # comes back in status webhooks; WhatsApp does not de-dupe
            payload["biz_opaque_callback_data"] = message.idempotency_key[:512]
        result = await self._call("messages", "POST", f"{self.phone_number_id}/messages", json=payload)
        sent = result.get("messages")
        if not isinstance(sent, list) or not sent or not isinstance(sent[0], dict) or not sent[0].get("id"):
            raise TransientError("whatsapp messages: malformed response")
        return SendResult(external_id=str(sent[0]["id"]), raw=result)

    async def profile(self, identity_external_id: str) -> Profile:
        # The Cloud API has no profile lookup: names come with each webhook, pictures never.
        return Profile()

    async def get_me(self) -> dict:
        """The phone number's verified name and display number (checks token and id)."""
        return await self._call("phone number", "GET", self.phone_number_id,
                                params={"fields": "verified_name,display_phone_number"})

    async def download(self, attachment: dict[str, Any]) -> tuple[bytes, str]:
        """Media id → its short-lived URL (GET /{media_id}) → the bytes (bearer token)."""
        media_id = attachment.get("media_id")
        if not media_id:
            raise PermanentError(f"whatsapp {attachment.get('kind') or 'attachment'}: no media id")
        info = await self._call("media", "GET", str(media_id))
        if not info.get("url"):
            raise TransientError("whatsapp media: malformed response")
        return await self._download_url(
            info["url"], headers={"Authorization": f"Bearer {self._token}"},
            fallback_type=info.get("mime_type") or attachment.get("mime_type"))

    # -- HTTP --------------------------------------------------------------------------

    async def _call(self, what: str, method: str, path: str, **kwargs: Any) -> dict:
        response = await self._request(what, method, f"{self._base}/{path}",
                                       headers={"Authorization": f"Bearer {self._token}"}, **kwargs)
        body = self._json(what, response)
        error = body.get("error") if body is not None else None
        if response.status_code < 400 and body is not None and not isinstance(error, dict):
            return body
        if not isinstance(error, dict):
            self._raise_http(what, response)
        code = error.get("code") if isinstance(error.get("code"), int) else 0
        details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else ""
        text = self._scrub(error.get("message") or error.get("title") or "error")
        if details:
            text = f"{text} ({self._scrub(details)})"
        msg = f"whatsapp {what}: [{code}] {text}"
        if code in _UNREACHABLE_CODES:
            raise UnreachableError(msg)
        if code in _TRANSIENT_CODES or response.status_code == 429 or response.status_code >= 500:
            raise TransientError(msg, retry_after=retry_after_of(response.headers.get("retry-after")))
        if code in _AUTH_CODES or response.status_code == 401:
            raise PermanentError(f"whatsapp {what}: invalid access token or permissions (error {code})")
        raise PermanentError(msg)


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
    text = ""
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
    elif mtype == "button":
        text = text_of(obj.get("text") or obj.get("payload"), "button text")
    elif mtype == "interactive":
        reply = as_dict(obj.get("button_reply") or obj.get("list_reply"))
        text = text_of(reply.get("title"), "reply title")
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
