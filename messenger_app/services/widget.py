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
from messenger_app.services import attachments, channels, inbox, rate_limits
from messenger_app.services.message_details import attachment_rows


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


def send(token: str, text: str, name: str = "", address: str = "", choice_id: str = "") -> inbox.Received:
    """The visitor writes, or presses a button (`choice_id`: one the operator or the bot
    offered in this visitor's thread; the text is then that button's label). `address`: the
    client's (WidgetState passes Reflex's router.session.client_ip, which honours
    X-Forwarded-For only with TRUSTED_PROXY_HOPS)."""
    if not valid_token(token):
        raise WidgetRefused("invalid visitor")
    if choice_id:
        label = offered_label(token, choice_id)
        if not label:
            raise WidgetRefused("this button is not offered here")
        text = label
    text = clean_text(text)
    if not text:
        raise WidgetRefused("empty message", "empty")
    if len(text) > settings.get().widget_max_chars:
        raise WidgetRefused(f"message too long (max {settings.get().widget_max_chars} characters)",
                            "too_long")
    vid = visitor_id(token)
    if not _allow(vid, address):
        raise WidgetRefused("too many messages, please wait a minute", "rate")
    ch = channels.widget_channel()
    name = clean_text(name)[:100]
    msg = InboundMessage(external_id=f"w_{uuid.uuid4().hex}", identity_external_id=vid, choice_id=choice_id,
                         text=text, display_name=name or f"Visitor {vid[2:8]}",
                         first_name=name or f"Visitor {vid[2:8]}")
    got = inbox.receive(ch.id, "widget", msg, fetch_profile=False)
    from messenger_app.services import mailings  # (mailings -> outbox -> inbox: no cycle at import)

    if got.created and mailings.is_stop_word(text):  # a reply "STOP" to a mailing
        mailings.opt_out(got.contact_id, got.dialog_id, text)
    return got


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


def offered_label(token: str, choice_id: str) -> str:
    """The label of button `choice_id` on the newest outbound message of this visitor's
    thread that offers it, or "" when none does."""
    if not isinstance(choice_id, str) or not choice_id or len(choice_id) > 256:
        return ""
    for m in reversed(history(token)):
        if m.direction != "out":
            continue
        for c in _choices(m.choices):
            if c["id"] == choice_id:
                return c["label"]
    return ""


def _choices(raw) -> list[dict[str, str]]:
    """Message.choices as clean {"id", "label"} dicts (anything else is ignored)."""
    out = []
    for c in raw or []:
        if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("label"), str) \
                and c["id"] and c["label"].strip():
            out.append({"id": c["id"], "label": c["label"]})
    return out


def _visitor_url(att: dict) -> str:
    """A signed, expiring URL of one of our stored files, relative to our own origin (the
    widget page is served by us; a visitor has no operator session for /files/)."""
    url = attachments.signed_url(att)
    base = settings.get().public_url
    return url[len(base):] if url.startswith(base) else url


def view(token: str, rows: list[Message] | None = None) -> list[dict]:
    """The visitor's thread for the widget page: {"id", "dir", "text", "time", "atts" (the
    display rows of message_details.attachment_rows, their urls signed), "choices" ({"id",
    "label"} buttons, on outbound messages only)}; states/view.widget_item types it."""
    items = []
    for m in history(token) if rows is None else rows:
        atts = attachment_rows(m.attachments)
        for row, att in zip(atts, [a for a in m.attachments or [] if isinstance(a, dict)]):
            if row["url"]:
                row["url"] = _visitor_url(att)
        choices = _choices(m.choices) if m.direction == "out" else []
        items.append({"id": str(m.id), "dir": m.direction, "text": m.text,
                      "time": m.created_at.strftime("%H:%M"),
                      "atts": atts, "choices": choices})
    return items
