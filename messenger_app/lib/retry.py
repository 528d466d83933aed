"""Retry-After, as providers send it: seconds (int, float or numeric string) or an HTTP date;
in a header or in the JSON body (Telegram's parameters.retry_after, SMS gateways' retry_after)."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any


def retry_after_of(value: Any, now: datetime | None = None) -> float | None:
    """Seconds to wait, or None when `value` says nothing usable (negative → None)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = None
    if seconds is not None:
        return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
