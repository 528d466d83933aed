"""Benchmark of the SMS webhook over HTTP at concurrency C (issue 11: >= 500 msg/s, p95 < 50 ms).

    .venv/bin/python tests/bench/bench_webhook_http.py [--messages 2000 --clients 200 --concurrency 8]

Starts the production app (tests/e2e/conftest.start_app: `reflex run --env prod`, its own
port and DATA_DIR, SQLite), adds an SMS channel and POSTs its webhook from C threads, each
with one keep-alive HTTP connection (httpx). Prints messages per second, p50/p95/max of
each POST's answer time and the backend's CPU per message (its process group, from /proc),
against a floor measured in the same run the same way: GET /ping at the same concurrency.
Then checks that every message was stored once. No browser tab is open.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from bench_live import pct, proc_group_cpu  # noqa: E402
from tests.bench.running import app_with_sms_channel, hook_url  # noqa: E402


def hammer(url: str, jobs: list, concurrency: int, method: str = "POST") -> tuple[float, list[float]]:
    """Send every job (a form dict, or None for a GET) from `concurrency` threads; (wall
    seconds, each request's answer time in ms)."""
    import httpx

    lat: list[float] = []
    lock = threading.Lock()
    it = iter(jobs)
    errors: list[str] = []

    def worker():
        with httpx.Client(timeout=30) as c:
            while True:
                with lock:
                    job = next(it, StopIteration)
                if job is StopIteration:
                    return
                t = time.perf_counter()
                r = c.post(url, data=job) if method == "POST" else c.get(url)
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    lat.append(ms)
                    if r.status_code != 200:
                        errors.append(f"{r.status_code} {r.text[:100]}")

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, first: {errors[0]}")
    return time.perf_counter() - t0, lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--profile", default="",
                    help="file: py-spy (requirements-dev) samples the backend's GIL holder during the webhooks")
    args = ap.parse_args()
    with app_with_sms_channel("bench-webhook-") as (app, ch):
        from messenger_app import db

        hook = hook_url(app, ch)
        # warm up both paths (first connections, caches), then the floor, then the webhook
        hammer(f"{app.url}/ping", [None] * 200, args.concurrency, "GET")
        hammer(hook, [{"from": "+70000000000", "text": f"warm {i}", "id": f"warm-{i}"}
                      for i in range(50)], args.concurrency)
        load_before = os.getloadavg()
        floor_wall, floor = hammer(f"{app.url}/ping", [None] * args.messages, args.concurrency, "GET")
        jobs = [{"from": f"+7999{i % args.clients:07d}", "text": f"message {i}", "id": f"b-{i}"}
                for i in range(args.messages)]
        spy = None
        if args.profile:
            spy = subprocess.Popen(["py-spy", "record", "--pid", str(app.proc.pid), "--subprocesses",
                                    "--gil", "--rate", "200", "--format", "raw", "-o", args.profile],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(2)
        cpu0, _ = proc_group_cpu(app.proc.pid)
        wall, lat = hammer(hook, jobs, args.concurrency)
        cpu1, rss = proc_group_cpu(app.proc.pid)
        if spy is not None:
            spy.send_signal(2)
            spy.wait(timeout=60)
        load_after = os.getloadavg()
        from sqlalchemy import text

        with db.engine().connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM message WHERE channel_id = :c "
                                       "AND external_id LIKE 'b-%'"), {"c": ch.id}).scalar()
    print(f"SMS webhook over HTTP, {args.messages} messages from {args.clients} clients, "
          f"concurrency {args.concurrency}, production app on SQLite ({os.cpu_count()} cores)")
    print(f"load average before {load_before[0]:.2f} after {load_after[0]:.2f}")
    print(f"{'':10} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    print(f"{'floor':10} {args.messages / floor_wall:8.0f} {statistics.median(floor):7.1f} "
          f"{pct(floor, 95):7.1f} {max(floor):7.1f}   (GET /ping)")
    print(f"{'webhook':10} {args.messages / wall:8.0f} {statistics.median(lat):7.1f} "
          f"{pct(lat, 95):7.1f} {max(lat):7.1f}   backend CPU {(cpu1 - cpu0) / args.messages * 1000:.2f} "
          f"ms/msg, RSS {rss / 2**20:.0f} MiB")
    print(f"ratio to the floor: throughput {(args.messages / wall) / (args.messages / floor_wall):.2f}x, "
          f"p50 {statistics.median(lat) / statistics.median(floor):.1f}x")
    print(f"stored {stored} of {args.messages}")
    if stored != args.messages:
        raise SystemExit("not every message was stored once")


if __name__ == "__main__":
    main()
