"""Viber REST bot API adapter (webhooks in, send_message out). Never touches the database.

Webhook route, in this order:
    1. `verify_signature(raw_body, request.headers["X-Viber-Content-Signature"], token)`
       (or `channel.verify_signature(raw_body, header)`) — False → answer 401/403, stop.
    2. `batch = channel.parse_webhook(json.loads(raw_body))` — MalformedWebhook → 400.
    3. store `batch.messages` (inbox.receive), apply `batch.statuses` (delivered/read/failed
       of our messages, by SendResult.external_id) and `batch.identities` (reachable or not),
       then answer 200 quickly (Viber retries failed callbacks).
`set_webhook(url)` makes Viber call that URL with a `webhook` event before it answers, so
the route must already be served (and not blocked by the request that sets it).

Viber does not de-duplicate sends; the idempotency key travels as tracking_data only.
Media URLs in messages expire: call `download()` soon after receiving.

Outbound, one send_message per item, the keyboard on the last one:
    text    → a text message (7000), or the caption of a first picture when it fits (768);
    files   → Viber fetches them by URL: OutboundFile.url must be set (a signed, expiring
              public URL under PUBLIC_URL; none → PermanentError before anything is sent).
              JPEG/PNG/GIF ≤ 1 MB whose URL path ends with .jpg/.jpeg/.png/.gif → a picture
              message; anything else a file message (media, size, file_name);
    choices → a keyboard of reply buttons (ActionBody = choice id, Text = label, ≤ 24). The
              offered choices also ride in tracking_data, which Viber returns with the
              client's next message: a text equal to an offered ActionBody becomes
              choice_id (and its label the text); any other text is just text.
"""

from __future__ import annotations

import json
from typing import Any, Mapping
from urllib.parse import urlsplit

import httpx

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
    signed_json_object,
    HttpAdapter,
    IdentityEvent,
    MalformedWebhook,
    StatusEvent,
    WebhookBatch,
    guess_mime,
    signature_matches,
    text_of,
    utc_from_timestamp,
)

__all__ = ["ViberChannel", "IdentityEvent", "StatusEvent", "WebhookBatch", "MalformedWebhook",
           "verify_signature", "SIGNATURE_HEADER", "DEFAULT_EVENT_TYPES"]

SIGNATURE_HEADER = "X-Viber-Content-Signature"
DEFAULT_EVENT_TYPES = ["delivered", "seen", "failed", "subscribed", "unsubscribed",
                       "conversation_started"]
# status codes in the JSON body (https://developers.viber.com/docs/api/rest-bot-api/#error-codes)
_AUTH_STATUSES = {2, 7, 8, 9, 15}  # invalid token, account blocked / not found / suspended / not authorised
_UNREACHABLE_STATUSES = {5, 6, 11}  # receiver not registered / not subscribed / no suitable device
_TRANSIENT_STATUSES = {12}  # too many requests
_STATUS_NAMES = {1: "invalidUrl", 2: "invalidAuthToken", 3: "badData", 4: "missingData",
                 5: "receiverNotRegistered", 6: "receiverNotSubscribed", 7: "publicAccountBlocked",
                 8: "publicAccountNotFound", 9: "publicAccountSuspended", 10: "webhookNotSet",
                 11: "receiverNoSuitableDevice", 12: "tooManyRequests"}
_MEDIA_TYPES = {"picture": "photo", "video": "video", "file": "document", "sticker": "sticker"}
# https://developers.viber.com/docs/api/rest-bot-api/#send-message
MAX_TEXT, MAX_CAPTION, MAX_FILE_NAME = 7000, 768, 256
PICTURE_TYPES, MAX_PICTURE = ("image/jpeg", "image/png", "image/gif"), 1024 * 1024
_PICTURE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif")  # Viber wants one ending the URL path
MAX_FILE = 50 * 1024 * 1024
MAX_BUTTONS, MAX_TRACKING = 24, 4096
MAX_LABEL = 40  # Viber allows 250; 40 keeps a label on its one-row button
EMPTY_TEXT = "👇"  # a keyboard needs a message; used when there is no text and no file


def verify_signature(body: bytes, signature_header: str, token: str) -> bool:
    """X-Viber-Content-Signature is the hex HMAC-SHA256 of the raw body keyed by the token."""
    return signature_matches(token, body, signature_header or "")


class ViberChannel(HttpAdapter):
    kind = "viber"
    label = "viber"

    def __init__(
        self,
        token: str,
        base_url: str = "https://chatapi.viber.com/pa",
        sender_name: str = "Bot",
        sender_avatar: str = "",
        client: httpx.AsyncClient | None = None,
    ):
        super().__init__(client)
        self._token = token
        self._add_secret(token)
        self._base = base_url.rstrip("/")
        self.sender_name = (sender_name or "Bot")[:28]  # Viber's limit
        self.sender_avatar = sender_avatar

    # -- webhooks ---------------------------------------------------------------

    def verify_signature(self, body: bytes, signature_header: str) -> bool:
        return verify_signature(body, signature_header, self._token)

    def parse_request(self, headers: Mapping[str, str], query: Mapping[str, str],
                      body: bytes) -> WebhookBatch:
        signed = self.verify_signature(body, headers.get("x-viber-content-signature", ""))
        return self.parse_webhook(signed_json_object(signed, body, "viber webhook"))

    def parse_webhook(self, body: Any) -> WebhookBatch:
        """One Viber callback → WebhookBatch(messages, statuses, identities).
        Raises MalformedWebhook when the body is not a Viber event; unknown events → empty."""
        if not isinstance(body, dict) or not isinstance(body.get("event"), str):
            raise MalformedWebhook("viber webhook: not a Viber event")
        batch = WebhookBatch([], [], [])
        event = body["event"]
        at = utc_from_timestamp(body.get("timestamp"), millis=True)
        if event == "message":
            batch.messages.append(_parse_message(body, at))
        elif event in ("delivered", "seen", "failed"):
            token = text_of(body.get("message_token"), "message_token")
            user_id = text_of(body.get("user_id"), "user_id")
            if not token:
                raise MalformedWebhook(f"viber {event} webhook: no message_token")
            status = {"delivered": "delivered", "seen": "read", "failed": "failed"}[event]
            batch.statuses.append(StatusEvent(
                external_id=token, status=status, error=text_of(body.get("desc"), "desc")
                if event == "failed" else "", identity_external_id=user_id, at=at,
                raw=body))
        elif event in ("subscribed", "conversation_started"):
            user = body.get("user")
            if not isinstance(user, dict) or not text_of(user.get("id"), "user id"):
                raise MalformedWebhook(f"viber {event} webhook: no user")
            # conversation_started with subscribed=false: the user only opened the chat.
            reachable = event == "subscribed" or bool(body.get("subscribed"))
            batch.identities.append(IdentityEvent(
                identity_external_id=str(user["id"]), reachable=reachable,
                reason="" if reachable else "not subscribed to the Viber bot", event=event,
                display_name=text_of(user.get("name"), "user name"),
                avatar_url=text_of(user.get("avatar"), "user avatar"),
                at=at, raw=body))
        elif event == "unsubscribed":
            user_id = text_of(body.get("user_id"), "user_id")
            if not user_id:
                raise MalformedWebhook("viber unsubscribed webhook: no user_id")
            batch.identities.append(IdentityEvent(
                identity_external_id=user_id, reachable=False,
                reason="unsubscribed from the Viber bot", event=event, at=at, raw=body))
        # "webhook" (set_webhook's check), "client_status", "action" …: nothing to store
        return batch

    # -- API --------------------------------------------------------------------------

    async def set_webhook(self, url: str, event_types: list[str] | None = None,
                          send_name: bool = True, send_photo: bool = True) -> dict:
        payload: dict[str, Any] = {"url": url, "send_name": send_name, "send_photo": send_photo}
        payload["event_types"] = list(DEFAULT_EVENT_TYPES if event_types is None else event_types)
        return await self._call("set_webhook", payload)

    async def on_connect(self, webhook_url: str) -> None:
        """Viber calls the URL back before it answers, so this runs once the channel is saved."""
        await self.set_webhook(webhook_url)

    async def remove_webhook(self) -> dict:
        return await self._call("set_webhook", {"url": ""})

    async def get_me(self) -> dict:
        """get_account_info: the bot's name, uri, webhook … (checks the token)."""
        return await self._call("get_account_info", {})

    async def send(self, identity_external_id: str, message: OutboundMessage) -> SendResult:
        """Text, files (by their public URL) and a keyboard; one send_message per item (see
        the module docstring). The external id is the first message's token."""
        if any(not f.url for f in message.files):  # checked before anything is sent
            raise PermanentError("viber needs PUBLIC_URL to send files")
        sender: dict[str, str] = {"name": self.sender_name}
        if self.sender_avatar:
            sender["avatar"] = self.sender_avatar
        text = message.text or ""
        keyboard = _keyboard(message.choices) if message.choices else None
        if message.choices and keyboard is None:
            text = numbered_options(text, message.choices)
        items: list[dict[str, Any]] = []
        caption = ""
        if text.strip():
            if message.files and _is_picture(message.files[0]) and len(text) <= MAX_CAPTION:
                caption = text
            else:
                items.append({"type": "text", "text": text})
        for f in message.files:
            if _is_picture(f):
                items.append({"type": "picture", "text": caption, "media": f.url})
                caption = ""
            else:
                items.append({"type": "file", "media": f.url, "size": int(f.size),
                              "file_name": (f.file_name or "file")[:MAX_FILE_NAME]})
        if not items:
            if keyboard is None:
                raise PermanentError("viber send_message: nothing to send")
            items.append({"type": "text", "text": EMPTY_TEXT})  # a keyboard needs a message
        tracking = _tracking_data(message.idempotency_key, message.choices if keyboard else [])
        results = []
        for i, item in enumerate(items):
            payload = {"receiver": identity_external_id, "min_api_version": 1, "sender": sender,
                       **item}
            if keyboard is not None and i == len(items) - 1:
                payload["keyboard"] = keyboard  # on the last message: it stays until the next one
            if tracking:
                payload["tracking_data"] = tracking
            result = await self._call("send_message", payload)
            if result.get("message_token") is None:
                raise TransientError("viber send_message: malformed response")
            results.append(result)
        first = results[0]
        return SendResult(external_id=str(first["message_token"]),
                          raw={**first, "sent": [str(r["message_token"]) for r in results]})

    async def profile(self, identity_external_id: str) -> Profile:
        # Viber allows this call once per user per 12 hours: call it for new identities only.
        result = await self._call("get_user_details", {"id": identity_external_id})
        user = result.get("user")
        if not isinstance(user, dict):
            raise TransientError("viber get_user_details: malformed response")
        name = str(user.get("name") or "")
        profile = Profile(display_name=name)
        if user.get("avatar"):
            await self._fill_avatar(profile, user["avatar"])
        return profile

    # -- HTTP ------------------------------------------------------------------------

    async def _call(self, method: str, payload: dict[str, Any]) -> dict:
        response = await self._request(method, "POST", f"{self._base}/{method}", json=payload,
                                       headers={"X-Viber-Auth-Token": self._token})
        body = self._json(method, response)
        if body is None or (response.status_code >= 400 and "status" not in body):
            self._raise_http(method, response)
        status = body.get("status")
        if status == 0 and response.status_code < 400:
            return body
        if not isinstance(status, int):
            raise TransientError(f"viber {method}: malformed response")
        text = self._scrub(body.get("status_message") or _STATUS_NAMES.get(status) or "error")
        msg = f"viber {method}: [{status}] {text}"
        if status in _TRANSIENT_STATUSES:
            raise TransientError(msg, retry_after=1.0)
        if status in _AUTH_STATUSES:
            raise PermanentError(f"viber {method}: invalid auth token or bot account (status {status})")
        if status in _UNREACHABLE_STATUSES:
            raise UnreachableError(msg)
        raise PermanentError(msg)


def _is_picture(f: OutboundFile) -> bool:
    """A picture message: JPEG/PNG/GIF up to 1 MB whose URL path ends with its extension
    (Viber's rule); anything else goes as a file message."""
    return (f.mime_type in PICTURE_TYPES and 0 < f.size <= MAX_PICTURE
            and urlsplit(f.url).path.lower().endswith(_PICTURE_EXTENSIONS))


def _keyboard(choices: list[Choice]) -> dict[str, Any] | None:
    """A reply keyboard: one full-width button per choice, ActionBody = the choice id (Viber
    sends it back as the text of the client's message). None when it does not fit."""
    if len(choices) > MAX_BUTTONS or any(not c.id or not c.label.strip() or len(c.label) > MAX_LABEL
                                         for c in choices):
        return None
    return {"Type": "keyboard", "DefaultHeight": False, "Buttons": [
        {"Columns": 6, "Rows": 1, "ActionType": "reply", "ActionBody": c.id, "Text": c.label,
         "TextSize": "regular"} for c in choices]}


def _tracking_data(key: str, choices: list[Choice]) -> str:
    """tracking_data comes back with the client's next message: with choices it carries
    them ({"m": key, "c": {id: label}}), so a press can be told from a typed text."""
    if not choices:
        return key
    for offered in ({c.id: c.label for c in choices}, {c.id: "" for c in choices}):
        data = json.dumps({"m": key, "c": offered}, ensure_ascii=False, separators=(",", ":"))
        if len(data) <= MAX_TRACKING:
            return data
    return key[:MAX_TRACKING]


def _choice_of(text: str, tracking: Any) -> tuple[str, str]:
    """(choice_id, label) when `text` is the ActionBody of a button we offered, else ("", "")."""
    if not isinstance(tracking, str) or not tracking.startswith("{"):
        return "", ""
    try:
        offered = json.loads(tracking).get("c")
    except (ValueError, AttributeError):
        return "", ""
    if not isinstance(offered, dict) or text not in offered:
        return "", ""
    return text, str(offered[text] or "")


def _parse_message(body: dict, at: Any) -> InboundMessage:
    sender, msg = body.get("sender"), body.get("message")
    token = text_of(body.get("message_token"), "message_token")
    if not isinstance(sender, dict) or not text_of(sender.get("id"), "sender id") \
            or not isinstance(msg, dict) or not token:
        raise MalformedWebhook("viber message webhook: no sender, message or message_token")
    mtype = msg.get("type")
    if mtype is not None and not isinstance(mtype, str):
        raise MalformedWebhook("viber message webhook: type is not a string")
    text = text_of(msg.get("text"), "viber message text")
    attachments: list[dict[str, Any]] = []
    if mtype in _MEDIA_TYPES and msg.get("media"):
        kind = _MEDIA_TYPES[mtype]
        name = text_of(msg.get("file_name"), "file_name") or None
        default = {"photo": "image/jpeg", "video": "video/mp4", "sticker": "image/png"}.get(kind)
        size = msg.get("size")
        sticker = text_of(msg.get("sticker_id"), "sticker_id")
        attachments.append({"kind": kind, "url": text_of(msg["media"], "media"), "file_name": name,
                            "mime_type": guess_mime(name, default),
                            "file_size": size if isinstance(size, int) and not isinstance(size, bool) else None,
                            **({"media_id": sticker} if sticker else {})})
    elif mtype == "contact" and isinstance(msg.get("contact"), dict):
        contact = msg["contact"]
        text = text or " ".join(text_of(contact.get(k), k) for k in ("name", "phone_number")).strip()
    elif mtype == "location" and isinstance(msg.get("location"), dict):
        loc = msg["location"]
        text = text or f"📍 {text_of(loc.get('lat'), 'lat')}, {text_of(loc.get('lon'), 'lon')}"
    elif mtype == "url":
        text = text or text_of(msg.get("media"), "media")
    choice_id = ""
    if mtype == "text":
        choice_id, label = _choice_of(text, msg.get("tracking_data"))
        text = label or text
    name = text_of(sender.get("name"), "sender name")
    return InboundMessage(
        external_id=token,
        identity_external_id=text_of(sender["id"], "sender id"),
        text=text,
        sent_at=at,
        display_name=name,
        avatar_url=text_of(sender.get("avatar"), "sender avatar"),
        attachments=attachments,
        choice_id=choice_id,
        raw=body,
    )


def _build(channel) -> ViberChannel:
    base = (channel.base_url or "").rstrip("/")
    kw = {"base_url": base} if base else {}
    return ViberChannel(channel.token, sender_name=str((channel.config or {}).get("sender_name")
                                                       or channel.name or "Support"), **kw)


# Viber REST API: picture (JPEG/PNG/GIF, 1 MB; bigger ones go as files) and file (50 MB)
# messages by URL, one per message; a keyboard of up to 24 buttons; text 7000 characters;
# ~500 requests per 10 s.
KIND = ChannelKind(
    "viber", "Viber", _build, webhook=True, token_label="Auth token", custom_base_url=True,
    fields=(SettingField("sender_name", "Sender name"),),
    capabilities=Capabilities(max_files=10, max_file_size=MAX_FILE, max_text=MAX_TEXT,
                              native_choices=MAX_BUTTONS, max_choices=MAX_BUTTONS,
                              max_choice_label=MAX_LABEL,
                              rate_per_second=50, rate_per_chat_per_second=1),
)
