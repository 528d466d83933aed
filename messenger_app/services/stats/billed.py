"""Billed subscribers (B3): clients with a first inbound message, now and per month."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import case, func, literal_column, select

from messenger_app import db
from messenger_app.models import Rollup, RollupDay
from messenger_app.services import rollup_days
from messenger_app.services import rollups as R
from messenger_app.services.stats.zones import zone_of

_T, _RD = Rollup.__table__, RollupDay.__table__


def billed(zone: str, months: int = 12, today: date | None = None) -> dict:
    """Billed subscribers now, and per month (new that month, total at its end) for the last
    `months` months in `zone`; one query: the days (or hours) summed between local month starts."""
    tz = zone_of(zone)
    today = today or datetime.now(tz).date()
    keys, y, m = [], today.year, today.month
    for _ in range(max(1, min(months, 120))):
        keys.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    keys.reverse()  # oldest first
    got = {}
    with db.engine().connect() as conn:
        if rollup_days.kept_zone(conn) == zone:  # the local days of the zone (rollup_days)
            t, col, starts = _RD, _RD.c.day, [date(y, m, 1) for y, m in keys]
        else:
            t, col = _T, _T.c.bucket
            starts = [datetime(y, m, 1, tzinfo=tz).astimezone(timezone.utc) for y, m in keys]
        label = case(*[(col < s, i) for i, s in enumerate(starts)], else_=len(starts)).label("i")
        for i, n in conn.execute(select(label, func.sum(t.c.n)).where(t.c.metric == R.BILLED_NEW)
                                 .group_by(literal_column("i"))):
            got[int(i)] = int(n or 0)
    running = got.get(0, 0)  # before the first month shown
    rows = []
    for i, (y, m) in enumerate(keys, start=1):
        new = got.get(i, 0)
        running += new
        rows.append({"month": f"{y:04d}-{m:02d}", "new": new, "total": running})
    rows.reverse()  # newest first
    return {"now": sum(got.values()), "this_month": rows[0]["new"], "months": rows}
