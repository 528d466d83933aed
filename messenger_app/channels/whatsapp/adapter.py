"""WhatsAppChannel: the adapter the workers, the outbox and the webhook route use (see the
package docstring for the webhook, the window and the order of outbound messages)."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Mapping

import httpx

from messenger_app.channels.base import (
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
    UPLOAD_TIMEOUT,
    HttpAdapter,
    WebhookBatch,
    as_dict,
    as_list,
    signed_json_object,
    retry_after_of,
)
from messenger_app.channels.whatsapp.outbound import (
    _CAPTIONED,
    MAX_CAPTION,
    WhatsAppTemplate,
    _interactive,
    _media_type,
)
from messenger_app.channels.whatsapp.webhook import (
    _UNREACHABLE_CODES,
    MalformedWebhook,
    _name,
    _parse_message,
    _parse_status,
    _unreadable,
    verify_challenge,
    verify_signature,
)
from messenger_app.channels.whatsapp.window import WINDOW_CLOSED, window_open

_TRANSIENT_CODES = {1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131056, 133004}
_AUTH_CODES = {10, 102, 190, 200}  # permission / session / access token


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
        signed = self.verify_signature(body, headers.get("x-hub-signature-256", ""))
        return self.parse_webhook(signed_json_object(signed, body, "whatsapp webhook"))

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
