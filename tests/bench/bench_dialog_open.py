"""Benchmark: opening a dialog with a long history (C3) — not collected by pytest.

    .venv/bin/python tests/bench/bench_dialog_open.py [--messages 10000 --runs 300]

Builds a fresh SQLite DATA_DIR (schema by the migrations), one client with a Telegram and a
widget identity and N messages in one dialog (in/out/notes, some with attachments), then
times what opening that dialog asks of the services — dialogs.messages(newest page) +
dialogs.card() + outbox.routes() — and, in the same run, a bare indexed SELECT of the same
rows through sqlite3. Also: the state's formatting of the page (view.message), loading one
older page, and the history search. Prints p50 / p95 and the ratio to the bare query.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.running import fresh_database  # noqa: E402

TEXTS = ["Здравствуйте! Подскажите стоимость доставки?", "Hi! Is the blue jacket still available?",
         "Спасибо, всё получила 👍", "Can I change the delivery address for my order?",
         "Добрый день. Когда будет поступление?", "Do you work on weekends?",
         "Записали вас на пятницу, 18:30 ✅", "We're open on Saturdays from 10 to 16."]


def ts(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def timed(fn, runs: int) -> list[float]:
    fn()  # warm up
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--keep", action="store_true", help="keep the temp DATA_DIR")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-dialog-"))
    fresh_database(tmp)
    from messenger_app import db
    from messenger_app.channels.base import InboundMessage
    from messenger_app.services import auth, channels, dialogs, inbox, outbox, search
    from messenger_app.states import view

    try:
        op = auth.create_operator("op", "password-123", display_name="Olga")
        tg = channels.add_telegram("123456:AAbbccddeeffgghhiijjkkllmmnnoopp", base_url="http://127.0.0.1:9")
        got = inbox.receive(tg.id, "telegram", InboundMessage(
            external_id="42:1", identity_external_id="42", text="hello", first_name="Ann"))
        did, cid = got.dialog_id, got.contact_id
        wch = channels.widget_channel()
        inbox.receive(wch.id, "widget", InboundMessage(
            external_id="w1", identity_external_id="v_bench", text="from the site"))
        # the widget identity joins the same client (as a merge would) for two routes
        with sqlite3.connect(tmp / "messenger.db") as con:
            con.execute("UPDATE channelidentity SET contact_id = ? WHERE external_id = 'v_bench'", (cid,))
            con.execute("DELETE FROM message WHERE external_id = 'w1'")
            ident_tg = con.execute("SELECT id FROM channelidentity WHERE external_id = '42'").fetchone()[0]

        rnd = random.Random(7)
        start = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
        rows = []
        for i in range(args.messages):
            at = start + timedelta(minutes=7 * i)
            kind = rnd.choices(["in", "out", "note"], [55, 40, 5])[0]
            att = ('[{"kind": "photo", "url": "/files/attachments/2026/01/ab-photo.jpg", '
                   '"file_name": "photo.jpg", "mime_type": "image/jpeg", "file_size": 52311, '
                   '"inline": true, "width": 800, "height": 600}]') if rnd.random() < 0.05 else "[]"
            rows.append((did, cid, ident_tg if kind != "note" else None,
                         tg.id if kind != "note" else None, "telegram" if kind != "note" else "",
                         kind, {"in": "client", "out": "operator", "note": "operator"}[kind],
                         op.id if kind != "in" else None, f"{rnd.choice(TEXTS)} #{i}", att,
                         {"in": "received", "out": "sent", "note": "note"}[kind], "",
                         f"42:{i + 10}" if kind != "note" else None,
                         '[{"status": "queued", "at": "%s"}]' % at.isoformat(), 1, ts(at), ts(at),
                         ts(at)))
        t0 = time.perf_counter()
        with sqlite3.connect(tmp / "messenger.db") as con:
            con.executemany(
                "INSERT INTO message (dialog_id, contact_id, identity_id, channel_id, channel_kind,"
                " direction, sender_kind, operator_id, text, attachments, status, error, external_id,"
                " status_history, attempts, created_at, sent_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            con.execute("ANALYZE")
        print(f"{args.messages} messages in one dialog loaded in {time.perf_counter() - t0:.1f} s "
              f"({tmp})")

        def open_services():
            dialogs.messages(did, limit=dialogs.PAGE + 1)
            dialogs.card(did)
            outbox.routes(did, include_unusable=True)

        def open_with_formatting():
            page = dialogs.messages(did, limit=dialogs.PAGE + 1)
            view.with_day_separators([view.message(m, "Europe/Moscow") for m in page[-dialogs.PAGE:]])
            dialogs.card(did)
            outbox.routes(did, include_unusable=True)

        first_id = dialogs.messages(did, limit=dialogs.PAGE)[0].id

        def older_page():
            dialogs.messages(did, before_id=first_id, limit=dialogs.PAGE + 1)

        raw = sqlite3.connect(tmp / "messenger.db")

        def bare():
            raw.execute("SELECT * FROM message WHERE dialog_id = ? ORDER BY id DESC LIMIT ?",
                        (did, dialogs.PAGE + 1)).fetchall()

        plan = raw.execute("EXPLAIN QUERY PLAN SELECT * FROM message WHERE dialog_id = ? "
                           "ORDER BY id DESC LIMIT 51", (did,)).fetchall()
        print("bare query plan:", "; ".join(r[-1] for r in plan))

        def find():
            search.search("доставки 999", dialog_id=did)

        base = timed(bare, args.runs)
        b50 = pct(base, 50)
        print(f"\n{'what':<58}{'p50 ms':>9}{'p95 ms':>9}{'x bare p50':>12}")
        for label, fn in (("bare indexed SELECT of the newest 51 rows (sqlite3)", None),
                          ("open: dialogs.messages + dialogs.card + outbox.routes", open_services),
                          ("open + the state's formatting (view.message x 50)", open_with_formatting),
                          ("load one older page (dialogs.messages before_id)", older_page),
                          ("search in this dialog (FTS5)", find)):
            samples = base if fn is None else timed(fn, args.runs)
            print(f"{label:<58}{pct(samples, 50):>9.2f}{pct(samples, 95):>9.2f}"
                  f"{pct(samples, 50) / b50:>12.1f}")
        raw.close()
    finally:
        db.reset_engine()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
