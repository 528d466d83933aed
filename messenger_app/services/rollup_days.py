"""The rollups per local day of one reporting zone (X9 speed): what the page reads for that zone.

The hourly rollups (services/rollups.py) serve any zone but a month of them is tens of
thousands of rows, and the distinct dialogs per day are a COUNT(DISTINCT) over every
dialog-hour. For the zone in StatsZone (the server's reporting zone when the rebuild ran, or
when a new database was made) the same figures are also kept per local day:

- RollupDay: every hourly metric summed into the local day of its hour (so the figures are
  exactly the hours' sums: the same day edges as the hourly path), except "dialog_active";
  "operator_dialog" (key = dialog id) = an operator's messages per dialog, channel and day
  (the operators' "dialogs answered" over a range is a COUNT(DISTINCT) over those), and
  "active_dialogs" = the distinct dialogs per day at four levels: (channel 0, operator 0) any
  message, (channel c, 0) one in channel c, (0, operator o) one by operator o, (c, o) both.
- DialogDay: messages per (day, dialog, channel, operator), from which a write knows whether
  it makes a dialog active at a level that day (or, when a merge takes counts back, no more).

mirror() runs inside rollups.add(), in the same transaction, for every change of the hourly
cells (write path, merge / undo, bot and mailing records), so both stay equal; build()
recomputes the day tables from the hourly ones (stats.rebuild calls it).

Limit: whether a message makes its dialog active that day is read, then written. SQLite runs
one writer at a time; on PostgreSQL two messages of the same dialog and day committed at the
same instant by different processes could both count it (a rebuild corrects that).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, case, cast, delete, func, insert, literal, literal_column, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from messenger_app.models import DialogDay, Rollup, RollupDay, StatsZone
from messenger_app.services.sql_direct import Direct
from messenger_app.services.sql_lists import OneOrMany

_T, _RD, _DD, _Z = Rollup.__table__, RollupDay.__table__, DialogDay.__table__, StatsZone.__table__
DIALOG_ACTIVE = "dialog_active"  # the hourly metric the day tables keep differently
ACTIVE, OPERATOR_DIALOG = "active_dialogs", "operator_dialog"


_ZONE = select(_Z.c.zone).limit(1)
ZONE = _ZONE.scalar_subquery()  # the kept zone as a column of another statement (inbound_batch)
READ = object()  # mirror(zone=READ): read the kept zone here
_DAY_COUNTS = OneOrMany(lambda member: select(
    _DD.c.day, _DD.c.dialog_id, _DD.c.channel_id, _DD.c.operator_id, _DD.c.n).where(
    member(_DD.c.day, "days"), member(_DD.c.dialog_id, "dialogs")))
_UPSERTS: dict[tuple, Direct] = {}  # (dialect, table, columns given) -> its statement, built once


def kept_zone(conn) -> str | None:
    """The zone the day tables are kept for, None when they are not."""
    return conn.execute(_ZONE).scalar()


def upsert(conn, table, keys: list[str], rows: list[dict]) -> None:
    """Add each row's `n` to its counter (INSERT … ON CONFLICT (keys) DO UPDATE SET
    n = n + excluded.n). The statement is built once per dialect and table: building it
    (the `excluded` columns) cost more CPU than running it, on every inbound message."""
    if not rows:
        return
    cols = tuple(rows[0])
    stmt = _UPSERTS.get((conn.dialect.name, table.name, cols))
    if stmt is None:
        mod = postgresql if conn.dialect.name == "postgresql" else sqlite
        ins = mod.insert(table)
        stmt = Direct(ins.on_conflict_do_update(index_elements=keys, set_={"n": table.c.n + ins.excluded.n}),
                      keys=cols)  # on the DBAPI cursor: see sql_direct
        _UPSERTS[(conn.dialect.name, table.name, cols)] = stmt
    stmt.run(conn, rows)


def _levels(present) -> set[tuple[int, int]]:
    out = set()
    for ch, op in present:
        out.update(((0, 0), (ch, 0)))
        if op > 0:
            out.update(((0, op), (ch, op)))
    return out


def mirror(conn, cells: dict[tuple, int], zone=READ) -> None:
    """Add hourly cells {(metric, hour, channel, operator, key): n} to the day tables.
    `zone`: the kept zone (or None) when the caller read it already in its transaction."""
    if zone is READ:
        zone = kept_zone(conn)
    if zone is None:
        return
    tz = ZoneInfo(zone)
    days: dict[tuple, int] = defaultdict(int)
    pres: dict[tuple, int] = defaultdict(int)
    for (metric, hour, ch, op, key), n in cells.items():
        if not n:
            continue
        d = hour.astimezone(tz).date()
        if metric == DIALOG_ACTIVE:
            pres[(d, int(key), ch, op)] += n
            if op > 0:
                days[(OPERATOR_DIALOG, d, ch, op, key)] += n
        else:
            days[(metric, d, ch, op, key)] += n
    if pres:
        _presence(conn, pres, days)
    rows = [{"metric": c[0], "day": c[1], "channel_id": c[2], "operator_id": c[3], "key": c[4], "n": n}
            for c, n in days.items() if n]
    upsert(conn, _RD, ["metric", "day", "channel_id", "operator_id", "key"], rows)
    gone = [{k: r[k] for k in ("metric", "day", "channel_id", "operator_id", "key")} for r in rows if r["n"] < 0]
    if gone:  # a merge took counts back: drop the cells that reached zero
        conn.execute(delete(_RD).where(_RD.c.n == 0, *[_RD.c[k] == bindparam("b_" + k) for k in gone[0]]),
                     [{"b_" + k: v for k, v in g.items()} for g in gone])


def _presence(conn, pres: dict[tuple, int], days: dict[tuple, int]) -> None:
    """Apply message-count changes per (day, dialog, channel, operator) and turn the dialogs
    that become (or stop being) active at a level that day into active_dialogs ±1."""
    pairs = {(d, dlg) for d, dlg, _, _ in pres}
    before: dict[tuple, dict[tuple, int]] = defaultdict(dict)
    found = _DAY_COUNTS.rows(conn, {"days": sorted({d for d, _ in pairs}),
                                    "dialogs": sorted({g for _, g in pairs})})
    for d, dlg, ch, op, n in found:
        if isinstance(d, str):
            d = date.fromisoformat(d)
        if (d, dlg) in pairs:
            before[(d, dlg)][(ch, op)] = n
    for d, dlg in pairs:
        now = dict(before.get((d, dlg), {}))
        for (d2, g2, ch, op), n in pres.items():
            if (d2, g2) == (d, dlg):
                now[(ch, op)] = now.get((ch, op), 0) + n
        was = _levels(k for k, n in before.get((d, dlg), {}).items() if n > 0)
        is_ = _levels(k for k, n in now.items() if n > 0)
        for ch, op in is_ - was:
            days[(ACTIVE, d, ch, op, "")] += 1
        for ch, op in was - is_:
            days[(ACTIVE, d, ch, op, "")] -= 1
    rows = [{"day": d, "dialog_id": g, "channel_id": ch, "operator_id": op, "n": n}
            for (d, g, ch, op), n in pres.items() if n]
    upsert(conn, _DD, ["day", "dialog_id", "channel_id", "operator_id"], rows)
    if any(r["n"] < 0 for r in rows):
        conn.execute(delete(_DD).where(_DD.c.n <= 0, _DD.c.day.in_(sorted({d for d, _ in pairs})),
                                       _DD.c.dialog_id.in_(sorted({g for _, g in pairs}))))


# -- local days in SQL -------------------------------------------------------------------------
def offsets(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, int]]:
    """[(from, utc offset in minutes)] segments of constant offset covering [start, end)."""
    segs, t = [], start
    while t < end:
        off = int(t.astimezone(tz).utcoffset().total_seconds() // 60)
        if not segs or segs[-1][1] != off:
            segs.append((t, off))
        t += timedelta(hours=1)
    return segs


def day_sql(conn, start: datetime, end: datetime, tz: ZoneInfo):
    """SQL: the local day (in `tz`) of a rollup's hour, labelled "d": the bucket shifted by
    the zone's offset at that time (a CASE over the offset changes inside [start, end))."""
    segs = offsets(start, end, tz)
    pg = conn.dialect.name == "postgresql"

    def shifted(minutes: int):
        if pg:
            return literal_column(
                f"CAST((rollup.bucket AT TIME ZONE 'UTC') + interval '{int(minutes)} minutes' AS DATE)")
        return func.date(_T.c.bucket, f"{int(minutes):+d} minutes")

    if len(segs) <= 1:
        return shifted(segs[0][1] if segs else 0).label("d")
    return case(*[(_T.c.bucket < segs[i + 1][0], shifted(off)) for i, (_, off) in enumerate(segs[:-1])],
                else_=shifted(segs[-1][1])).label("d")


def build(conn, zone: str) -> None:
    """Recompute the day tables for `zone` from the hourly rollups (in the caller's
    transaction) and keep them for that zone from now on."""
    tz = ZoneInfo(zone)
    for t in (_RD, _DD, _Z):
        conn.execute(delete(t))
    conn.execute(insert(_Z).values(zone=zone))
    lo, hi = conn.execute(select(func.min(_T.c.bucket), func.max(_T.c.bucket))).one()
    if lo is None:
        return
    lo, hi = (_utc(v) for v in (lo, hi))
    d = day_sql(conn, lo, hi + timedelta(hours=1), tz)
    dims = (_T.c.channel_id, _T.c.operator_id)
    conn.execute(insert(_RD).from_select(
        ["metric", "day", "channel_id", "operator_id", "key", "n"],
        select(_T.c.metric, d, *dims, _T.c.key, func.sum(_T.c.n))
        .where(or_(_T.c.metric < DIALOG_ACTIVE, _T.c.metric > DIALOG_ACTIVE))  # two ranges of the key
        .group_by(_T.c.metric, literal_column("d"), *dims, _T.c.key).having(func.sum(_T.c.n) != 0)))
    conn.execute(insert(_DD).from_select(
        ["day", "dialog_id", "channel_id", "operator_id", "n"],
        select(d, cast(_T.c.key, _DD.c.dialog_id.type), *dims, func.sum(_T.c.n))
        .where(_T.c.metric == DIALOG_ACTIVE)
        .group_by(literal_column("d"), _T.c.key, *dims).having(func.sum(_T.c.n) != 0)))
    cols = ["metric", "day", "channel_id", "operator_id", "key", "n"]
    human = _DD.c.operator_id > 0
    conn.execute(insert(_RD).from_select(cols, select(
        literal(OPERATOR_DIALOG), _DD.c.day, _DD.c.channel_id, _DD.c.operator_id,
        cast(_DD.c.dialog_id, _RD.c.key.type), _DD.c.n).where(human)))
    distinct = func.count(func.distinct(_DD.c.dialog_id))
    zero = literal(0)
    for ch, op, where in ((zero, zero, None), (_DD.c.channel_id, zero, None),
                          (zero, _DD.c.operator_id, human), (_DD.c.channel_id, _DD.c.operator_id, human)):
        q = select(literal(ACTIVE), _DD.c.day, ch, op, literal(""), distinct)
        if where is not None:
            q = q.where(where)
        groups = [_DD.c.day] + [c for c in (ch, op) if c is not zero]
        conn.execute(insert(_RD).from_select(cols, q.group_by(*groups)))


def _utc(v) -> datetime:
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v if v.tzinfo else v.replace(tzinfo=timezone.utc)


def day_range(first: date, last: date):
    return and_(_RD.c.day >= first, _RD.c.day <= last)
