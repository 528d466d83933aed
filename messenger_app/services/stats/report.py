"""Every figure of /stats for a range of local days: read from the per-day rollups when the
zone is the one they are kept for (rollup_days), else summed from the hourly rollups into the
local days in SQL (any whole-hour zone, no rebuild needed). Both give the same figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, literal_column, select

from messenger_app import db
from messenger_app.models import Rollup
from messenger_app.services import rollups as R
from messenger_app.services.stats.times import Times, times
from messenger_app.services.stats.zones import MAX_DAYS, StatsError, _offsets, day_bounds, zone_of

_T = Rollup.__table__


@dataclass
class Report:
    days: list[str]
    channels: list[int]  # channels that appear, in order
    msg_in: dict[str, dict[int, int]]  # day -> channel -> n
    msg_out: dict[str, dict[int, int]]
    new_clients: dict[str, int]
    billed_new: dict[str, int]
    active_dialogs: dict[str, int]
    first_response: Times
    reply: Times
    operators: list[dict]  # operator_id, messages, dialogs, frt_median
    bots: list[dict]  # key, started, finished, handover
    mailings: list[dict]  # key, sent, delivered, read, failed, skipped
    totals: dict[str, int]


def report(first_day: date, last_day: date, zone: str, channel_id: int | None = None,
           operator_id: int | None = None) -> Report:
    """Every figure of /stats for the local days [first_day, last_day] in `zone`; with
    operator_id only that operator's own figures (and nothing team-wide)."""
    tz = zone_of(zone)
    if last_day < first_day or (last_day - first_day).days >= MAX_DAYS:
        raise StatsError("bad date range", code="stats_range")
    start, _ = day_bounds(first_day, tz)
    _, end = day_bounds(last_day, tz)
    days = [(first_day + timedelta(days=i)).isoformat() for i in range((last_day - first_day).days + 1)]
    conds = [_T.c.bucket >= start, _T.c.bucket < end]
    if channel_id:
        conds.append(_T.c.channel_id == channel_id)
    mine = [_T.c.operator_id == operator_id] if operator_id else []
    with db.engine().connect() as conn:
        per_day = {R.MSG_IN: defaultdict(dict), R.MSG_OUT: defaultdict(dict)}
        flat = {R.NEW_CLIENT: defaultdict(int), R.BILLED_NEW: defaultdict(int)}
        chans: set[int] = set()
        day = _day_sql(conn, start, end, tz)
        wanted = [R.MSG_OUT] if operator_id else [R.MSG_IN, R.MSG_OUT]
        q = (select(_T.c.metric, day, _T.c.channel_id, func.sum(_T.c.n))
             .where(_T.c.metric.in_(wanted), *conds, *mine)
             .group_by(_T.c.metric, literal_column("d"), _T.c.channel_id))
        for metric, d, ch, n in conn.execute(q):
            per_day[metric][str(d)][ch] = n
            chans.add(ch)
        if not operator_id:  # clients have no channel: the channel filter does not apply
            for metric, d, n in conn.execute(
                    select(_T.c.metric, day, func.sum(_T.c.n))
                    .where(_T.c.metric.in_((R.NEW_CLIENT, R.BILLED_NEW)), *conds[:2])
                    .group_by(_T.c.metric, literal_column("d"))):
                flat[metric][str(d)] += n
        active = _active_dialogs(conn, start, end, tz, conds + mine)
        hist = {R.FIRST_RESPONSE: defaultdict(int), R.REPLY: defaultdict(int)}
        op_hist: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for metric, key, op, n in conn.execute(
                select(_T.c.metric, _T.c.key, _T.c.operator_id, func.sum(_T.c.n))
                .where(_T.c.metric.in_((R.FIRST_RESPONSE, R.REPLY)), *conds, *mine)
                .group_by(_T.c.metric, _T.c.key, _T.c.operator_id)):
            hist[metric][int(key)] += n
            if metric == R.FIRST_RESPONSE:
                op_hist[op][int(key)] += n
        ops: dict[int, dict] = {}
        for op, n in conn.execute(select(_T.c.operator_id, func.sum(_T.c.n)).where(
                _T.c.metric == R.MSG_OUT, _T.c.operator_id > 0, *conds, *mine).group_by(_T.c.operator_id)):
            ops.setdefault(op, {"operator_id": op, "messages": 0, "dialogs": 0})["messages"] = n
        for op, n in conn.execute(select(_T.c.operator_id, func.count(func.distinct(_T.c.key))).where(
                _T.c.metric == R.DIALOG_ACTIVE, _T.c.operator_id > 0, *conds, *mine).group_by(_T.c.operator_id)):
            ops.setdefault(op, {"operator_id": op, "messages": 0, "dialogs": 0})["dialogs"] = n
        for op, row in ops.items():
            t = times(op_hist.get(op, {}))
            row["frt_median"], row["frt_count"] = t.median, t.count
        bots, mailings = ([], []) if operator_id else _feature_tables(conn, start, end, channel_id)
    fmt = lambda m: {d: dict(per_day[m].get(d, {})) for d in days}  # noqa: E731
    out = Report(days=days, channels=sorted(chans), msg_in=fmt(R.MSG_IN), msg_out=fmt(R.MSG_OUT),
                 new_clients={d: flat[R.NEW_CLIENT].get(d, 0) for d in days},
                 billed_new={d: flat[R.BILLED_NEW].get(d, 0) for d in days},
                 active_dialogs={d: active.get(d, 0) for d in days},
                 first_response=times(hist[R.FIRST_RESPONSE]), reply=times(hist[R.REPLY]),
                 operators=sorted(ops.values(), key=lambda r: -r["messages"]),
                 bots=bots, mailings=mailings, totals={})
    out.totals = {"in": sum(sum(v.values()) for v in out.msg_in.values()),
                  "out": sum(sum(v.values()) for v in out.msg_out.values()),
                  "new_clients": sum(out.new_clients.values()),
                  "billed_new": sum(out.billed_new.values())}
    return out


def _day_sql(conn, start, end, tz):
    """SQL: the local day (in `tz`) of a rollup's hour, labelled "d": the bucket shifted by
    the zone's offset at that time (a CASE over the offset changes inside [start, end))."""
    segs = _offsets(start, end, tz)
    pg = conn.dialect.name == "postgresql"

    def shifted(minutes: int):
        if pg:
            return literal_column(
                f"CAST((rollup.bucket AT TIME ZONE 'UTC') + interval '{int(minutes)} minutes' AS DATE)")
        return func.date(_T.c.bucket, f"{int(minutes):+d} minutes")

    if len(segs) == 1:
        return shifted(segs[0][1]).label("d")
    return case(*[(_T.c.bucket < segs[i + 1][0], shifted(off)) for i, (_, off) in enumerate(segs[:-1])],
                else_=shifted(segs[-1][1])).label("d")


def _active_dialogs(conn, start, end, tz, conds) -> dict[str, int]:
    """Distinct dialogs with a message per local day, counted by the database."""
    q = (select(_day_sql(conn, start, end, tz), func.count(func.distinct(_T.c.key)))
         .where(_T.c.metric == R.DIALOG_ACTIVE, *conds).group_by(literal_column("d")))
    return {str(d): n for d, n in conn.execute(q)}


def _feature_tables(conn, start, end, channel_id) -> tuple[list[dict], list[dict]]:
    conds = [_T.c.bucket >= start, _T.c.bucket < end]
    got: dict[str, dict[str, dict]] = {"bot": {}, "mailing": {}}
    for metric, key, n in conn.execute(
            select(_T.c.metric, _T.c.key, func.sum(_T.c.n))
            .where(_T.c.metric.in_(R.BOT + R.MAILING), *conds).group_by(_T.c.metric, _T.c.key)):
        group, what = metric.split("_", 1)
        names = R.BOT if group == "bot" else R.MAILING
        row = got[group].setdefault(key, {"key": key, **{m.split("_", 1)[1]: 0 for m in names}})
        row[what] += n
    order = lambda rows: sorted(rows.values(), key=lambda r: (len(r["key"]), r["key"]))  # noqa: E731
    return order(got["bot"]), order(got["mailing"])
