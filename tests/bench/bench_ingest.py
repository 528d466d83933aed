"""Benchmark of inbound storage (not collected by pytest).

    .venv/bin/python tests/bench/bench_ingest.py [--messages 20000 --clients 2000 --batch 100]

A fresh SQLite DATA_DIR (schema by the migrations), one channel; `--messages` inbound
messages from `--clients` clients (every client's first message creates the client, its
identity and its dialog). Times, in the same run:
  - bare:        one sqlite3 INSERT of a message row + commit, per message (the floor);
  - receive():   services.inbox.receive() one message at a time (a transaction each);
  - receive_many(): the same messages in batches of `--batch` (one transaction a batch);
  - replay:      receive_many() of batches already stored (idempotency: nothing written).
Prints messages/s, CPU ms per message, and each one's ratio to the bare insert, with the
load average (os.getloadavg()) before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.running import fresh_database  # noqa: E402


def fresh_db(tmp: Path, name: str):
    from messenger_app import db

    data = tmp / name
    fresh_database(data)
    from messenger_app.models import Channel

    with db.session() as s:
        ch = Channel(kind="telegram", name="bench", token="1:x")
        s.add(ch)
        s.commit()
        return ch.id, data


def messages(n: int, clients: int, tag: str = ""):
    from messenger_app.channels.base import InboundMessage

    return [InboundMessage(external_id=f"{tag}{i}", identity_external_id=f"u{i % clients}",
                           text=f"Здравствуйте! message {i}", first_name="Anna",
                           last_name="Ivanova", display_name="Anna Ivanova", username="anna")
            for i in range(n)]


def timed(fn) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def bare(data: Path, n: int) -> tuple[float, float]:
    """The floor: a hand-written INSERT of one message row and a commit, per message."""
    from messenger_app import settings

    path = settings.get().database_url.split("///", 1)[1]
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, channel_id INT, external_id TEXT, "
                "text TEXT, created_at TEXT, UNIQUE(channel_id, external_id))")

    def run():
        for i in range(n):
            con.execute("INSERT INTO bare (channel_id, external_id, text, created_at) "
                        "VALUES (?, ?, ?, ?)", (1, str(i), f"message {i}", "2026-01-01"))
            con.commit()

    out = timed(run)
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()
    from messenger_app.services import events, inbox

    events.Bus.send = lambda *a, **k: None  # no tabs listen here: measure the storage alone
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    load_before = os.getloadavg()
    n = args.messages
    try:
        results = {}
        ch, data = fresh_db(tmp, "bare")
        results["bare INSERT + commit"] = bare(data, n)

        ch, _ = fresh_db(tmp, "one")
        msgs = messages(n, args.clients)
        results["receive() one by one"] = timed(lambda: [inbox.receive(ch, "telegram", m) for m in msgs])

        if hasattr(inbox, "receive_many"):
            ch, _ = fresh_db(tmp, "many")
            msgs = messages(n, args.clients)
            b = args.batch
            batches = [msgs[i:i + b] for i in range(0, n, b)]
            results[f"receive_many(), batches of {b}"] = timed(
                lambda: [inbox.receive_many(ch, "telegram", x) for x in batches])
            results[f"receive_many() replay, batches of {b}"] = timed(
                lambda: [inbox.receive_many(ch, "telegram", x) for x in batches])
        load_after = os.getloadavg()
        floor_wall, floor_cpu = results["bare INSERT + commit"]
        print(f"{n} messages from {args.clients} clients, SQLite (WAL), "
              f"load average before {load_before[0]:.2f} after {load_after[0]:.2f} "
              f"({os.cpu_count()} cores)")
        print(f"{'what':42} {'msg/s':>8} {'CPU ms/msg':>11} {'× bare (wall)':>14} {'× bare (CPU)':>13}")
        for name, (wall, cpu) in results.items():
            print(f"{name:42} {n / wall:8.0f} {cpu / n * 1000:11.3f} {wall / floor_wall:14.1f} "
                  f"{cpu / floor_cpu:13.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
