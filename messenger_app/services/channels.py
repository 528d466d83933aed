"""Configured channel instances: the website widget (always there) and Telegram bots."""

from __future__ import annotations

import re
import secrets

from sqlmodel import select

from messenger_app import db, settings
from messenger_app.clock import utcnow
from messenger_app.models import Channel
from messenger_app.services import events
from messenger_app.services.errors import DomainError

TOKEN_RE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,100}$")
# what BotFather gives: the bot's number, a colon, then 20-100 letters, digits, _ or -
TOKEN_HINT = ("a bot token looks like 123456789:AAHk2bX_example-token-from-BotFather "
              "(3-15 digits, a colon, then 20-100 letters, digits, _ or -)")


class ChannelConfigError(DomainError):
    code = "channel"


def widget_channel() -> Channel:
    with db.session() as s:
        ch = s.exec(select(Channel).where(Channel.kind == "widget").order_by(Channel.id)).first()
        if ch is None:
            ch = Channel(kind="widget", name="Website chat")
            s.add(ch)
            s.commit()
        return ch


def all_channels() -> list[Channel]:
    with db.session() as s:
        return list(s.exec(select(Channel).order_by(Channel.id)).all())


def get(channel_id: int) -> Channel | None:
    with db.session() as s:
        return s.get(Channel, channel_id)


def add_telegram(token: str, name: str = "", base_url: str = "", bot_username: str = "") -> Channel:
    token = (token or "").strip()
    if not TOKEN_RE.match(token):
        raise ChannelConfigError(TOKEN_HINT, code="tg_token")
    base = (base_url or "").strip().rstrip("/") or settings.get().telegram_api_base
    if not base.startswith(("http://", "https://")):
        raise ChannelConfigError("the API base URL must start with http:// or https://", code="base_url")
    with db.session() as s:
        if s.exec(select(Channel).where(Channel.kind == "telegram", Channel.token == token)).first():
            raise ChannelConfigError("this bot is already connected", code="bot_connected")
        ch = Channel(kind="telegram", name=(name or bot_username or "Telegram bot")[:200],
                     token=token, base_url=base, bot_username=bot_username[:200])
        s.add(ch)
        s.commit()
    events.publish("channels")
    return ch


def add(kind: str, name: str = "", token: str = "", base_url: str = "",
        config: dict | None = None, bot_username: str = "") -> Channel:
    """Connect a channel of any kind (the settings page). Validates what the kind needs;
    webhook kinds get a random secret for their URL."""
    from messenger_app.channels import registry

    spec = registry.KINDS.get(kind)
    if spec is None or kind == "widget":
        raise ChannelConfigError(f"unknown channel kind {kind!r}", code="channel_kind")
    if kind == "telegram":
        return add_telegram(token, name, base_url, bot_username)
    token = (token or "").strip()
    if spec.token_label and not token:
        raise ChannelConfigError(f"{spec.token_label} is required", code="token_required")
    base = (base_url or "").strip().rstrip("/")
    if base and not base.startswith(("http://", "https://")):
        raise ChannelConfigError("the API base URL must start with http:// or https://", code="base_url")
    cfg = _clean_config(kind, dict(config or {}))
    with db.session() as s:
        ch = Channel(kind=kind, name=(name or spec.label)[:200], token=token, base_url=base,
                     config=cfg, bot_username=bot_username[:200],
                     webhook_secret=secrets.token_urlsafe(24) if spec.webhook else "")
        s.add(ch)
        s.commit()
    events.publish("channels")
    return ch


def _clean_config(kind: str, cfg: dict) -> dict:
    """Per-kind checks; each adapter's own config class validates the details."""
    cfg = {str(k): (v.strip() if isinstance(v, str) else v) for k, v in cfg.items()}
    if kind == "vk":
        if not str(cfg.get("group_id", "")).isdigit():
            raise ChannelConfigError("the VK community id must be a number", code="vk_group")
        cfg["group_id"] = int(cfg["group_id"])
    elif kind == "whatsapp":
        if not str(cfg.get("phone_number_id", "")).isdigit():
            raise ChannelConfigError("the WhatsApp phone number id must be a number", code="wa_phone_id")
        if not cfg.get("app_secret"):
            raise ChannelConfigError("the app secret is required to check webhook signatures",
                                     code="wa_secret")
        cfg.setdefault("verify_token", secrets.token_urlsafe(12))
    elif kind == "sms":
        from messenger_app.channels.sms import SmsConfig, SmsConfigError

        try:
            cfg = SmsConfig.from_dict(cfg).to_dict()
        except (SmsConfigError, ValueError) as e:
            raise ChannelConfigError(str(e), code="channel_config", detail=str(e)) from None
    elif kind == "email":
        from messenger_app.channels.email import EmailConfig, EmailConfigError

        try:
            cfg = EmailConfig.from_dict(cfg).to_dict()
        except (EmailConfigError, ValueError) as e:
            raise ChannelConfigError(str(e), code="channel_config", detail=str(e)) from None
    return cfg


def webhook_url(ch: Channel) -> str:
    if not ch.webhook_secret:
        return ""
    return f"{settings.get().public_url}/hooks/{ch.id}/{ch.webhook_secret}"


def set_enabled(channel_id: int, enabled: bool) -> None:
    with db.session() as s:
        ch = s.get(Channel, channel_id)
        if ch is None or ch.kind == "widget":
            raise ChannelConfigError("no such channel", code="no_channel")
        ch.enabled = enabled
        s.add(ch)
        s.commit()
    events.publish("channels")


def save_cursor(channel_id: int, cursor: str, error: str = "") -> None:
    """Called only after the messages the cursor covers are committed (never loses any)."""
    with db.session() as s:
        ch = s.get(Channel, channel_id)
        if ch is None:
            return
        ch.cursor, ch.last_error, ch.last_poll_at = cursor, error[:1000], utcnow()
        s.add(ch)
        s.commit()


def record_error(channel_id: int, error: str) -> None:
    with db.session() as s:
        ch = s.get(Channel, channel_id)
        if ch is None:
            return
        ch.last_error, ch.last_poll_at = error[:1000], utcnow()
        s.add(ch)
        s.commit()
