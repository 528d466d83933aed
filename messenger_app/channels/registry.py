"""Every channel kind in one table: how to build its adapter from a Channel row, whether it
polls or receives webhooks, and what the settings page asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from messenger_app import settings


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str
    polling: bool = False
    webhook: bool = False
    token_label: str = ""  # "" = no token field
    config_fields: tuple[tuple[str, str], ...] = ()  # (config key, label)
    secret_fields: tuple[str, ...] = field(default_factory=tuple)  # never sent to the browser


KINDS: dict[str, Kind] = {k.kind: k for k in [
    Kind("widget", "Website chat"),
    Kind("telegram", "Telegram", polling=True, token_label="Bot token"),
    Kind("vk", "VK", polling=True, token_label="Community access token",
         config_fields=(("group_id", "Community (group) id"),)),
    Kind("whatsapp", "WhatsApp", webhook=True, token_label="Access token",
         config_fields=(("phone_number_id", "Phone number id"), ("app_secret", "App secret"),
                        ("verify_token", "Webhook verify token")),
         secret_fields=("app_secret",)),
    Kind("viber", "Viber", webhook=True, token_label="Auth token",
         config_fields=(("sender_name", "Sender name"),)),
    Kind("sms", "SMS gateway", webhook=True,
         config_fields=(("send_url", "Send URL"), ("method", "Method (GET/POST)"),
                        ("body_format", "Body (form/json)"), ("sender", "Sender id"),
                        ("auth_header", "Auth header name"), ("auth_value", "Auth header value"),
                        ("id_path", "Message id JSON path")),
         secret_fields=("auth_value", "webhook_secret")),
    Kind("email", "E-mail", polling=True,
         config_fields=(("imap_host", "IMAP host"), ("imap_port", "IMAP port"),
                        ("imap_user", "IMAP user"), ("imap_password", "IMAP password"),
                        ("smtp_host", "SMTP host"), ("smtp_port", "SMTP port"),
                        ("smtp_user", "SMTP user"), ("smtp_password", "SMTP password"),
                        ("from_address", "From address"), ("from_name", "From name")),
         secret_fields=("imap_password", "smtp_password")),
]}


def build(channel) -> Any:
    """A ready adapter for a Channel row (the caller closes it)."""
    cfg: dict = dict(channel.config or {})
    base = (channel.base_url or "").rstrip("/")
    kind = channel.kind
    if kind == "widget":
        from messenger_app.channels.widget import WidgetChannel

        return WidgetChannel()
    if kind == "telegram":
        from messenger_app.channels.telegram import TelegramChannel

        return TelegramChannel(channel.token, base or settings.get().telegram_api_base)
    if kind == "vk":
        from messenger_app.channels.vk import VkChannel

        kw = {"base_url": base} if base else {}
        return VkChannel(channel.token, int(cfg.get("group_id") or 0), **kw)
    if kind == "whatsapp":
        from messenger_app.channels.whatsapp import WhatsAppChannel

        kw = {"base_url": base} if base else {}
        return WhatsAppChannel(channel.token, str(cfg.get("phone_number_id", "")),
                               app_secret=str(cfg.get("app_secret", "")),
                               verify_token=str(cfg.get("verify_token", "")), **kw)
    if kind == "viber":
        from messenger_app.channels.viber import ViberChannel

        kw = {"base_url": base} if base else {}
        return ViberChannel(channel.token, sender_name=str(cfg.get("sender_name") or channel.name
                                                           or "Support"), **kw)
    if kind == "sms":
        from messenger_app.channels.sms import SmsChannel

        return SmsChannel(cfg)
    if kind == "email":
        from messenger_app.channels.email import EmailChannel

        return EmailChannel(cfg)
    raise ValueError(f"unknown channel kind {kind!r}")


def send_kwargs(channel, identity, last_inbound_external_id: str = "") -> dict:
    """What a kind's send() needs beyond the message: WhatsApp checks its 24-hour window,
    e-mail threads the answer under the client's last mail."""
    if channel.kind == "whatsapp":
        return {"last_inbound_at": identity.last_inbound_at}
    if channel.kind == "email" and last_inbound_external_id:
        return {"reply_to_message_id": last_inbound_external_id}
    return {}


def unusable_code(channel, identity) -> str:
    """unusable_reason() as a stable code for the interface's translation ("" = usable):
    "disabled", "unreachable" or "wa_window"."""
    if not channel.enabled:
        return "disabled"
    if not identity.reachable:
        return "unreachable"
    if channel.kind == "whatsapp":
        from messenger_app.channels.whatsapp import window_open

        if not window_open(identity.last_inbound_at):
            return "wa_window"
    return ""


def unusable_reason(channel, identity) -> str:
    """Why this client cannot be answered in this channel right now ("" = it can) (C7)."""
    if not channel.enabled:
        return "channel is disabled"
    if not identity.reachable:
        return identity.unreachable_reason or "client unreachable"
    if channel.kind == "whatsapp":
        from messenger_app.channels.whatsapp import window_open

        if not window_open(identity.last_inbound_at):
            return "outside WhatsApp's 24-hour window: only templates"
    return ""
