"""The reporting time zone (a setting; default the server's) and local days in UTC."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from messenger_app.lib.errors import DomainError


def server_zone() -> str:
    """REPORT_TZ, else the machine's zone (TZ, /etc/timezone, /etc/localtime), else UTC."""
    for name in (os.environ.get("REPORT_TZ"), os.environ.get("TZ")):
        if name and valid_zone(name.lstrip(":")):
            return name.lstrip(":")
    try:
        name = Path("/etc/timezone").read_text().strip()
        if valid_zone(name):
            return name
    except OSError:
        pass
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target and valid_zone(target.split("zoneinfo/", 1)[1]):
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


def valid_zone(name: str) -> bool:
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))) + ["UTC"]


def zone_of(name: str) -> ZoneInfo:
    if not valid_zone(name):
        raise StatsError(f"unknown time zone {name!r}", code="stats_zone")
    return ZoneInfo(name)


class StatsError(DomainError):
    """A range or zone the report cannot use; `code` says which (i18n err_<code>)."""

    code = "stats"


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day, in UTC."""
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


MAX_DAYS = 366
