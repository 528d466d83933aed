"""The rebuild: every metric derived from messages and clients (rollups.OWNED) recomputed from
the tables in one transaction, then the per-day tables for the reporting zone from the hours
(rollup_days.build). Bot and mailing figures stay."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime, timezone

from sqlalchemy import delete

from messenger_app import db
from messenger_app.models import Rollup, StatsZone
from messenger_app.services import rollup_days
from messenger_app.services import rollups as R
from messenger_app.services.stats.zones import server_zone
from messenger_app.services.stats.times import bin_of

_T = Rollup.__table__


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
        conn.execute(delete(StatsZone.__table__))  # the day tables follow at the end (build)
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
        rollup_days.build(conn, server_zone())
    return {"messages": n_msgs, "cells": len(cells), "seconds": round(time.perf_counter() - t0, 2)}
