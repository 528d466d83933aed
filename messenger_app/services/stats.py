"""Statistics (X9) and billed subscribers (B3), read from the hourly rollups.

Write path (each hook runs inside the transaction of the write it counts):
- inbox._store        -> received(conn, message_ids)     before the contacts' first_message_at is set
- inbox._new_identity -> contact_created(conn, contact_id)
- crm.create_contact / client_import -> contact_created(...) / contacts_created(conn, at, n)
- outbox.queue        -> queued(conn, message_id)        also times a human reply
- merge.merge / undo  -> regroup_start(s, dialogs, contacts) … regroup_end(s, token)
- the bot runtime     -> handed_over(conn, dialog_id, at) (the first response is timed from it)

Response times. Per dialog, in time order (notes never count; bot and mailing messages do
not stop the clock): a client message starts the clock if it is not running; a bot hand-over
(re)starts it and makes the next human reply a *first response* again; a human reply
(sender "operator", no origin) stops a running clock and is recorded as the first response
(the first human answer since the dialog began or since the last hand-over) or as a reply
time. A human message with no client waiting records nothing.

Times are counted in bins (exact seconds under a minute, then 5 s / 15 s / 1 min / 5 min /
15 min / 1 h steps) whose edges include the distribution's edges, so the distribution is
exact and the median / p90 are exact to one bin (≤ 8 % of the value).

Rebuild: `python -m messenger_app.services.stats rebuild` recomputes the metrics derived from
messages and contacts (rollups.OWNED) from the tables; bot and mailing figures stay.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import and_, case, delete, func, insert, literal_column, or_, select

from messenger_app import db
from messenger_app.lib.errors import DomainError
from messenger_app.models import Contact, Dialog, Handover, Message, Rollup
from messenger_app.services import rollups as R

_M, _C, _H, _T, _D = (Message.__table__, Contact.__table__, Handover.__table__,
                      Rollup.__table__, Dialog.__table__)

# -- time bins -------------------------------------------------------------------------------
# (from, step): bins of `step` seconds from `from` up to the next range
_RANGES = ((0, 1), (60, 5), (300, 15), (900, 60), (3600, 300), (14400, 900), (86400, 3600))
DISTRIBUTION = ((0, 60, "lt1m"), (60, 300, "1_5m"), (300, 900, "5_15m"), (900, 3600, "15_60m"),
                (3600, 14400, "1_4h"), (14400, 86400, "4_24h"), (86400, None, "gt24h"))


def bin_of(seconds: float) -> int:
    """The lower edge (seconds) of the bin `seconds` falls in."""
    s = max(0, int(seconds))
    lo, step = _RANGES[0]
    for frm, st in _RANGES:
        if s >= frm:
            lo, step = frm, st
    return lo + (s - lo) // step * step


def bin_width(lower: int) -> int:
    step = 1
    for frm, st in _RANGES:
        if lower >= frm:
            step = st
    return step


@dataclass
class Times:
    """Response times from a histogram {bin lower edge: count}."""
    count: int = 0
    median: float | None = None  # seconds (the bin's middle; exact under a minute)
    p90: float | None = None
    median_bin: tuple[int, int] | None = None  # [lower, upper) seconds
    p90_bin: tuple[int, int] | None = None
    buckets: dict[str, int] = field(default_factory=dict)


def times(hist: dict[int, int]) -> Times:
    out = Times(buckets={name: 0 for _, _, name in DISTRIBUTION})
    total = sum(hist.values())
    out.count = total
    for lower, n in hist.items():
        for a, b, name in DISTRIBUTION:
            if lower >= a and (b is None or lower < b):
                out.buckets[name] += n
    if not total:
        return out
    bins = sorted(hist.items())

    def rank(p: float):
        need, acc = max(1, math.ceil(p * total)), 0  # nearest rank
        for lower, n in bins:
            acc += n
            if acc >= need:
                w = bin_width(lower)
                return (lower + (w / 2 if w > 1 else 0)), (lower, lower + w)
        return None, None

    out.median, out.median_bin = rank(0.5)
    out.p90, out.p90_bin = rank(0.9)
    return out


# -- write-path hooks --------------------------------------------------------------------------
def _is_human(sender_kind: str, origin_kind: str | None) -> bool:
    return sender_kind == "operator" and not origin_kind


def _out_key(sender_kind: str, origin_kind: str | None) -> str:
    return origin_kind or sender_kind or "operator"


def received(conn, message_ids: list[int]) -> None:
    """inbox: new inbound messages (call before the clients' first_message_at is set)."""
    if not message_ids:
        return
    rows = conn.execute(select(_M.c.dialog_id, _M.c.contact_id, _M.c.channel_id, _M.c.created_at)
                        .where(_M.c.id.in_(message_ids))).all()
    cells = R.counter()
    firsts: dict[int, datetime] = {}
    for r in rows:
        cells[R.cell(R.MSG_IN, r.created_at, r.channel_id)] += 1
        cells[R.cell(R.DIALOG_ACTIVE, r.created_at, r.channel_id, 0, r.dialog_id)] += 1
        if r.contact_id not in firsts or r.created_at < firsts[r.contact_id]:
            firsts[r.contact_id] = r.created_at
    unbilled = conn.execute(select(_C.c.id).where(_C.c.id.in_(list(firsts)),
                                                  _C.c.first_message_at.is_(None))).scalars()
    for cid in unbilled:
        cells[R.cell(R.BILLED_NEW, firsts[cid])] += 1
    R.add(conn, cells)


def contact_created(conn, contact_id: int) -> None:
    """A new client (inbox, New dialog): counted on its subscription date."""
    at = conn.execute(select(_C.c.created_at).where(_C.c.id == contact_id)).scalar()
    if at is not None:
        R.record(conn, R.NEW_CLIENT, at)


def contacts_created(conn, at: datetime, n: int) -> None:
    """An import created `n` clients with subscription date `at`."""
    if n:
        R.record(conn, R.NEW_CLIENT, at, n=n)


def queued(conn, message_id: int) -> None:
    """outbox: a new outbound message; a human reply is also timed (first response / reply)."""
    m = conn.execute(select(_M).where(_M.c.id == message_id)).first()
    if m is None or m.direction != "out":
        return
    human = _is_human(m.sender_kind, m.origin_kind)
    op = m.operator_id if human else 0
    cells = R.counter()
    cells[R.cell(R.MSG_OUT, m.created_at, m.channel_id, op, _out_key(m.sender_kind, m.origin_kind))] += 1
    cells[R.cell(R.DIALOG_ACTIVE, m.created_at, m.channel_id, op, m.dialog_id)] += 1
    if human:
        timed = _waiting(conn, m.dialog_id, m.id, m.created_at)
        if timed is not None:
            since, first = timed
            secs = (m.created_at - since).total_seconds()
            cells[R.cell(R.FIRST_RESPONSE if first else R.REPLY, m.created_at, m.channel_id, op,
                         bin_of(secs))] += 1
    R.add(conn, cells)


def _before(mid: int, at: datetime):
    return or_(_M.c.created_at < at, and_(_M.c.created_at == at, _M.c.id < mid))


def _waiting(conn, dialog_id: int, mid: int, at: datetime) -> tuple[datetime, bool] | None:
    """(since when a client waits, is this the first response) for a human reply at `at`;
    None when nobody waits. The same rules as _timeline(), by queries."""
    human = and_(_M.c.dialog_id == dialog_id, _M.c.direction == "out",
                 _M.c.sender_kind == "operator", or_(_M.c.origin_kind == "", _M.c.origin_kind.is_(None)),
                 _before(mid, at))
    h = conn.execute(select(_M.c.id, _M.c.created_at).where(human)
                     .order_by(_M.c.created_at.desc(), _M.c.id.desc()).limit(1)).first()
    ho = conn.execute(select(func.max(_H.c.at)).where(_H.c.dialog_id == dialog_id, _H.c.at < at)).scalar()
    if ho is not None and (h is None or ho >= h.created_at):
        return ho, True
    inbound = and_(_M.c.dialog_id == dialog_id, _M.c.direction == "in", _before(mid, at))
    after = inbound if h is None else and_(inbound, or_(
        _M.c.created_at > h.created_at, and_(_M.c.created_at == h.created_at, _M.c.id > h.id)))
    first_in = conn.execute(select(_M.c.created_at).where(after)
                            .order_by(_M.c.created_at, _M.c.id).limit(1)).scalar()
    if first_in is None:
        return None
    if ho is not None:
        return first_in, False
    earlier = h is not None and conn.execute(select(_M.c.id).where(
        inbound, or_(_M.c.created_at < h.created_at,
                     and_(_M.c.created_at == h.created_at, _M.c.id < h.id))).limit(1)).first()
    return first_in, not earlier


def handed_over(conn, dialog_id: int, at: datetime) -> None:
    """The bot handed `dialog_id` to an operator at `at` (call in the hand-over's transaction):
    the next human reply is a first response timed from `at`. Count the hand-over itself per
    scenario with rollups.record(conn, "bot_handover", at, key=scenario_id)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    conn.execute(insert(_H).values(dialog_id=dialog_id, home_dialog_id=dialog_id, at=at))


# -- what a dialog / a client contributes (rebuild, merge, undo) -------------------------------
def _timeline(msgs: list, handovers: list[datetime], cells) -> None:
    """Add one dialog's contributions: msgs sorted by (created_at, id)."""
    events = [(m.created_at, 0, m.id, m) for m in msgs] + [(t, 1, 0, None) for t in handovers]
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    since, first = None, True
    for at, kind, _, m in events:
        if kind == 1:
            since, first = at, True
            continue
        if m.direction == "in":
            cells[R.cell(R.MSG_IN, at, m.channel_id)] += 1
            cells[R.cell(R.DIALOG_ACTIVE, at, m.channel_id, 0, m.dialog_id)] += 1
            if since is None:
                since = at
            continue
        human = _is_human(m.sender_kind, m.origin_kind)
        op = m.operator_id if human else 0
        cells[R.cell(R.MSG_OUT, at, m.channel_id, op, _out_key(m.sender_kind, m.origin_kind))] += 1
        cells[R.cell(R.DIALOG_ACTIVE, at, m.channel_id, op, m.dialog_id)] += 1
        if human and since is not None:
            metric = R.FIRST_RESPONSE if first else R.REPLY
            cells[R.cell(metric, at, m.channel_id, op, bin_of((at - since).total_seconds()))] += 1
            since, first = None, False


_MSG_COLS = (_M.c.id, _M.c.dialog_id, _M.c.channel_id, _M.c.direction, _M.c.sender_kind,
             _M.c.origin_kind, _M.c.operator_id, _M.c.created_at)


def _dialog_cells(conn, dialog_ids: list[int], cells) -> None:
    ids = [d for d in dialog_ids if d is not None]
    if not ids:
        return
    msgs = defaultdict(list)
    for m in conn.execute(select(*_MSG_COLS).where(_M.c.dialog_id.in_(ids),
                                                   _M.c.direction.in_(("in", "out")))):
        msgs[m.dialog_id].append(m)
    hos = defaultdict(list)
    for d, at in conn.execute(select(_H.c.dialog_id, _H.c.at).where(_H.c.dialog_id.in_(ids))):
        hos[d].append(at)
    for d in ids:
        _timeline(msgs.get(d, []), hos.get(d, []), cells)


def _contact_cells(conn, contact_ids: list[int], cells) -> None:
    ids = [c for c in contact_ids if c is not None]
    for created, first in conn.execute(select(_C.c.created_at, _C.c.first_message_at)
                                       .where(_C.c.id.in_(ids))):
        cells[R.cell(R.NEW_CLIENT, created)] += 1
        if first is not None:
            cells[R.cell(R.BILLED_NEW, first)] += 1


def regroup_start(s, dialog_ids: list[int], contact_ids: list[int]) -> dict:
    """Before a merge or its undo moves messages between dialogs: what those dialogs and
    clients count now (taken back by regroup_end)."""
    conn = s.connection()
    cells = R.counter()
    _dialog_cells(conn, dialog_ids, cells)
    _contact_cells(conn, contact_ids, cells)
    return {"dialogs": list(dialog_ids), "contacts": list(contact_ids), "cells": dict(cells)}


def regroup_end(s, token: dict) -> None:
    """After the move (same transaction): hand-overs follow their messages, and the counts
    become what the dialogs and clients count now — merged clients once, an undone merge
    twice again."""
    s.flush()
    conn = s.connection()
    ids = token["dialogs"]
    alive = set(conn.execute(select(_D.c.id).where(_D.c.id.in_(ids))).scalars())
    for d in ids:
        if d in alive:  # an undo: its own hand-overs come home
            conn.execute(_H.update().where(_H.c.home_dialog_id == d, _H.c.dialog_id.in_(ids))
                         .values(dialog_id=d))
        elif alive:  # merged away: into the dialog that stays
            conn.execute(_H.update().where(_H.c.dialog_id == d).values(dialog_id=min(alive)))
    cells = R.counter()
    _dialog_cells(conn, [d for d in ids if d in alive], cells)
    _contact_cells(conn, token["contacts"], cells)
    R.merge_cells(cells, token["cells"].items(), -1)
    R.add(conn, {c: n for c, n in cells.items() if n})
    conn.execute(delete(_T).where(_T.c.n == 0, _T.c.metric.in_(R.OWNED)))


# -- rebuild ---------------------------------------------------------------------------------
def _hour_sql(pg: bool, col: str) -> str:
    """SQL: the UTC hour of a stored time, in the form the rollup's bucket column holds."""
    if pg:
        return f"(date_trunc('hour', {col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    return f"strftime('%Y-%m-%d %H:00:00.000000', {col})"


_HUMAN_SQL = ("m.direction = 'out' AND m.sender_kind = 'operator' "
              "AND coalesce(m.origin_kind, '') = ''")


def _count_sql(pg: bool) -> list[str]:
    """INSERT … SELECT statements that count the additive metrics straight from the tables."""
    h = _hour_sql(pg, "m.created_at")
    op = f"CASE WHEN {_HUMAN_SQL} THEN coalesce(m.operator_id, 0) ELSE 0 END"
    key = ("CASE WHEN coalesce(m.origin_kind, '') != '' THEN m.origin_kind "
           "WHEN coalesce(m.sender_kind, '') != '' THEN m.sender_kind ELSE 'operator' END")
    ins = "INSERT INTO rollup (metric, bucket, channel_id, operator_id, key, n) "
    return [
        ins + f"SELECT 'msg_in', {h}, coalesce(m.channel_id, 0), 0, '', count(*) FROM message m "
              f"WHERE m.direction = 'in' GROUP BY 2, 3",
        ins + f"SELECT 'msg_out', {h}, coalesce(m.channel_id, 0), {op}, {key}, count(*) FROM message m "
              f"WHERE m.direction = 'out' GROUP BY 2, 3, 4, 5",
        ins + f"SELECT 'dialog_active', {h}, coalesce(m.channel_id, 0), {op}, CAST(m.dialog_id AS TEXT), "
              f"count(*) FROM message m WHERE m.direction IN ('in', 'out') GROUP BY 2, 3, 4, 5",
        ins + f"SELECT 'new_client', {_hour_sql(pg, 'c.created_at')}, 0, 0, '', count(*) FROM contact c "
              f"GROUP BY 2",
        ins + f"SELECT 'billed_new', {_hour_sql(pg, 'c.first_message_at')}, 0, 0, '', count(*) "
              f"FROM contact c WHERE c.first_message_at IS NOT NULL GROUP BY 2",
    ]


def _as_time(v) -> datetime:
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v if v.tzinfo else v.replace(tzinfo=timezone.utc)


def rebuild(progress=None) -> dict:
    """Recompute every metric derived from messages and clients, in one transaction: the
    counts by INSERT … SELECT in the database, the response times by one pass over the
    client messages and human replies in dialog order (the rules of _timeline)."""
    t0 = time.perf_counter()
    cells = R.counter()
    n_msgs = 0
    with db.engine().begin() as conn:
        pg = conn.dialect.name == "postgresql"
        conn.execute(delete(_T).where(_T.c.metric.in_(R.OWNED)))
        for sql in _count_sql(pg):
            conn.exec_driver_sql(sql)
        hos = defaultdict(list)
        for d, at in conn.exec_driver_sql("SELECT dialog_id, at FROM handover"):
            hos[d].append(at)
        # raw rows (SQLite: time strings, which sort like the times); parsed only when timed
        rows = conn.exec_driver_sql(
            "SELECT m.dialog_id, m.created_at, m.id, m.direction, m.channel_id, m.operator_id "
            "FROM message m WHERE m.direction = 'in' OR (" + _HUMAN_SQL + ") "
            "ORDER BY m.dialog_id, m.created_at, m.id")
        cur, since, first, pending = None, None, True, []
        for dialog_id, at, _id, direction, channel_id, operator_id in rows:
            n_msgs += 1
            if dialog_id != cur:
                cur, since, first = dialog_id, None, True
                pending = sorted(hos.get(dialog_id, ()), reverse=True)
            while pending and pending[-1] < at:  # hand-overs before this message
                since, first = pending.pop(), True
            if direction == "in":
                if since is None:
                    since = at
                continue
            if since is not None:
                t = _as_time(at)
                secs = (t - _as_time(since)).total_seconds()
                cells[(R.FIRST_RESPONSE if first else R.REPLY, R.hour(t), channel_id or 0,
                       operator_id or 0, str(bin_of(secs)))] += 1
                since, first = None, False
        R.add(conn, cells)
    return {"messages": n_msgs, "cells": len(cells), "seconds": round(time.perf_counter() - t0, 2)}


# -- reporting zone ----------------------------------------------------------------------------
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


# -- the report --------------------------------------------------------------------------------
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


def _offsets(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, int]]:
    """[(from, utc offset in minutes)] segments of constant offset covering [start, end)."""
    segs, t = [], start
    while t < end:
        off = int(t.astimezone(tz).utcoffset().total_seconds() // 60)
        if not segs or segs[-1][1] != off:
            segs.append((t, off))
        t += timedelta(hours=1)
    return segs


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


# -- billed subscribers (B3) -------------------------------------------------------------------
def billed(zone: str, months: int = 12, today: date | None = None) -> dict:
    """Billed subscribers now, and per month (new that month, total at its end) for the last
    `months` months in `zone`; one query: the hours summed between local month starts."""
    tz = zone_of(zone)
    today = today or datetime.now(tz).date()
    keys, y, m = [], today.year, today.month
    for _ in range(max(1, min(months, 120))):
        keys.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    keys.reverse()  # oldest first
    starts = [datetime(y, m, 1, tzinfo=tz).astimezone(timezone.utc) for y, m in keys]
    label = case(*[(_T.c.bucket < t, i) for i, t in enumerate(starts)], else_=len(starts)).label("i")
    got = {}
    with db.engine().connect() as conn:
        for i, n in conn.execute(select(label, func.sum(_T.c.n)).where(_T.c.metric == R.BILLED_NEW)
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


def main(argv: list[str]) -> int:
    if argv[:1] != ["rebuild"]:
        print("usage: python -m messenger_app.services.stats rebuild", file=sys.stderr)
        return 2
    db.migrate()
    print(rebuild())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
