"""The website chat widget as a channel: visitors are identified by a secret kept in their
browser; the channel's identity id is a hash of it, so operators never see the secret."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlmodel import select

from messenger_app import db, settings
from messenger_app.channels.base import InboundMessage
from messenger_app.models import ChannelIdentity, Message
from messenger_app.services import channels, inbox, rate_limits


class WidgetRefused(ValueError):
    pass


def new_visitor() -> str:
    return secrets.token_urlsafe(24)


def visitor_id(token: str) -> str:
    return "v_" + hashlib.sha256(token.encode()).hexdigest()[:24]


def valid_token(token: str) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


def _limits(vid: str, address: str) -> list[tuple[str, tuple[str, ...]]]:
    """What one message counts against: the visitor (whose token the visitor chooses), and,
    when the client's address is known, that address — for any message, and once more for a
    message that creates a new visitor (a new client and dialog)."""
    cfg = settings.get()
    out = [(f"{cfg.widget_rate_per_min}/minute", ("widget-visitor", vid))]
    if address:
        out.append((f"{cfg.widget_address_rate_per_min}/minute", ("widget-address", address)))
        if identity_of_visitor(vid) is None:
            out.append((f"{cfg.widget_new_visitors_per_hour}/hour", ("widget-new", address)))
    return out


def _allow(vid: str, address: str) -> bool:
    limits = _limits(vid, address)
    if not all(rate_limits.allowed(spec, *key).ok for spec, key in limits):
        return False
    for spec, key in limits:
        rate_limits.hit(spec, *key)
    return True


def clean_text(text: str) -> str:
    """Strip control characters (keep newlines and tabs); the UI escapes the rest."""
    return "".join(ch for ch in (text or "") if ch in "\n\t" or ch.isprintable()).strip()


def send(token: str, text: str, name: str = "", address: str = "") -> inbox.Received:
    """One visitor message. `address`: the client's (WidgetState passes Reflex's
    router.session.client_ip, which honours X-Forwarded-For only with TRUSTED_PROXY_HOPS)."""
    if not valid_token(token):
        raise WidgetRefused("invalid visitor")
    text = clean_text(text)
    if not text:
        raise WidgetRefused("empty message")
    if len(text) > settings.get().widget_max_chars:
        raise WidgetRefused(f"message too long (max {settings.get().widget_max_chars} characters)")
    vid = visitor_id(token)
    if not _allow(vid, address):
        raise WidgetRefused("too many messages, please wait a minute")
    ch = channels.widget_channel()
    name = clean_text(name)[:100]
    msg = InboundMessage(external_id=f"w_{uuid.uuid4().hex}", identity_external_id=vid,
                         text=text, display_name=name or f"Visitor {vid[2:8]}",
                         first_name=name or f"Visitor {vid[2:8]}")
    return inbox.receive(ch.id, "widget", msg)


def identity_of(token: str) -> ChannelIdentity | None:
    if not valid_token(token):
        return None
    return identity_of_visitor(visitor_id(token))


def identity_of_visitor(vid: str) -> ChannelIdentity | None:
    ch = channels.widget_channel()
    with db.session() as s:
        return s.exec(select(ChannelIdentity).where(
            ChannelIdentity.channel_id == ch.id, ChannelIdentity.external_id == vid)).first()


def history(token: str, limit: int = 100) -> list[Message]:
    """The visitor's own thread: only messages exchanged through this widget identity."""
    ident = identity_of(token)
    if ident is None:
        return []
    with db.session() as s:
        rows = s.exec(select(Message).where(Message.identity_id == ident.id)
                      .order_by(Message.id.desc()).limit(limit)).all()
    return list(reversed(rows))
