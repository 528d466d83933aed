"""The website chat widget as a channel: visitors are identified by a secret kept in their
browser; the channel's identity id is a hash of it, so operators never see the secret."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid

from sqlmodel import select

from messenger_app import db, settings
from messenger_app.channels.base import InboundMessage
from messenger_app.models import ChannelIdentity, Message
from messenger_app.services import channels, inbox

_rate: dict[str, list[float]] = {}
_rate_lock = threading.Lock()


class WidgetRefused(ValueError):
    """The message is not stored; `code` names why (for the widget's translated text):
    invalid, empty, too_long, rate."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def new_visitor() -> str:
    return secrets.token_urlsafe(24)


def visitor_id(token: str) -> str:
    return "v_" + hashlib.sha256(token.encode()).hexdigest()[:24]


def valid_token(token: str) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


def _allow(vid: str) -> bool:
    limit = settings.get().widget_rate_per_min
    now = time.monotonic()
    with _rate_lock:
        recent = [t for t in _rate.get(vid, []) if now - t < 60]
        if len(recent) >= limit:
            _rate[vid] = recent
            return False
        recent.append(now)
        _rate[vid] = recent
        return True


def clean_text(text: str) -> str:
    """Strip control characters (keep newlines and tabs); the UI escapes the rest."""
    return "".join(ch for ch in (text or "") if ch in "\n\t" or ch.isprintable()).strip()


def send(token: str, text: str, name: str = "") -> inbox.Received:
    if not valid_token(token):
        raise WidgetRefused("invalid visitor")
    text = clean_text(text)
    if not text:
        raise WidgetRefused("empty message", "empty")
    if len(text) > settings.get().widget_max_chars:
        raise WidgetRefused(f"message too long (max {settings.get().widget_max_chars} characters)",
                            "too_long")
    vid = visitor_id(token)
    if not _allow(vid):
        raise WidgetRefused("too many messages, please wait a minute", "rate")
    ch = channels.widget_channel()
    name = clean_text(name)[:100]
    msg = InboundMessage(external_id=f"w_{uuid.uuid4().hex}", identity_external_id=vid,
                         text=text, display_name=name or f"Visitor {vid[2:8]}",
                         first_name=name or f"Visitor {vid[2:8]}")
    return inbox.receive(ch.id, "widget", msg)


def identity_of(token: str) -> ChannelIdentity | None:
    if not valid_token(token):
        return None
    ch = channels.widget_channel()
    with db.session() as s:
        return s.exec(select(ChannelIdentity).where(
            ChannelIdentity.channel_id == ch.id,
            ChannelIdentity.external_id == visitor_id(token))).first()


def history(token: str, limit: int = 100) -> list[Message]:
    """The visitor's own thread: only messages exchanged through this widget identity."""
    ident = identity_of(token)
    if ident is None:
        return []
    with db.session() as s:
        rows = s.exec(select(Message).where(Message.identity_id == ident.id)
                      .order_by(Message.id.desc()).limit(limit)).all()
    return list(reversed(rows))
