"""WhatsApp's 24-hour customer-service window: free-form messages only within 24 h of the
client's last inbound message; outside it only templates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from messenger_app.channels.http import as_utc

WINDOW = timedelta(hours=24)
WINDOW_CLOSED = "outside WhatsApp's 24-hour window: only templates"


def window_open(last_inbound_at: datetime | None, now: datetime | None = None) -> bool:
    """True while free-form messages are allowed: the client wrote less than 24 h ago.
    Naive datetimes are taken as UTC. No inbound message at all → closed."""
    if last_inbound_at is None:
        return False
    now = as_utc(now) if now is not None else datetime.now(timezone.utc)
    return now - as_utc(last_inbound_at) < WINDOW
