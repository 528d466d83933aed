"""The website chat widget: delivery is the visitor's open widget reading our database,
so `send()` only confirms. Inbound messages come through services/widget.send()."""

from messenger_app.channels.base import (Capabilities, ChannelKind, OutboundMessage, Profile,
                                         SendResult)


class WidgetChannel:
    kind = "widget"

    async def send(self, identity_external_id: str, message: OutboundMessage) -> SendResult:
        return SendResult(external_id=f"wo_{message.idempotency_key}")

    async def profile(self, identity_external_id: str) -> Profile:
        return Profile()

    async def close(self) -> None:
        return None


# The widget reads our database: files inline (the upload limit), buttons as buttons.
KIND = ChannelKind(
    "widget", "Website chat", lambda channel: WidgetChannel(), connectable=False,
    capabilities=Capabilities(max_files=10, max_file_size=20 * 1024 * 1024, max_text=4096,
                              native_choices=10, max_choices=10, max_choice_label=60,
                              rate_per_second=100, rate_per_chat_per_second=20, dedup_sends=True),
)
