"""The website chat widget: delivery is the visitor's open widget reading our database,
so `send()` only confirms. Inbound messages come through services/widget.send()."""

from messenger_app.channels.base import OutboundMessage, Profile, SendResult


class WidgetChannel:
    kind = "widget"

    async def send(self, identity_external_id: str, message: OutboundMessage) -> SendResult:
        return SendResult(external_id=f"wo_{message.idempotency_key}")

    async def profile(self, identity_external_id: str) -> Profile:
        return Profile()

    async def close(self) -> None:
        return None
