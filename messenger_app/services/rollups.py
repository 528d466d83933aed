"""Hourly rollups (X9): `record()` adds to a counter in the caller's transaction.

One row per (metric, UTC hour, channel, operator, key) holds a count `n`; recording the same
cell again adds to it (INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n, SQLite and
PostgreSQL alike). Hours are UTC so the page can sum them into the days of any whole-hour
reporting time zone without a rebuild (services/stats/); for the server's reporting zone
they are also kept per local day (services/rollup_days.py, updated by add()). 0 / "" mean
"no such dimension".

Other features record their own figures here with the names below (key = scenario id /
mailing id); stats.rebuild() recomputes only the metrics derived from messages and contacts
(OWNED) and never touches the others.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Iterable

from messenger_app.models import Rollup
from messenger_app.services import rollup_days

# derived from messages / contacts (stats.rebuild recomputes them)
MSG_IN, MSG_OUT, DIALOG_ACTIVE = "msg_in", "msg_out", "dialog_active"
NEW_CLIENT, BILLED_NEW = "new_client", "billed_new"
FIRST_RESPONSE, REPLY = "frt", "reply"
OWNED = (MSG_IN, MSG_OUT, DIALOG_ACTIVE, NEW_CLIENT, BILLED_NEW, FIRST_RESPONSE, REPLY)
# recorded by the bot runtime and the mailings (key = scenario id / mailing id)
BOT = ("bot_started", "bot_finished", "bot_handover")
MAILING = ("mailing_sent", "mailing_delivered", "mailing_read", "mailing_failed", "mailing_skipped")
MAX_KEY = 64

_T = Rollup.__table__


def hour(at: datetime) -> datetime:
    """The UTC hour `at` falls in (naive datetimes are taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def cell(metric: str, at: datetime, channel_id: int | None = None,
         operator_id: int | None = None, key: str | int | None = None) -> tuple:
    if not metric or len(metric) > 32:
        raise ValueError(f"bad metric name {metric!r}")
    return (metric, hour(at), int(channel_id or 0), int(operator_id or 0),
            str(key if key is not None else "")[:MAX_KEY])


def record(conn, metric: str, at: datetime, *, channel_id: int | None = None,
           operator_id: int | None = None, key: str | int | None = None, n: int = 1) -> None:
    """Add `n` to one counter, inside the caller's transaction (`conn` is a SQLAlchemy
    Connection, e.g. `session.connection()`), so the figure commits or rolls back with the
    write it counts. Example: record(conn, "bot_handover", utcnow(), key=scenario_id)."""
    add(conn, {cell(metric, at, channel_id, operator_id, key): n})


def add(conn, cells: dict[tuple, int], zone=rollup_days.READ) -> None:
    """Add many counters at once: {cell(...): n}. Zero counts are skipped. `zone`: the day
    tables' kept zone when the caller read it in this transaction (rollup_days.ZONE)."""
    rows = [{"metric": c[0], "bucket": c[1], "channel_id": c[2], "operator_id": c[3],
             "key": c[4], "n": n} for c, n in cells.items() if n]
    if not rows:
        return
    rollup_days.upsert(conn, _T, ["metric", "bucket", "channel_id", "operator_id", "key"], rows)
    rollup_days.mirror(conn, cells, zone)  # the same change per local day of the reporting zone


def merge_cells(into: dict[tuple, int], more: Iterable[tuple[tuple, int]], sign: int = 1) -> None:
    for c, n in more:
        into[c] = into.get(c, 0) + sign * n


def counter() -> defaultdict:
    return defaultdict(int)
