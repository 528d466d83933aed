"""X9 speed: the per-day tables kept for the reporting zone (rollup_days) give exactly the figures
of the hourly rollups and of plain SQL over the raw messages; written as things happen they
equal a rebuild, through bot hand-overs, notes, merges and undos, and across a DST change."""

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from messenger_app import db
from messenger_app.services import merge, notes, outbox, rollup_days, stats
from tests.unit.test_stats import (ZONE, _ch, _local_day_sql, _ops, _say, _sql, clock,  # noqa: F401
                                   random_traffic, world)


@pytest.fixture
def day_zone(data_dir, monkeypatch):
    """The day tables kept for the test's reporting zone (UTC+5), as a rebuild leaves them."""
    monkeypatch.setenv("REPORT_TZ", ZONE)
    stats.rebuild()
    with db.engine().connect() as conn:
        assert rollup_days.kept_zone(conn) == ZONE
    return ZONE


def _day_state():
    return (sorted(_sql("SELECT metric, day, channel_id, operator_id, key, n FROM rollupday")),
            sorted(_sql("SELECT day, dialog_id, channel_id, operator_id, n FROM dialogday")))


def _both(first, last, zone, **kw):
    days = stats.report(first, last, zone, by_day=True, **kw)
    hours = stats.report(first, last, zone, by_day=False, **kw)
    return days, hours


def test_a_new_database_keeps_the_day_tables_for_the_server_zone(data_dir):
    with db.engine().connect() as conn:
        assert rollup_days.kept_zone(conn) == stats.server_zone()


def test_day_tables_give_the_figures_of_the_hours_and_of_plain_sql(day_zone, world):
    first, last = date(2026, 11, 10), date(2026, 11, 12)
    assert stats.report(first, last, ZONE) == stats.report(first, last, ZONE, by_day=True)
    variants = [{}, {"channel_id": world["tg"].id}, {"channel_id": world["sms"].id},
                {"operator_id": world["olga"]}, {"operator_id": world["ivan"]},
                {"operator_id": world["olga"], "channel_id": world["tg"].id}]
    for kw in variants:
        days, hours = _both(first, last, ZONE, **kw)
        assert days == hours, kw
    days, _ = _both(first, last, ZONE)
    want_active = dict(_sql(f"SELECT {_local_day_sql('created_at')} d, count(DISTINCT dialog_id) "
                            "FROM message WHERE direction IN ('in','out') GROUP BY d"))
    assert {d: n for d, n in days.active_dialogs.items() if n} == want_active
    rows = _sql(f"SELECT {_local_day_sql('created_at')} d, channel_id, count(*) FROM message "
                "WHERE direction = 'in' GROUP BY d, channel_id")
    want = {}
    for d, ch, n in rows:
        want.setdefault(d, {})[ch] = n
    assert {d: v for d, v in days.msg_in.items() if v} == want
    ops = {o["operator_id"]: o["dialogs"] for o in days.operators}
    assert ops == dict(_sql("SELECT operator_id, count(DISTINCT dialog_id) FROM message WHERE "
                            "direction = 'out' AND operator_id IS NOT NULL GROUP BY operator_id"))
    assert stats.billed(ZONE, today=last) == _billed_by_hours(last)
    written = _day_state()
    stats.rebuild()
    assert _day_state() == written


def _billed_by_hours(today):
    with db.engine().begin() as conn:  # the same figures with the day tables not kept
        conn.execute(text("DELETE FROM statszone"))
    try:
        return stats.billed(ZONE, today=today)
    finally:
        with db.engine().begin() as conn:
            conn.execute(text("INSERT INTO statszone (zone) VALUES (:z)"), {"z": ZONE})


def test_another_zone_reads_the_hours(day_zone, world):
    first, last = date(2026, 11, 10), date(2026, 11, 12)
    auto = stats.report(first, last, "UTC")
    assert auto == stats.report(first, last, "UTC", by_day=False)
    assert sum(auto.msg_in["2026-11-10"].values()) == 3  # all of Nov 10 in UTC


def test_random_traffic_day_tables_equal_a_rebuild_and_the_hours(day_zone, clock):
    tg, sms, ops = random_traffic(random.Random(41), clock, 200, [5, 40, 200, 900, 4000, 20000],
                   cuts=(0.4, 0.65, 0.72, 0.8, 0.87, 0.94))
    assert any(m == rollup_days.ACTIVE for m, *_ in _day_state()[0])
    written = _day_state()
    first, last = date(2026, 11, 10), clock().astimezone(timezone(timedelta(hours=5))).date()
    for kw in ({}, {"channel_id": tg.id}, {"operator_id": ops[0]}, {"operator_id": ops[1], "channel_id": sms.id}):
        days, hours = _both(first, last, ZONE, **kw)
        assert days == hours, kw
    stats.rebuild()
    assert _day_state() == written


def test_a_dst_change_in_the_kept_zone(data_dir, clock, monkeypatch):
    """Europe/Berlin leaves summer time on 2026-10-25 (03:00 CEST -> 02:00 CET): a 25-hour day;
    messages around it land on the same local days by the write path, a rebuild and the hours."""
    zone = "Europe/Berlin"
    monkeypatch.setenv("REPORT_TZ", zone)
    stats.rebuild()
    tg = _ch("telegram")
    olga, _ = _ops()
    clock.at(datetime(2026, 10, 24, 21, 30, tzinfo=timezone.utc))  # 23:30 CEST, Oct 24
    a = _say(tg, "anna")
    for minutes in (45, 60, 120, 60, 1200, 150):  # 00:15 CEST … 23:30 CET (Oct 25) … Oct 26
        clock.tick(minutes=minutes)
        outbox.queue(a.dialog_id, olga, "x") if minutes == 60 else _say(tg, "anna")
    days, hours = _both(date(2026, 10, 24), date(2026, 10, 26), zone)
    assert days == hours
    want = dict(_sql("SELECT date(created_at, CASE WHEN created_at < '2026-10-25 01:00' "
                     "THEN '+2 hours' ELSE '+1 hours' END) d, count(*) FROM message "
                     "WHERE direction = 'in' GROUP BY d"))
    assert {d: sum(v.values()) for d, v in days.msg_in.items() if v} == want
    assert len(want) == 3 and days.active_dialogs == {d: 1 for d in want}
    written = _day_state()
    stats.rebuild()
    assert _day_state() == written


def test_postgres_day_tables_equal_the_hours_and_a_rebuild(postgres, monkeypatch):
    """The same on PostgreSQL: the write path's upserts, the SQL build and the day report."""
    from tests.unit.test_stats import Clock, T0, crm, inbound_batch

    monkeypatch.setenv("REPORT_TZ", ZONE)
    db.migrate()
    stats.rebuild()
    c = Clock(T0)
    for mod in (inbound_batch, outbox, crm, notes, merge):
        monkeypatch.setattr(mod, "utcnow", c, raising=False)
    tg, sms = _ch("telegram"), _ch("sms")
    olga, ivan = _ops()
    a = _say(tg, "anna")
    c.tick(minutes=3)
    outbox.queue(a.dialog_id, olga, "hello")  # 23:53 local
    c.tick(minutes=10)
    b = _say(sms, "boris")  # 00:03 local, the next day
    with db.engine().begin() as conn:
        stats.handed_over(conn, b.dialog_id, c.tick(seconds=30)())
    c.tick(seconds=45)
    outbox.queue(b.dialog_id, ivan, "after the bot")
    log = merge.merge(a.contact_id, b.contact_id)
    c.tick(minutes=5)
    outbox.queue(a.dialog_id, olga, "merged")
    for kw in ({}, {"channel_id": sms.id}, {"operator_id": olga}):
        days, hours = _both(date(2026, 11, 10), date(2026, 11, 12), ZONE, **kw)
        assert days == hours, kw
    days, _ = _both(date(2026, 11, 10), date(2026, 11, 12), ZONE)
    assert days.active_dialogs == {"2026-11-10": 1, "2026-11-11": 1, "2026-11-12": 0}
    merge.undo(log)
    assert _both(date(2026, 11, 10), date(2026, 11, 12), ZONE)[0].active_dialogs["2026-11-11"] == 2
    written = _day_state()
    stats.rebuild()
    assert _day_state() == written
