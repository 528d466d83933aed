"""Time in one place: timezone-aware UTC datetimes everywhere (sqlmodel stores them as UTC)."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
