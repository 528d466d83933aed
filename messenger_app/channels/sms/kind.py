"""The SMS kind as /settings shows it: the fields and the capabilities."""

from __future__ import annotations

from messenger_app.channels.base import Capabilities, ChannelKind, SettingField
from messenger_app.channels.sms.config import SmsConfig
from messenger_app.channels.sms.gateway import SmsChannel


def _build(channel) -> SmsChannel:
    return SmsChannel(channel.config or {})


# A generic HTTP gateway: text only (files cannot be carried: the paperclip says so); choices
# as numbered options; one SMS segment is 160 GSM-7 / 70 UCS-2 characters, long texts are
# concatenated by the gateway.
def _validate(token: str, config: dict) -> dict:
    return SmsConfig.from_dict(config).to_dict()  # SmsConfigError is a ValueError


KIND = ChannelKind(
    "sms", "SMS gateway", _build, webhook=True, validate=_validate,
    identity_address="phone", profiles=False,  # SMS knows a client's number, nothing else
    fields=(SettingField("send_url", "Send URL", required=True),
            SettingField("method", "Method (GET/POST)"), SettingField("body_format", "Body (form/json)"),
            SettingField("sender", "Sender id"), SettingField("auth_header", "Auth header name"),
            SettingField("auth_value", "Auth header value", secret=True),
            SettingField("params_template",
                         "Request template (JSON: {to} {text} {sender} {message_id})"),
            SettingField("idempotency_header", "Header for our message id (Idempotency-Key)"),
            SettingField("id_path", "Message id JSON path"),
            SettingField("webhook_secret", "Webhook secret", secret=True)),
    capabilities=Capabilities(max_files=0, max_text=1600, native_choices=0, max_choices=9,
                              max_choice_label=40, rate_per_second=5, rate_per_chat_per_second=1),
)
