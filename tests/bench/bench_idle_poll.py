"""Benchmark: the backend's idle CPU when a Bot API server answers getUpdates at once with no
updates (a proxy or local server that does not long-poll) — not collected by pytest.

    .venv/bin/python tests/bench/bench_idle_poll.py [--seconds 10]

Runs the real workers (poller + send lane + job runner) against the fake Telegram Bot API in
this process for N seconds, twice: with the fake long-polling (the baseline: what an idle
backend costs) and with the fake answering at once. Prints CPU seconds used, getUpdates calls,
channel-row writes, and the ratio of the two runs, with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.running import fresh_database  # noqa: E402
TOKEN = "123456:AAbbccddeeffgghhiijjkkllmmnnoopp_qq"


def run(seconds: float, at_once: bool) -> tuple[float, int, int]:
    from sqlalchemy import event

    from messenger_app import db, workers
    from messenger_app.services import channels
    from tests.fakes.telegram_server import FakeTelegramServer

    fresh_database(Path(tempfile.mkdtemp(prefix="bench-idle-")))
    writes = [0]

    def count(conn, cursor, statement, *a):
        if statement.lstrip().upper().startswith("UPDATE CHANNEL"):
            writes[0] += 1

    event.listen(db.engine(), "before_cursor_execute", count)
    with FakeTelegramServer(token=TOKEN) as fake:
        fake.state.answer_at_once = at_once
        channels.add_telegram(TOKEN, base_url=fake.url)

        async def scenario() -> float:
            w = workers.Workers()
            await w.sync_channels()
            await asyncio.sleep(1.0)  # start-up work is not idle work
            before = time.process_time()
            calls = fake.state.stats.get("getUpdates", 0)
            w0 = writes[0]
            await asyncio.sleep(seconds)
            used = time.process_time() - before
            got = fake.state.stats.get("getUpdates", 0) - calls, writes[0] - w0
            await w.stop()
            return used, *got

        return asyncio.run(scenario())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    a = ap.parse_args()
    load = os.getloadavg()
    base_cpu, base_calls, base_writes = run(a.seconds, at_once=False)
    cpu, calls, writes = run(a.seconds, at_once=True)
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {a.seconds:.0f} s each")
    print(f"long-polling server (baseline): {base_cpu * 1000:.0f} ms CPU "
          f"({base_cpu / a.seconds * 100:.2f} % of a core), {base_calls} getUpdates, "
          f"{base_writes} channel-row writes")
    print(f"answers at once:               {cpu * 1000:.0f} ms CPU "
          f"({cpu / a.seconds * 100:.2f} % of a core), {calls} getUpdates, "
          f"{writes} channel-row writes")
    print(f"ratio to baseline: {cpu / max(base_cpu, 1e-6):.1f}x")


if __name__ == "__main__":
    main()
