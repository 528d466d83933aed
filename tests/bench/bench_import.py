"""Benchmark of the client-base import (not collected by pytest).

    .venv/bin/python tests/bench/bench_import.py --rows 100000

Generates a CSV (phone, first/last name, Tag 1, two CRM fields), imports it with
services/client_import.run() into a fresh SQLite DATA_DIR, and, as a baseline, times a bare
sqlite3 `executemany` of the same rows into a bare table (same pragmas) in the same run.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.running import fresh_database  # noqa: E402

FIRST = ["Анна", "Иван", "Мария", "Дмитрий", "Olivia", "James", "Елена", "Сергей"]
LAST = ["Иванова", "Петров", "Smith", "Кузнецов", "Garcia", "Попова"]
CITIES = ["Москва", "Казань", "Санкт-Петербург", "Новосибирск", "London"]


def make_rows(n: int, seed: int = 1) -> list[tuple[str, str, str, str, str, str]]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        phone = f"+7 (912) {i // 10000 % 1000:03d}-{i // 100 % 100:02d}-{i % 100:02d}"
        rows.append((phone, rnd.choice(FIRST), rnd.choice(LAST), f"lead{i % 7}",
                     rnd.choice(CITIES), f"{rnd.randint(0, 99999)},{rnd.randint(0, 99):02d}"))
    return rows


def to_csv(rows) -> bytes:
    lines = ["Телефон;Имя;Фамилия;Тег 1;Город;Сумма"]
    lines += [";".join(r) for r in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    fresh_database(tmp / "data")
    from messenger_app import db
    from messenger_app.services import client_import, crm

    crm.create_field("city", "Город", "text")
    crm.create_field("amount", "Сумма", "number")

    rows = make_rows(args.rows)
    data = to_csv(rows)
    print(f"rows: {args.rows}, CSV: {len(data) / 1e6:.1f} MB")

    t0 = time.perf_counter()
    pv = client_import.preview(data, "bench.csv")
    t_preview = time.perf_counter() - t0
    marks: list[tuple[float, int, int]] = []
    t0 = time.perf_counter()
    report = client_import.run(data, "bench.csv", pv.suggested_mapping,
                               on_progress=lambda d, t: marks.append((time.perf_counter(), d, t)))
    t_import = time.perf_counter() - t0
    # the second half of the progress is the write phase: SQLite's write lock is held then
    t_checked = next(m[0] for m in marks if m[1] * 2 >= m[2])
    t_write = t0 + t_import - t_checked
    assert report.created == args.rows and not report.rejected, report.rejected[:5]

    # baseline: the same rows, parsed values, one bare executemany into a bare table
    conn = sqlite3.connect(tmp / "bare.db")
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, phone TEXT, first_name TEXT, "
                 "last_name TEXT, tag1 TEXT, city TEXT, amount TEXT)")
    t0 = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO bare (phone, first_name, last_name, tag1, city, amount) "
                         "VALUES (?, ?, ?, ?, ?, ?)", rows)
    t_bare = time.perf_counter() - t0
    conn.close()

    print(f"preview:           {t_preview * 1000:8.1f} ms")
    print(f"import:            {t_import:8.2f} s   {args.rows / t_import:10.0f} rows/s "
          f"(contacts + dialogs + {2 * args.rows} values)")
    print(f"  of which writing:{t_write:8.2f} s   (the SQLite write lock is held only then)")
    print(f"bare executemany:  {t_bare:8.2f} s   {args.rows / t_bare:10.0f} rows/s")
    print(f"ratio import/bare: {t_import / t_bare:8.1f}x")
    db.reset_engine()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
