"""The WhatsApp kind as /settings shows it: the fields, the capabilities and the route
check (the 24 h window)."""

from __future__ import annotations

from messenger_app.channels.base import Capabilities, ChannelKind, SettingField
from messenger_app.channels.whatsapp.adapter import WhatsAppChannel
from messenger_app.channels.whatsapp.outbound import FILE_TYPES, MAX_DOCUMENT
from messenger_app.channels.whatsapp.window import window_open
from messenger_app.lib.errors import DomainError


def _build(channel) -> WhatsAppChannel:
    cfg = channel.config or {}
    base = (channel.base_url or "").rstrip("/")
    kw = {"base_url": base} if base else {}
    return WhatsAppChannel(channel.token, str(cfg.get("phone_number_id", "")),
                           app_secret=str(cfg.get("app_secret", "")),
                           verify_token=str(cfg.get("verify_token", "")), **kw)


def _route_check(identity) -> str:
    return "" if window_open(identity.last_inbound_at) else "wa_window"


def _validate(token: str, config: dict) -> dict:
    import secrets

    if not str(config.get("phone_number_id", "")).isdigit():
        raise DomainError("the WhatsApp phone number id must be a number", code="wa_phone_id")
    if not config.get("app_secret"):
        raise DomainError("the app secret is required to check webhook signatures", code="wa_secret")
    return {**config, "verify_token": config.get("verify_token") or secrets.token_urlsafe(12)}


# Cloud API: one media per message (sent one after another), 16 MB for audio/video, 100 MB
# documents, 5 MB images (a bigger picture goes as a document); the supported media types
# only; interactive reply buttons (3, title <= 20) or a list (10 rows, title <= 24): one
# label limit for both, 20; free-form messages only within 24 h of the client's last
# message; 80 messages/s per number, about one message per 6 s to one user (bursts allowed).
KIND = ChannelKind(
    "whatsapp", "WhatsApp", _build, webhook=True, token_label="Access token", validate=_validate,
    identity_address="phone",
    custom_base_url=True,
    fields=(SettingField("phone_number_id", "Phone number id", required=True, kind="number"),
            SettingField("app_secret", "App secret", secret=True, required=True),
            SettingField("verify_token", "Webhook verify token")),
    capabilities=Capabilities(max_files=10, max_file_size=MAX_DOCUMENT, file_types=FILE_TYPES,
                              max_text=4096,
                              native_choices=10, max_choices=10, max_choice_label=20,
                              reply_window_hours=24, rate_per_second=80,
                              rate_per_chat_per_second=1),
    route_check=_route_check,
)
