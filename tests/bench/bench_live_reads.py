"""What a live update reads once per event batch for every tab (not collected by pytest).

    .venv/bin/python tests/bench/bench_live_reads.py [--dialogs 2000 --runs 500]

A fresh SQLite DATA_DIR (migrated) with `--dialogs` clients of one message each, then, per
run, for one changed dialog: its list row (dialog_list.rows), the folder list with unread
counters (states/inbox_live.read_folders), whether it rings (push.ringing), and the open
dialog's newest page (dialogs.messages, 51). The floor: a bare sqlite3 SELECT of that
dialog's row by primary key on the same database file. Prints CPU p50 per read, the ratio
to the floor and the load average.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_ingest import fresh_db, messages  # noqa: E402


def p50(fn, runs: int, arg) -> float:
    out = []
    for i in range(runs):
        c = time.process_time()
        fn(arg(i))
        out.append(time.process_time() - c)
    return statistics.median(out) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dialogs", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=500)
    args = ap.parse_args()
    load = os.getloadavg()
    cid, _ = fresh_db(Path(tempfile.mkdtemp(prefix="bench-live-reads-")), "d")
    from sqlmodel import select

    from messenger_app import db, settings
    from messenger_app.models import Dialog
    from messenger_app.services import dialog_list, dialogs, inbox, push
    from messenger_app.states import inbox_live

    inbox.receive_many(cid, "telegram", messages(args.dialogs * 2, args.dialogs), fetch_profile=False)
    with db.session() as s:
        ids = list(s.exec(select(Dialog.id)).all())
    con = sqlite3.connect(settings.get().database_url.split("///", 1)[1])
    pick = lambda i: ids[i % len(ids)]  # noqa: E731
    floor = p50(lambda did: con.execute("SELECT * FROM dialog WHERE id = ?", (did,)).fetchall(),
                args.runs, pick)
    rows = [("floor: sqlite3 SELECT of the dialog's row", floor),
            ("dialog_list.rows([id])", p50(dialog_list.rows, args.runs, lambda i: [pick(i)])),
            ("inbox_live.read_folders", p50(inbox_live.read_folders, args.runs, lambda i: "en")),
            ("push.ringing([id])", p50(push.ringing, args.runs, lambda i: [pick(i)])),
            ("dialogs.messages(id, limit=51)",
             p50(lambda did: dialogs.messages(did, limit=51), args.runs, pick))]
    print(f"{args.dialogs} dialogs, {args.runs} runs each, load average {load[0]:.2f} -> "
          f"{os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{'read':44} {'CPU p50 ms':>10} {'x floor':>8}")
    for name, ms in rows:
        print(f"{name:44} {ms:10.3f} {ms / floor:8.1f}")


if __name__ == "__main__":
    main()
