"""What the HTTP channel adapters (VK, Viber, WhatsApp) share: one httpx client per adapter,
transport-error mapping, secret scrubbing, JSON decoding, retry-after parsing, media
download, HMAC checks, and the webhook event shapes. No database, no retries.

Error contract (same as telegram/adapter.py): 429 / 5xx / timeouts / network / malformed JSON →
TransientError(retry_after when known); auth failures → PermanentError without the secret;
the client cannot be reached → UnreachableError; anything else the API refuses →
PermanentError.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import mimetypes
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple

import httpx

from messenger_app.lib import safe_json
from messenger_app.lib.filetypes import sniff as sniff_content_type
from messenger_app.lib.retry import retry_after_of
from messenger_app.lib.scrub import scrub

from messenger_app.channels.base import (
    ChannelError,
    InboundMessage,
    PermanentError,
    TransientError,
)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
UPLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)  # a file upload to a provider
MAX_DOWNLOAD = 50 * 1024 * 1024  # bytes; a bigger attachment is refused, not truncated
ATTACHMENT_KINDS = ("photo", "document", "voice", "audio", "video", "sticker")


# -- webhook results ----------------------------------------------------------------------


class MalformedWebhook(ChannelError, ValueError):
    """The webhook body is not what the channel sends: answer 400, store nothing."""


@dataclass
class StatusEvent:
    """A delivery report for one of OUR outbound messages (SendResult.external_id)."""

    external_id: str
    status: str  # "sent" | "delivered" | "read" | "failed" (SMS gateways: also queued/unknown)
    error: str = ""  # human-readable reason when failed
    raw_status: str = ""  # the channel's own word for it, as sent
    error_code: int | None = None
    unreachable: bool = False  # failed because the client cannot be reached (mark identity)
    identity_external_id: str = ""
    at: datetime | None = None  # naive UTC
    raw: dict[str, Any] = field(default_factory=dict)
    # Set by a parser for one record of a batch it cannot read: recorded on the channel's
    # health instead of applied, and the other records of the batch still are.
    problem: str = ""


@dataclass
class IdentityEvent:
    """The client's reachability in this channel changed (subscribed, unsubscribed...)."""

    identity_external_id: str
    reachable: bool
    reason: str = ""  # why not reachable; "" when reachable
    event: str = ""  # the channel's event name: subscribed | unsubscribed | conversation_started
    display_name: str = ""
    avatar_url: str = ""
    at: datetime | None = None  # naive UTC
    raw: dict[str, Any] = field(default_factory=dict)


class WebhookBatch(NamedTuple):
    """What one webhook call carried. Unpack it: `messages, statuses, identities = batch`."""

    messages: list[InboundMessage]
    statuses: list[StatusEvent]
    identities: list[IdentityEvent]


# -- small helpers --------------------------------------------------------------------------


def load_json_object(body: bytes, what: str = "webhook") -> dict:
    """A webhook body as a JSON object (depth- and size-limited: lib/safe_json), or
    MalformedWebhook (never another exception)."""
    try:
        return safe_json.loads_object(body)
    except (safe_json.BadJson, UnicodeDecodeError, ValueError, RecursionError) as e:
        raise MalformedWebhook(f"{what}: {e}") from None


def signed_json_object(signed: bool, body: bytes, what: str) -> dict:
    """A POSTed webhook's body once its signature check passed (`signed`): PermissionError
    when it did not (answer 401/403), else load_json_object."""
    if not signed:
        raise PermissionError("bad signature")
    return load_json_object(body, what)


def text_of(value: Any, what: str) -> str:
    """A JSON scalar as text ("" for null). A list or an object where the channel sends a
    string or a number raises MalformedWebhook (naming `what`)."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise MalformedWebhook(f"{what} is not a string")
    return str(value)


def as_dict(value: Any) -> dict:
    """`value` when it is an object, else {} (optional parts of a webhook)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    """`value` when it is a list, else [] (optional parts of a webhook)."""
    return value if isinstance(value, list) else []


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, given_hex: str) -> bool:
    """Constant-time check of a hex HMAC-SHA256. Empty secret or signature: False."""
    if not secret or not given_hex or not isinstance(body, (bytes, bytearray)):
        return False
    expected = hmac_sha256_hex(secret, bytes(body))
    return hmac.compare_digest(expected.encode(), given_hex.strip().lower().encode())


def utc_from_timestamp(value: Any, millis: bool = False) -> datetime | None:
    """Unix seconds (or milliseconds), int or numeric string → naive UTC datetime."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if millis:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


def as_utc(value: datetime) -> datetime:
    """Aware UTC datetime; naive values are taken as UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def guess_mime(file_name: str | None, default: str | None = None) -> str | None:
    if file_name:
        guessed = mimetypes.guess_type(file_name)[0]
        if guessed:
            return guessed
    return default


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# -- the HTTP part -------------------------------------------------------------------------


class HttpAdapter:
    """Base of the HTTP adapters: owns (or borrows) an httpx.AsyncClient, scrubs secrets."""

    kind = ""
    label = ""  # prefix of error messages: "vk", "viber", "whatsapp"

    def __init__(self, client: httpx.AsyncClient | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT):
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._secrets: list[str] = []

    def _add_secret(self, *secrets: str) -> None:
        for secret in secrets:
            if secret and secret not in self._secrets:
                self._secrets.append(secret)
        self._secrets.sort(key=len, reverse=True)  # longest first: no partial leftovers

    def _scrub(self, text: Any) -> str:
        return scrub(text, *self._secrets)

    async def close(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def _request(self, what: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP request; transport trouble becomes TransientError (no secret inside)."""
        try:
            return await self._client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise TransientError(f"{self.label} {what}: timed out") from None
        except httpx.HTTPError as exc:
            raise TransientError(f"{self.label} {what}: {self._scrub(exc)}") from None

    def _json(self, what: str, response: httpx.Response) -> dict | None:
        """The body as a dict; None when it is not one (the caller decides what that means).
        A 2xx/3xx that is not a JSON object is a TransientError (proxy page, truncation)."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
        if response.status_code < 400:
            raise TransientError(f"{self.label} {what}: malformed response")
        return None

    def _raise_http(self, what: str, response: httpx.Response, detail: str = "") -> None:
        """Generic mapping of an HTTP error status (used when the body says nothing better)."""
        status = response.status_code
        msg = f"{self.label} {what}: {self._scrub(detail or f'HTTP {status} {response.reason_phrase}'.strip())}"
        if status == 429:
            raise TransientError(msg, retry_after=retry_after_of(response.headers.get("retry-after")))
        if status >= 500 or status in (408, 425):
            raise TransientError(msg, retry_after=retry_after_of(response.headers.get("retry-after")))
        if status in (401, 403):
            raise PermanentError(f"{self.label} {what}: authorization failed (HTTP {status})")
        raise PermanentError(msg)

    async def _download_url(self, url: str, headers: dict[str, str] | None = None,
                            fallback_type: str | None = None,
                            max_bytes: int = MAX_DOWNLOAD) -> tuple[bytes, str]:
        """GET a media URL → (bytes, content_type). Sniffed type beats the header for images."""
        if not url or not str(url).startswith(("http://", "https://")):
            raise PermanentError(f"{self.label} download: no downloadable URL")
        try:
            async with self._client.stream("GET", url, headers=headers or {}) as response:
                if response.status_code == 429 or response.status_code >= 500:
                    raise TransientError(f"{self.label} download: HTTP {response.status_code}",
                                         retry_after=retry_after_of(response.headers.get("retry-after")))
                if response.status_code != 200:
                    raise PermanentError(f"{self.label} download: HTTP {response.status_code}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise PermanentError(f"{self.label} download: file larger than {max_bytes} bytes")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise PermanentError(f"{self.label} download: file larger than {max_bytes} bytes")
                    chunks.append(chunk)
                header = response.headers.get("content-type", "").split(";")[0].strip().lower()
        except httpx.TimeoutException:
            raise TransientError(f"{self.label} download: timed out") from None
        except httpx.HTTPError as exc:
            raise TransientError(f"{self.label} download: {self._scrub(exc)}") from None
        data = b"".join(chunks)
        generic = ("", "application/octet-stream", "binary/octet-stream")
        content_type = sniff_content_type(data) or (header if header not in generic else "") \
            or fallback_type or "application/octet-stream"
        return data, content_type

    async def download(self, attachment: dict[str, Any]) -> tuple[bytes, str]:
        """Fetch an attachment whose parse gave a direct URL (VK, Viber)."""
        url = attachment.get("url")
        if not url:
            raise PermanentError(f"{self.label} {attachment.get('kind') or 'attachment'}: "
                                 "no file to download")
        return await self._download_url(url, fallback_type=attachment.get("mime_type"))

    async def _fill_avatar(self, profile, url: str) -> None:
        """Put the picture at `url` into `profile`; no usable picture leaves it without."""
        try:
            data, ctype = await self._download_url(url, fallback_type="image/jpeg")
        except PermanentError:
            return
        if ctype.startswith("image/"):
            profile.avatar_bytes, profile.avatar_content_type = data, ctype
