"""The one channel Protocol every adapter implements, and the plain data it speaks.

Adapters parse and send; they never touch the database. `services/inbox.receive()`
stores what `poll()` / `parse_webhook()` return, `services/outbox` calls `send()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol, runtime_checkable


@dataclass
class InboundMessage:
    """One message from a client, as a channel reports it."""

    external_id: str  # unique per channel instance (Telegram: "<chat_id>:<message_id>")
    identity_external_id: str  # the client's id in that channel (Telegram user id)
    text: str = ""
    sent_at: datetime | None = None  # UTC (naive values are taken as UTC)
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    username: str = ""
    phone: str = ""  # as the channel gave it (shared contact, WhatsApp number)
    avatar_url: str = ""  # a URL the app can fetch, or a local /files/ path
    attachments: list[dict[str, Any]] = field(default_factory=list)
    choice_id: str = ""  # a pressed button (Choice.id); typed labels/numbers are matched later
    subject: str = ""  # e-mail: the mail's subject (stored in Message.subject)
    raw: dict[str, Any] = field(default_factory=dict)
    # Set by a parser that saw a message it cannot read (wrong types inside one item of a
    # batch): the service records it on the channel's health instead of storing it.
    problem: str = ""


@dataclass(frozen=True)
class OutboundFile:
    """A stored file to send. The outbox resolves it before calling the adapter, so an
    adapter reads `path` (or `read()`) and never reaches into services."""

    path: str  # a local, readable file
    file_name: str  # the name the client sees
    mime_type: str  # decided from the bytes when it was stored
    size: int  # bytes
    kind: str = "document"  # photo | video | audio | voice | document
    url: str = ""  # a signed, expiring public URL (channels that fetch by URL: Viber); "" if none

    def read(self) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read()


@dataclass(frozen=True)
class Choice:
    """A button. `id` comes back in InboundMessage.choice_id when the client presses it (or
    types its label or its number)."""

    id: str
    label: str


@dataclass
class OutboundMessage:
    """What the outbox hands to `adapter.send(identity_external_id, message)`. Every kind gets
    the same shape; a kind that cannot show buttons natively renders `choices` as numbered
    options (`numbered_options()`)."""

    text: str = ""
    files: list[OutboundFile] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    idempotency_key: str = ""  # our message id, for channels that de-duplicate sends
    reply_to: str = ""  # the client's last inbound external id in this channel (e-mail threads)
    subject: str = ""  # e-mail subject ("" = the channel's default / "Re: " of the thread)
    # earlier external ids of this conversation's thread with the identity, oldest first (the
    # outbox reads them from the stored messages, so e-mail References survive a restart)
    thread: list[str] = field(default_factory=list)
    last_inbound_at: datetime | None = None  # naive UTC; reply windows (WhatsApp 24 h)


def numbered_options(text: str, choices: list[Choice]) -> str:
    """The text with the choices appended as "1. label" lines (channels without buttons)."""
    if not choices:
        return text
    lines = [f"{i}. {c.label}" for i, c in enumerate(choices, 1)]
    return "\n".join([*(l for l in [(text or "").rstrip()] if l), "", *lines]).strip()


@dataclass(frozen=True)
class Capabilities:
    """What a kind can carry, from the provider's documented limits. The composer offers only
    this and the outbox refuses the rest at queue time (never a silent drop)."""

    max_files: int = 0  # files per message; 0 = text only
    max_file_size: int = 0  # bytes per file
    file_types: tuple[str, ...] = ()  # allowed MIME prefixes ("image/", "application/pdf"); () = any
    max_text: int = 4096  # characters of text in one message
    native_choices: int = 0  # buttons shown natively; more (up to max_choices) become numbered text
    max_choices: int = 10
    max_choice_label: int = 40  # characters; a longer label is refused at queue time
    reply_window_hours: int = 0  # 0 = no window (WhatsApp: 24)
    rate_per_second: float = 10.0  # sends per second per channel instance
    rate_per_chat_per_second: float = 1.0  # sends per second to one client
    dedup_sends: bool = False  # the provider drops a resend with the same idempotency key

    def refuse_reason(self, files: list[dict] | list[OutboundFile], choices: list[Choice],
                      text: str = "") -> str:
        """Why a message cannot go through this kind ("" = it can)."""
        if files and not self.max_files:
            return "files_not_supported"
        if len(files) > self.max_files:
            return "too_many_files"
        for f in files:
            size = f.size if isinstance(f, OutboundFile) else int(f.get("file_size") or 0)
            mime = f.mime_type if isinstance(f, OutboundFile) else str(f.get("mime_type") or "")
            if self.max_file_size and size > self.max_file_size:
                return "file_too_large"
            if self.file_types and not mime.startswith(self.file_types):
                return "file_type_not_supported"
        if len(choices) > self.max_choices:
            return "too_many_choices"
        if any(len(c.label) > self.max_choice_label or not c.label.strip() for c in choices):
            return "choice_label_too_long"
        if len(text or "") > self.max_text:
            return "text_too_long"
        return ""


@dataclass
class SendResult:
    external_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Profile:
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    username: str = ""
    avatar_bytes: bytes | None = None  # the picture itself; the service stores it
    avatar_content_type: str = ""  # image/jpeg, image/png


class ChannelError(Exception):
    """Base for adapter errors."""


class TransientError(ChannelError):
    """Worth retrying later (429, 5xx, timeouts). retry_after in seconds when known."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ChannelError):
    """Retrying will not help (bad request, bad token)."""


class UnreachableError(PermanentError):
    """The client cannot be reached in this channel (blocked the bot, never wrote)."""


@runtime_checkable
class PollingChannel(Protocol):
    kind: str

    async def poll(self, cursor: str) -> tuple[list[InboundMessage], str]:
        """Return new messages after `cursor` and the cursor to save once they are stored."""
        ...

    async def send(self, identity_external_id: str, message: OutboundMessage) -> SendResult:
        ...

    async def profile(self, identity_external_id: str) -> Profile:
        ...

    async def close(self) -> None:
        ...


@dataclass(frozen=True)
class SettingField:
    key: str  # Channel.config key ("token" and "base_url" are the row's own columns)
    label: str
    secret: bool = False  # never sent back to the browser
    required: bool = False
    kind: str = "text"  # text | number | password | select | bool
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelKind:
    """Everything the app knows about one kind, declared in that kind's module (`KIND = ...`)
    and listed once in registry.py. No other module branches on the kind's name.

    build(channel) -> adapter: `channel` is any object with kind, name, token, base_url, config.
    Adapters of webhook kinds implement `parse_request(headers, query, body) -> WebhookBatch`
    (raising PermissionError for a bad signature, MalformedWebhook for a bad body) and may
    implement `verify_request(query) -> str | None` (a GET subscription check).
    route_check(identity) -> "" or a reason code why this client cannot be answered now.
    validate(token, config) -> the config to store, or ValueError with the reason (settings)."""

    kind: str
    label: str
    build: Callable[[Any], Any]
    capabilities: Capabilities = Capabilities()
    polling: bool = False
    webhook: bool = False
    token_label: str = ""  # "" = no token field
    fields: tuple[SettingField, ...] = ()
    route_check: Callable[[Any], str] | None = None
    validate: Callable[[str, dict], dict] | None = None  # (token, config) -> clean config; ValueError
    connectable: bool = True  # offered on /settings ("widget" is always there)
    token_secret: bool = True  # the token field is masked on /settings
    custom_base_url: bool = False  # /settings offers "API base URL" (a local server or emulator)
    probe_on_save: bool = False  # adapter.get_me() must work before the channel is saved
    identity_address: str = ""  # what an identity's external_id is: "email" | "phone" | "" (an id)
    profiles: bool = True  # adapter.profile() can name a client: a new client gets a profile job
    # After saving, adapters with `on_connect(webhook_url)` are called (Viber: set_webhook).

    @property
    def config_fields(self) -> tuple[tuple[str, str], ...]:
        return tuple((f.key, f.label) for f in self.fields)

    @property
    def secret_fields(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.secret)
