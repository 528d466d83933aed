"""The Telegram kind as /settings shows it: the token check and the capabilities."""

from __future__ import annotations

import re

from messenger_app.channels.base import Capabilities, ChannelKind
from messenger_app.channels.telegram.adapter import TelegramChannel
from messenger_app.lib.errors import DomainError


def _build(channel) -> TelegramChannel:
    from messenger_app import settings

    base = (channel.base_url or "").rstrip("/") or settings.get().telegram_api_base
    return TelegramChannel(channel.token, base)


# Bot API limits: 50 MB per upload, 4096 characters per message (1024 per caption), inline
# keyboard buttons with callback_data of 1-64 bytes; ~30 messages/s per bot, ~1/s per chat.
TOKEN_RE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,100}$")


def _validate(token: str, config: dict) -> dict:
    if not TOKEN_RE.match(token or ""):
        raise DomainError("a bot token looks like 123456789:AAHk2bX_example-token-from-BotFather "
                          "(3-15 digits, a colon, then 20-100 letters, digits, _ or -)", code="tg_token")
    return config


KIND = ChannelKind(
    "telegram", "Telegram", _build, polling=True, token_label="Bot token", validate=_validate,
    token_secret=False, custom_base_url=True, probe_on_save=True,
    capabilities=Capabilities(max_files=10, max_file_size=50 * 1024 * 1024, max_text=4096,
                              native_choices=10, max_choices=10, max_choice_label=64,
                              rate_per_second=30, rate_per_chat_per_second=1),
)
