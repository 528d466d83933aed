"""Every figure of /stats for a range of local days: read from the per-day rollups when the
zone is the one they are kept for (rollup_days), else summed from the hourly rollups into the
local days in SQL (any whole-hour zone, no rebuild needed). Both give the same figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, literal_column, select

from messenger_app import db
from messenger_app.models import Rollup, RollupDay
from messenger_app.services import rollup_days
from messenger_app.services import rollups as R
from messenger_app.services.stats.times import Times, times
from messenger_app.services.stats.zones import MAX_DAYS, StatsError, day_bounds, zone_of

_T, _RD = Rollup.__table__, RollupDay.__table__


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
           operator_id: int | None = None, *, by_day: bool | None = None) -> Report:
    """Every figure of /stats for the local days [first_day, last_day] in `zone`; with
    operator_id only that operator's own figures (and nothing team-wide). by_day: read the
    per-day tables (None: when they are kept for `zone`; False: sum the hours)."""
    tz = zone_of(zone)
    if last_day < first_day or (last_day - first_day).days >= MAX_DAYS:
        raise StatsError("bad date range", code="stats_range")
    start, _ = day_bounds(first_day, tz)
    _, end = day_bounds(last_day, tz)
    days = [(first_day + timedelta(days=i)).isoformat() for i in range((last_day - first_day).days + 1)]
    with db.engine().connect() as conn:
        if by_day is None:
            by_day = rollup_days.kept_zone(conn) == zone
        if by_day:
            t = _RD
            rng = [rollup_days.day_range(first_day, last_day)]
            day = _RD.c.day.label("d")
        else:
            t = _T
            rng = [_T.c.bucket >= start, _T.c.bucket < end]
            day = rollup_days.day_sql(conn, start, end, tz)
        conds = rng + ([t.c.channel_id == channel_id] if channel_id else [])
        mine = [t.c.operator_id == operator_id] if operator_id else []
        per_day = {R.MSG_IN: defaultdict(dict), R.MSG_OUT: defaultdict(dict)}
        flat = {R.NEW_CLIENT: defaultdict(int), R.BILLED_NEW: defaultdict(int)}
        chans: set[int] = set()
        wanted = [R.MSG_OUT] if operator_id else [R.MSG_IN, R.MSG_OUT]
        q = (select(t.c.metric, day, t.c.channel_id, func.sum(t.c.n))
             .where(t.c.metric.in_(wanted), *conds, *mine)
             .group_by(t.c.metric, literal_column("d"), t.c.channel_id))
        for metric, d, ch, n in conn.execute(q).all():
            per_day[metric][str(d)][ch] = n
            chans.add(ch)
        if not operator_id:  # clients have no channel: the channel filter does not apply
            for metric, d, n in conn.execute(
                    select(t.c.metric, day, func.sum(t.c.n))
                    .where(t.c.metric.in_((R.NEW_CLIENT, R.BILLED_NEW)), *rng)
                    .group_by(t.c.metric, literal_column("d"))).all():
                flat[metric][str(d)] += n
        if by_day:  # counted per day as things happened (rollup_days)
            active = {str(d): n for d, n in conn.execute(select(_RD.c.day, _RD.c.n).where(
                _RD.c.metric == rollup_days.ACTIVE, *rng, _RD.c.channel_id == (channel_id or 0),
                _RD.c.operator_id == (operator_id or 0), _RD.c.key == "")).all()}
        else:  # distinct dialogs with a message per local day, counted by the database
            active = {str(d): n for d, n in conn.execute(
                select(day, func.count(func.distinct(_T.c.key)))
                .where(_T.c.metric == R.DIALOG_ACTIVE, *conds, *mine).group_by(literal_column("d"))).all()}
        hist = {R.FIRST_RESPONSE: defaultdict(int), R.REPLY: defaultdict(int)}
        op_hist: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for key, op, n in conn.execute(  # per operator (their medians) and, summed, the team's
                select(t.c.key, t.c.operator_id, func.sum(t.c.n))
                .where(t.c.metric == R.FIRST_RESPONSE, *conds, *mine).group_by(t.c.key, t.c.operator_id)).all():
            hist[R.FIRST_RESPONSE][int(key)] += n
            op_hist[op][int(key)] += n
        for key, n in conn.execute(select(t.c.key, func.sum(t.c.n))
                                   .where(t.c.metric == R.REPLY, *conds, *mine).group_by(t.c.key)).all():
            hist[R.REPLY][int(key)] += n
        ops: dict[int, dict] = {}
        for op, n in conn.execute(select(t.c.operator_id, func.sum(t.c.n)).where(
                t.c.metric == R.MSG_OUT, t.c.operator_id > 0, *conds, *mine).group_by(t.c.operator_id)).all():
            ops.setdefault(op, {"operator_id": op, "messages": 0, "dialogs": 0})["messages"] = n
        presence = rollup_days.OPERATOR_DIALOG if by_day else R.DIALOG_ACTIVE
        for op, n in conn.execute(select(t.c.operator_id, func.count(func.distinct(t.c.key))).where(
                t.c.metric == presence, t.c.operator_id > 0, *conds, *mine).group_by(t.c.operator_id)).all():
            ops.setdefault(op, {"operator_id": op, "messages": 0, "dialogs": 0})["dialogs"] = n
        for op, row in ops.items():
            tm = times(op_hist.get(op, {}))
            row["frt_median"], row["frt_count"] = tm.median, tm.count
        bots, mailings = ([], []) if operator_id else _feature_tables(conn, t, rng)
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


def _feature_tables(conn, t, rng) -> tuple[list[dict], list[dict]]:
    got: dict[str, dict[str, dict]] = {"bot": {}, "mailing": {}}
    for metric, key, n in conn.execute(
            select(t.c.metric, t.c.key, func.sum(t.c.n))
            .where(t.c.metric.in_(R.BOT + R.MAILING), *rng).group_by(t.c.metric, t.c.key)).all():
        group, what = metric.split("_", 1)
        names = R.BOT if group == "bot" else R.MAILING
        row = got[group].setdefault(key, {"key": key, **{m.split("_", 1)[1]: 0 for m in names}})
        row[what] += n
    order = lambda rows: sorted(rows.values(), key=lambda r: (len(r["key"]), r["key"]))  # noqa: E731
    return order(got["bot"]), order(got["mailing"])
