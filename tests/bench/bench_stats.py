"""Benchmark of the statistics (X9) on a big client base (not collected by pytest).

    .venv/bin/python tests/bench/bench_stats.py [--clients 100000 --messages 1000000]
        [--cache /tmp/bench-stats]   # load once, reuse the database on later runs

Loads a fresh SQLite DATA_DIR with the left-panel benchmark's bulk loader (100k clients over
two years, 1M messages, 60 % inbound, the rest from operators or the bot; 5 operators and some
bot hand-overs added), then times:
- the full rebuild (`stats.rebuild()`: every message read once in dialog order, the hourly
  rollups rewritten, then the per-day tables for REPORT_TZ = Europe/Moscow) against a bare
  sqlite3 read of the same columns in the same order;
- the /stats page's server work for the last 30 days (everything the page shows: report,
  names, chart rows, links, billed subscribers) in Moscow time (the day tables), for all
  channels, for one channel and for one operator, and in a zone without day tables (the
  hourly path), against the same SQL statements sent by hand through sqlite3 (the bare
  database work; the ratio is what the app adds: SQLAlchemy, Python, names, links).
  No result cache exists: every call is the whole computation of a cold request.
Prints p50 / p95, the ratios, and the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from bench_left_panel import NOW, load, pct, ts  # noqa: E402
from sqlalchemy import event  # noqa: E402


def timed(fn, runs: int, cpu: list | None = None) -> list[float]:
    """Wall-clock ms per call; with `cpu`, this process's CPU ms per call are appended there
    (less bent by other processes on a shared machine than the wall clock)."""
    out = []
    for _ in range(runs):
        c, t = time.process_time(), time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--page-only", action="store_true", help="with --cache: time only the page "
                    "(the database as the last run's rebuild left it)")
    ap.add_argument("--cache", default="", help="a directory kept between runs: the generated "
                    "database is loaded there once and reused (migrated to the current schema)")
    args = ap.parse_args()

    tmp = Path(args.cache) if args.cache else Path(tempfile.mkdtemp(prefix="bench-stats-"))
    os.environ["DATA_DIR"] = str(tmp / "data")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("ADMIN_PASSWORD", "bench-pass-123")
    os.environ["REPORT_TZ"] = "Europe/Moscow"  # the server's reporting zone: the day tables

    from messenger_app import db, settings

    done = tmp / f"loaded-{args.clients}-{args.messages}-{args.seed}"
    if not done.exists():  # nothing (complete) to reuse: load from scratch
        shutil.rmtree(tmp / "data", ignore_errors=True)
        for old in tmp.glob("loaded-*"):
            old.unlink()
    settings.reset()
    db.reset_engine()
    path = Path(os.environ["DATA_DIR"]) / "messenger.db"
    db.migrate()
    db.reset_engine()
    if done.exists():
        print(f"reusing the database in {tmp} (loaded earlier; migrated to the current schema)")
    else:
        load_data(path, args)
        done.write_text("ok")
    run(path, args)


def load_data(path: Path, args) -> None:
    t0 = time.perf_counter()
    info = load(path, args.clients, args.messages, args.seed)
    con = sqlite3.connect(path)
    rnd = random.Random(args.seed + 7)
    con.executemany("INSERT INTO operator (id, username, display_name, password_hash, role, "
                    "active, created_at) VALUES (?, ?, ?, 'x', 'operator', 1, ?)",
                    [(i, f"op{i}", f"Operator {i}", ts(NOW)) for i in range(2, 7)])
    con.execute("UPDATE message SET operator_id = 2 + id % 5 WHERE sender_kind = 'operator'")
    hand = rnd.sample(range(1, args.clients + 1), max(1, args.clients // 50))
    con.executemany("INSERT INTO handover (dialog_id, home_dialog_id, at) VALUES (?, ?, ?)",
                    [(d, d, ts(NOW - timedelta(seconds=rnd.randint(0, 60 * 86400)))) for d in hand])
    con.commit()
    con.close()
    print(f"loaded in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(f"{k} {v:,}" for k, v in info.items() if not k.endswith("_s")))


def rebuild_timed(bare) -> None:
    from messenger_app.services import stats

    t = time.perf_counter()
    n = 0
    for _ in bare.execute("SELECT id, dialog_id, channel_id, direction, sender_kind, origin_kind, "
                          "operator_id, created_at FROM message WHERE direction IN ('in','out') "
                          "ORDER BY dialog_id, created_at, id"):
        n += 1
    bare_read = time.perf_counter() - t
    cpu = time.process_time()
    got = stats.rebuild()  # the day tables for REPORT_TZ included
    cpu = time.process_time() - cpu
    rollups = bare.execute("SELECT count(*) FROM rollup").fetchone()[0]
    print(f"\nrebuild: {got['seconds']:.1f} s for {got['messages']:,} messages -> {rollups:,} "
          f"rollup rows (target < 60 s); bare read of the same rows in the same order "
          f"{bare_read:.1f} s; ratio {got['seconds'] / bare_read:.1f}x; CPU {cpu:.1f} s")
    bare.execute("ANALYZE")


def run(path: Path, args) -> None:
    from messenger_app import db
    from messenger_app.services import stats, stats_view

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    # -- rebuild -------------------------------------------------------------------------
    bare = sqlite3.connect(path)
    if args.page_only and args.cache:
        print("rebuild: not run (--page-only)")
    else:
        rebuild_timed(bare)

    # -- the page ------------------------------------------------------------------------
    # every call is the real computation of a cold request: the page has no result cache
    # (the connection pool and SQLite's page cache are warm, as in a running server)
    zone = os.environ["REPORT_TZ"]
    other = "Asia/Yekaterinburg"  # a zone the day tables are not kept for: the hourly path
    last = NOW.date()
    first = last - timedelta(days=29)
    start, _ = stats.day_bounds(first, stats.zone_of(zone))
    _, end = stats.day_bounds(last, stats.zone_of(zone))
    s_, e_ = ts(start), ts(end)
    cases = {
        "30 days, all channels": dict(zone=zone, channel_id=None, operator_id=None),
        "30 days, one channel": dict(zone=zone, channel_id=1, operator_id=None),
        "30 days, one operator": dict(zone=zone, channel_id=None, operator_id=3),
        "30 d, other zone (hours)": dict(zone=other, channel_id=None, operator_id=None),
    }

    def page(kw):
        stats_view.view(first, last, kw["zone"], kw["channel_id"], kw["operator_id"], "en")
        if kw["operator_id"] is None:
            stats.billed(kw["zone"])

    def same_queries(kw) -> list:
        """The SQL statements (with their parameters) one page computation sends."""
        got = []

        def grab(conn, cursor, statement, parameters, context, executemany):
            got.append((statement, parameters))

        event.listen(db.engine(), "before_cursor_execute", grab)
        try:
            page(kw)
        finally:
            event.remove(db.engine(), "before_cursor_execute", grab)
        return got

    for _ in range(3):
        for kw in cases.values():
            page(kw)
    print(f"\npage server time (stats_view.view + stats.billed), {args.runs} runs each, zone {zone} "
          f"(day tables kept for it); bare = the same SQL statements sent by hand through sqlite3\n"
          f"{'view':<26} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'CPU p95':>8} {'queries':>8} "
          f"{'bare p50':>9} {'ratio':>7}")
    for name, kw in cases.items():
        sql = same_queries(kw)

        def bare_page():
            for statement, params in sql:
                bare.execute(statement, params).fetchall()

        b = timed(bare_page, args.runs)
        cpu: list[float] = []
        samples = timed(lambda: page(kw), args.runs, cpu)
        print(f"{name:<26} {pct(samples, 50):8.1f} {pct(samples, 95):8.1f} {pct(cpu, 50):8.1f} "
              f"{pct(cpu, 95):8.1f} {len(sql):8d} "
              f"{pct(b, 50):9.2f} {pct(samples, 50) / pct(b, 50):6.1f}x")
    rows30 = bare.execute("SELECT count(*) FROM rollup WHERE bucket >= ? AND bucket < ?",
                          (s_, e_)).fetchone()[0]
    msgs30 = bare.execute("SELECT count(*) FROM message WHERE created_at >= ? AND created_at < ?",
                          (s_, e_)).fetchone()[0]
    print(f"(the 30 days hold {msgs30:,} messages and {rows30:,} rollup rows; target p95 < 50 ms)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
