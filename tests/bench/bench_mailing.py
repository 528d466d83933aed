"""Benchmark of a mailing to a big client base (B2) on SQLite (not collected by pytest).

    .venv/bin/python tests/bench/bench_mailing.py [--clients 100000 --seconds 30]

1. Loads a fresh DATA_DIR (schema by the migrations): N clients, each with a dialog and a
   Telegram account, bulk-inserted with sqlite3.
2. Fixes the recipients (mailings.start -> one INSERT ... SELECT with route and skip reason)
   and, as the bare baseline in the same database, a plain INSERT ... SELECT of the contact ids
   into a scratch table.
3. Runs the real workers (feeder -> outbox -> Telegram send lane -> adapter -> the fake Bot API
   server) for a bounded time and counts what the fake received: the send rate against the
   30 messages a second Telegram allows a bot (the lane's token bucket), the process's RSS
   growth during the run, and the inbox list's first page p95 read in another thread while
   the mailing runs, against the same reads before it started.
Prints each figure with its ratio and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.running import fresh_database  # noqa: E402

TOKEN = "123456:AAbbccddeeffgghhiijjkkllmmnnoopp_qq"
RATE = 30.0  # Telegram's bulk limit for one bot: what the lane paces to


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def ts(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def load(path: Path, n: int, channel_id: int) -> None:
    con = sqlite3.connect(path)
    now = ts(datetime.now(timezone.utc))
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO contact (id, first_name, last_name, phone, phone_raw, phone_digits, avatar,"
        " blacklisted, created_at, tag1, tag2) VALUES (?, ?, '', '', '', '', '', ?, ?, '', '')",
        ((i, f"Client{i}", 1 if i % 50 == 0 else 0, now) for i in range(1, n + 1)))
    con.executemany(
        "INSERT INTO dialog (id, contact_id, activity_at, last_message_at, last_preview,"
        " last_channel_kind, last_direction, unread_count, bot_paused, created_at)"
        " VALUES (?, ?, ?, ?, 'hello', 'telegram', 'in', 0, 0, ?)",
        ((i, i, now, now, now) for i in range(1, n + 1)))
    con.executemany(
        "INSERT INTO channelidentity (id, contact_id, channel_id, external_id, display_name,"
        " username, avatar, reachable, unreachable_reason, created_at, last_inbound_at)"
        " VALUES (?, ?, ?, ?, '', '', '', 1, '', ?, ?)",
        ((i, i, channel_id, str(i), now, now) for i in range(1, n + 1)))
    con.commit()
    con.execute("ANALYZE")
    con.close()


def bare_insert(path: Path) -> float:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, contact_id INTEGER, dialog_id INTEGER)")
    t = time.perf_counter()
    con.execute("INSERT INTO scratch (contact_id, dialog_id) SELECT c.id, d.id FROM dialog d"
                " JOIN contact c ON c.id = d.contact_id WHERE c.blacklisted = 0")
    con.commit()
    took = time.perf_counter() - t
    con.execute("DROP TABLE scratch")
    con.commit()
    con.close()
    return took


def lane_only(fake, n: int) -> float:
    """The baseline for the send rate: n messages queued up front (no feeder), drained by the
    same send lane to the same fake; messages a second from the first to the last send."""
    from messenger_app import workers
    from messenger_app.services import outbox

    for i in range(1, n + 1):
        outbox.queue(i, None, f"baseline {i}")

    async def run() -> float:
        w = workers.Workers()
        await w.sync_channels()
        try:
            while len(fake.state.sent) < 1:
                await asyncio.sleep(0.01)
            t0, n0 = time.perf_counter(), len(fake.state.sent)
            while len(fake.state.sent) < n:
                await asyncio.sleep(0.05)
            return (len(fake.state.sent) - n0) / (time.perf_counter() - t0)
        finally:
            await w.stop()

    rate = asyncio.run(run())
    fake.state.sent.clear()
    return rate


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[18] if len(xs) >= 20 else max(xs)


def list_reads(stop: threading.Event, out: list[float], pause: float = 0.05) -> None:
    from messenger_app.services import dialog_list

    while not stop.is_set():
        t = time.perf_counter()
        dialog_list.list_page()
        out.append((time.perf_counter() - t) * 1000)
        time.sleep(pause)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-mailing-"))
    fresh_database(tmp / "data")
    from messenger_app import workers
    from messenger_app.services import channels, filters, mailing_report, mailings
    from tests.fakes.telegram_server import FakeTelegramServer

    fake = FakeTelegramServer(token=TOKEN)
    fake.__enter__()
    try:
        ch = channels.add_telegram(TOKEN, base_url=fake.url)
        db_path = tmp / "data" / "messenger.db"
        if not db_path.exists():
            db_path = next((tmp / "data").glob("*.db"))
        load(db_path, args.clients, ch.id)
        budget = int(args.seconds * RATE * 1.5) + 500
        for i in range(1, budget + 1):  # the fake knows the chats the bounded run can reach
            fake.state.register_user(i, f"Client{i}")

        bare = bare_insert(db_path)
        lane_rate = lane_only(fake, min(300, args.clients))
        mid = mailings.create("Bench", filters.empty(), "Hello {first_name}", channel_id=ch.id)
        rss0 = rss_mb()
        t = time.perf_counter()
        mailings.start(mid)
        fix = time.perf_counter() - t
        counts = mailing_report.counts(mid)

        idle: list[float] = []
        stop = threading.Event()
        th = threading.Thread(target=list_reads, args=(stop, idle))
        th.start()
        time.sleep(min(10.0, args.seconds / 2))
        stop.set()
        th.join()

        busy: list[float] = []

        async def run() -> tuple[int, float, float]:
            w = workers.Workers()
            await w.sync_channels()
            stop2 = threading.Event()
            reader = threading.Thread(target=list_reads, args=(stop2, busy))
            peak = rss_mb()
            try:
                # the lane's first message opens the measured window (start-up excluded)
                while not fake.state.sent:
                    await asyncio.sleep(0.01)
                n0, t0 = len(fake.state.sent), time.perf_counter()
                reader.start()
                while time.perf_counter() - t0 < args.seconds:
                    await asyncio.sleep(0.5)
                    peak = max(peak, rss_mb())
                n1, t1 = len(fake.state.sent), time.perf_counter()
            finally:
                stop2.set()
                if reader.is_alive():
                    reader.join()
                await w.stop()
            return n1 - n0, t1 - t0, peak

        sent, secs, peak = asyncio.run(run())
        rate = sent / secs
        load1, load5, _ = os.getloadavg()
        print(f"clients: {args.clients}, recipients fixed: {counts['total']} "
              f"({counts['skipped']} skipped: blacklisted every 50th)")
        print(f"fix recipients: {fix:.2f} s (target < 5 s); bare INSERT ... SELECT of the ids: "
              f"{bare:.2f} s; ratio {fix / bare:.1f}x")
        print(f"send rate over {secs:.0f} s: {rate:.1f} msg/s against {RATE:.0f}/s allowed: "
              f"{100 * rate / RATE:.1f} % (target >= 95 %); the same lane draining rows queued "
              f"up front (no feeder), same run: {lane_rate:.1f} msg/s; ratio {rate / lane_rate:.2f}")
        print(f"RSS: {rss0:.0f} MB before start, peak {peak:.0f} MB during the run: "
              f"growth {peak - rss0:.1f} MB (target < 100 MB)")
        print(f"inbox list first page p95: {p95(idle):.1f} ms without the mailing ({len(idle)} reads), "
              f"{p95(busy):.1f} ms while it runs ({len(busy)} reads): ratio "
              f"{p95(busy) / p95(idle):.2f}x (target within 2x)")
        print(f"load average: {load1:.2f} (1 min), {load5:.2f} (5 min); cores: {os.cpu_count()}")
    finally:
        fake.__exit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
