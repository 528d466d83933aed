"""The one channel Protocol every adapter implements, and the plain data it speaks.

Adapters parse and send; they never touch the database. `services/inbox.receive()`
stores what `poll()` / `parse_webhook()` return, `services/outbox` calls `send()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


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
    raw: dict[str, Any] = field(default_factory=dict)
    # Set by a parser that saw a message it cannot read (wrong types inside one item of a
    # batch): the service records it on the channel's health instead of storing it.
    problem: str = ""


@dataclass
class OutboundMessage:
    text: str
    attachments: list[dict[str, Any]] = field(default_factory=list)
    idempotency_key: str = ""  # our message id, for channels that de-duplicate sends


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
