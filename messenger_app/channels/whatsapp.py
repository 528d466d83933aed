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
inbound message; outside it only templates. `send(identity, message)` raises UnreachableError
before calling the API when `message.last_inbound_at` is more than 24 h old;
`send_template(identity, WhatsAppTemplate(...))` is allowed any time. With
last_inbound_at=None the adapter does not check and the API's answer decides (131047).

Outbound, one Graph message per item (the Cloud API carries one media per message):
    files   → each uploaded to POST /{phone_number_id}/media first (multipart: file, type,
              messaging_product) → a media id → an image / video / audio / document message
              {"id": media_id} (a JPEG/PNG over 5 MB, or a video/audio type WhatsApp does not
              play, goes as a document, with its filename);
    text    → the first file's caption when it fits (1024, image/video/document only), else a
              text message of its own before the files;
    choices → after the files: interactive reply buttons (≤ 3, title ≤ 20, id ≤ 256), else an
              interactive list (≤ 10 rows, title ≤ 24, id ≤ 200) carrying the text as its body;
              more, or labels too long, → numbered text (base.numbered_options).
A pressed button / list row comes back as an inbound message with choice_id = the id and
text = the title.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

import httpx

from messenger_app.lib.errors import DomainError
from messenger_app.channels.base import (
    Capabilities,
    ChannelKind,
    Choice,
    SettingField,
    InboundMessage,
    OutboundFile,
    OutboundMessage,
    PermanentError,
    Profile,
    SendResult,
    TransientError,
    UnreachableError,
    numbered_options,
)
from messenger_app.channels.http import (
    load_json_object,
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
UPLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
MAX_CAPTION = 1024  # characters of an image / video / document caption
_CAPTIONED = ("image", "video", "document")
# https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#supported-media-types
_IMAGE_TYPES, MAX_IMAGE = ("image/jpeg", "image/png"), 5 * 1024 * 1024
_VIDEO_TYPES, _AUDIO_TYPES = ("video/mp4", "video/3gpp"), (
    "audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg")
MAX_MEDIA = 16 * 1024 * 1024  # audio and video
MAX_DOCUMENT = 100 * 1024 * 1024
FILE_TYPES = (*_IMAGE_TYPES, *_VIDEO_TYPES, *_AUDIO_TYPES, "text/plain", "application/pdf",
              "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
              "application/vnd.openxmlformats-officedocument.")
MAX_BUTTONS, MAX_BUTTON_TITLE, MAX_BUTTON_ID, MAX_BUTTON_BODY = 3, 20, 256, 1024
MAX_ROWS, MAX_ROW_TITLE, MAX_ROW_ID, MAX_LIST_BODY = 10, 24, 200, 4096
LIST_BUTTON = "☰"  # the list's opening button (≤ 20 characters; no language of its own)
EMPTY_BODY = "👇"  # an interactive message needs a body; used when the text is empty


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

    def parse_request(self, headers: Mapping[str, str], query: Mapping[str, str],
                      body: bytes) -> WebhookBatch:
        """A POSTed webhook: the signature first, then the body."""
        if not self.verify_signature(body, headers.get("x-hub-signature-256", "")):
            raise PermissionError("bad signature")
        return self.parse_webhook(load_json_object(body, "whatsapp webhook"))

    def verify_request(self, query: Mapping[str, Any]) -> str | None:
        """GET: the subscription check; the challenge to echo, or None (403)."""
        return self.verify_challenge(query)

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

    async def send(self, identity_external_id: str, message: OutboundMessage) -> SendResult:
        """Text, files and buttons to wa_id (see the module docstring for the order and the
        24 h window). Every file is uploaded before the first message goes out, so a refused
        upload sends nothing. The external id is the first message's wamid."""
        if message.last_inbound_at is not None:
            self.check_window(message.last_inbound_at)
        to = str(identity_external_id).lstrip("+")
        for f in message.files:
            if not os.path.isfile(f.path):  # checked before anything is sent
                raise PermanentError(f"whatsapp: file {f.file_name!s} is missing")
        text = message.text or ""
        interactive = _interactive(text, message.choices) if message.choices else None
        if message.choices and interactive is None:
            text = numbered_options(text, message.choices)  # too many or too long for buttons
        media = [(f, _media_type(f), await self._upload(f)) for f in message.files]
        bodies: list[dict[str, Any]] = []
        caption = ""
        if text.strip() and interactive is None:
            first = media[0][1] if media else ""
            if first in _CAPTIONED and len(text) <= MAX_CAPTION:
                caption = text
            else:
                bodies.append({"type": "text", "text": {"preview_url": False, "body": text}})
        for f, mtype, media_id in media:
            obj: dict[str, Any] = {"id": media_id}
            if caption:
                obj["caption"], caption = caption, ""
            if mtype == "document":
                obj["filename"] = f.file_name[:240] or "file"
            bodies.append({"type": mtype, mtype: obj})
        if interactive is not None:
            bodies.append({"type": "interactive", "interactive": interactive})
        if not bodies:
            raise PermanentError("whatsapp messages: nothing to send")
        results = [await self._message(to, body, message.idempotency_key) for body in bodies]
        first = results[0]
        return SendResult(external_id=str(first["messages"][0]["id"]),
                          raw={**first, "sent": [r["messages"][0]["id"] for r in results],
                               "media": [m for _, _, m in media]})

    async def send_template(self, identity_external_id: str, template: WhatsAppTemplate,
                            idempotency_key: str = "") -> SendResult:
        """A pre-approved template: allowed any time, also outside the 24 h window."""
        tpl: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
        if template.components:
            tpl["components"] = template.components
        result = await self._message(str(identity_external_id).lstrip("+"),
                                     {"type": "template", "template": tpl}, idempotency_key)
        return SendResult(external_id=str(result["messages"][0]["id"]), raw=result)

    async def _message(self, to: str, body: dict[str, Any], idempotency_key: str) -> dict:
        payload: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                                   "to": to, **body}
        if idempotency_key:  # comes back in status webhooks; WhatsApp does not de-dupe
            payload["biz_opaque_callback_data"] = idempotency_key[:512]
        result = await self._call("messages", "POST", f"{self.phone_number_id}/messages", json=payload)
        sent = result.get("messages")
        if not isinstance(sent, list) or not sent or not isinstance(sent[0], dict) or not sent[0].get("id"):
            raise TransientError("whatsapp messages: malformed response")
        return result

    async def _upload(self, f: OutboundFile) -> str:
        """POST /{phone_number_id}/media (multipart) → the media id to send by."""
        mime = f.mime_type or "application/octet-stream"
        with open(f.path, "rb") as fh:
            result = await self._call(
                "media upload", "POST", f"{self.phone_number_id}/media", timeout=UPLOAD_TIMEOUT,
                data={"messaging_product": "whatsapp", "type": mime},
                files={"file": (f.file_name or "file", fh, mime)})
        if not result.get("id"):
            raise TransientError("whatsapp media upload: malformed response")
        return str(result["id"])

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


def _media_type(f: OutboundFile) -> str:
    """The Graph message type a file goes as: what WhatsApp plays inline, else a document."""
    mime = (f.mime_type or "").lower()
    if mime in _IMAGE_TYPES and f.size <= MAX_IMAGE:
        return "image"
    if mime in _VIDEO_TYPES and f.size <= MAX_MEDIA:
        return "video"
    if mime.split(";")[0] in _AUDIO_TYPES and f.size <= MAX_MEDIA:
        return "audio"
    return "document"


def _interactive(text: str, choices: list[Choice]) -> dict[str, Any] | None:
    """Reply buttons (≤ 3) or a list (≤ 10) for the choices; None when they do not fit."""
    body = text if text.strip() else EMPTY_BODY
    ids = [c.id for c in choices]
    if len(set(ids)) != len(ids) or any(not i for i in ids):
        return None
    if (len(choices) <= MAX_BUTTONS and len(body) <= MAX_BUTTON_BODY
            and all(len(c.label) <= MAX_BUTTON_TITLE and len(c.id) <= MAX_BUTTON_ID for c in choices)):
        return {"type": "button", "body": {"text": body}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": c.id, "title": c.label}} for c in choices]}}
    if (len(choices) <= MAX_ROWS and len(body) <= MAX_LIST_BODY
            and all(len(c.label) <= MAX_ROW_TITLE and len(c.id) <= MAX_ROW_ID for c in choices)):
        return {"type": "list", "body": {"text": body}, "action": {
            "button": LIST_BUTTON, "sections": [{"rows": [{"id": c.id, "title": c.label}
                                                          for c in choices]}]}}
    return None


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


def _build(channel) -> WhatsAppChannel:
    cfg = channel.config or {}
    base = (channel.base_url or "").rstrip("/")
    kw = {"base_url": base} if base else {}
    return WhatsAppChannel(channel.token, str(cfg.get("phone_number_id", "")),
                           app_secret=str(cfg.get("app_secret", "")),
                           verify_token=str(cfg.get("verify_token", "")), **kw)


def _route_check(identity) -> str:
    return "" if window_open(identity.last_inbound_at) else "wa_window"


def _validate(token: str, config: dict) -> dict:
    import secrets

    if not str(config.get("phone_number_id", "")).isdigit():
        raise DomainError("the WhatsApp phone number id must be a number", code="wa_phone_id")
    if not config.get("app_secret"):
        raise DomainError("the app secret is required to check webhook signatures", code="wa_secret")
    return {**config, "verify_token": config.get("verify_token") or secrets.token_urlsafe(12)}


# Cloud API: one media per message (sent one after another), 16 MB for audio/video, 100 MB
# documents, 5 MB images (a bigger picture goes as a document); the supported media types
# only; interactive reply buttons (3, title <= 20) or a list (10 rows, title <= 24): one
# label limit for both, 20; free-form messages only within 24 h of the client's last
# message; 80 messages/s per number, about one message per 6 s to one user (bursts allowed).
KIND = ChannelKind(
    "whatsapp", "WhatsApp", _build, webhook=True, token_label="Access token", validate=_validate,
    identity_address="phone",
    custom_base_url=True,
    fields=(SettingField("phone_number_id", "Phone number id", required=True, kind="number"),
            SettingField("app_secret", "App secret", secret=True, required=True),
            SettingField("verify_token", "Webhook verify token")),
    capabilities=Capabilities(max_files=10, max_file_size=MAX_DOCUMENT, file_types=FILE_TYPES,
                              max_text=4096,
                              native_choices=10, max_choices=10, max_choice_label=20,
                              reply_window_hours=24, rate_per_second=80,
                              rate_per_chat_per_second=1),
    route_check=_route_check,
)
