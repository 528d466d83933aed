"""Benchmark of live updates (X2): an inbound webhook -> its text visible in N open tabs.

    .venv/bin/python tests/bench/bench_live.py [--tabs 1,5,10,20 --messages 20]

Starts the production build (as the browser tests do: tests/e2e/conftest.start_app) on a
free port with a fresh DATA_DIR, adds an SMS channel, signs in one operator and opens N
inbox tabs in headless Chromium (/usr/bin/chromium). Each tab has a MutationObserver that
notes, on the machine's shared clock (performance.timeOrigin + performance.now()), when a
marker text first appears anywhere on its page. For each message: POST the SMS webhook,
then wait until every tab has seen its text. Prints p50 / p95 / max of POST -> visible
over all tabs and messages, how long the webhook itself took to answer, the backend's CPU per message (utime + stime of the app's
process group from /proc) and its RSS, and the floor measured in the same run: a bare
HTTP round trip from a tab to the same backend (fetch('/ping')). The tabs are not polled:
each one's wait is a promise its observer resolves (polling 20 tabs every 20 ms took CPU the
renderers needed). Also printed: the CPU of the browser's processes per message, and the
backend's CPU per second with the tabs open and nothing arriving (measured for IDLE_SECONDS
before the messages): "net" is the per-message CPU less that upkeep over the run's time.
With --pin the backend's threads run on CPU 0 and this process with the browsers on the
others: 20 renderers take ~0.5 s of CPU per message, and sharing the backend's core with them
inflates the backend's own CPU figures (cache, the scheduler), so --pin measures the backend's
work per tab, and the latencies then show the browsers on one core fewer.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.running import app_with_sms_channel, hook_url, proc_stats  # noqa: E402

OBSERVER = """() => {
  window.__seen = {};
  window.__waiting = {};
  const note = (text) => {
    if (!text) return;
    const now = performance.timeOrigin + performance.now();
    for (const m of text.matchAll(/BENCH-[0-9]+-[0-9]+/g)) {
      if (!(m[0] in window.__seen)) {
        window.__seen[m[0]] = now;
        (window.__waiting[m[0]] || []).forEach((resolve) => resolve(now));
      }
    }
  };
  new MutationObserver((list) => {
    for (const mu of list) {
      if (mu.type === 'characterData') note(mu.target.data);
      for (const n of mu.addedNodes) note(n.textContent);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def proc_group_cpu(pgid: int) -> tuple[float, int]:
    """(CPU seconds, RSS bytes of the biggest process) of a process group, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    page = os.sysconf("SC_PAGE_SIZE")
    cpu, rss = 0.0, 0
    for _pid, fields in proc_stats():
        if int(fields[2]) != pgid:  # field 5 (pgrp) is index 2 after the name
            continue
        cpu += (int(fields[11]) + int(fields[12])) / tick
        rss = max(rss, int(fields[21]) * page)
    return cpu, rss


IDLE_SECONDS = 8.0
WAIT = """([marker, ms]) => window.__seen[marker] ?? new Promise((resolve) => {
  (window.__waiting[marker] = window.__waiting[marker] || []).push(resolve);
  setTimeout(() => resolve(null), ms);
})"""


def descendants_cpu(root: int) -> float:
    """CPU seconds of every process below `root` (the browser started by Playwright)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent, cpu = {}, {}
    for pid, fields in proc_stats():
        parent[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
    total = 0.0
    for pid in cpu:
        p = parent.get(pid)
        while p and p != root:
            p = parent.get(p)
        if p == root:
            total += cpu[pid]
    return total


def pin_group(pgid: int, cpus: set[int]) -> int:
    """Every thread of process group `pgid` onto `cpus` (threads made later inherit it);
    how many threads were moved."""
    moved = 0
    for pid, fields in proc_stats():
        if int(fields[2]) != pgid:
            continue
        try:
            tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
        for tid in tids:
            try:
                os.sched_setaffinity(tid, cpus)
                moved += 1
            except OSError:
                pass
    return moved


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def post(url: str, form: dict) -> None:
    data = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as r:
        assert r.status == 200, r.status


def run_tabs(pw, app, hook: str, n_tabs: int, n_msgs: int, run_id: int,
             profile: str = "") -> dict:
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, goto, login, new_page

    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
        ctx.set_default_timeout(30000)
        tabs = [login(ctx)]
        while len(tabs) < n_tabs:
            page = new_page(ctx)
            goto(page, "/")
            tabs.append(page)
        for t in tabs:
            t.evaluate(OBSERVER)
        floor = []
        for _ in range(20):
            floor.append(tabs[0].evaluate(
                "async () => { const t = performance.now(); await fetch('/ping'); "
                "return performance.now() - t; }"))
        spy = None
        if profile:  # py-spy on the backend while the messages go out (collapsed stacks)
            spy = subprocess.Popen(
                ["py-spy", "record", "--pid", str(app.proc.pid), "--subprocesses",
                 "--rate", "200", "--gil", "--format", "raw", "-o", f"{profile}-{n_tabs}tabs.txt"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(2)
        # the backend's CPU with the tabs open and nothing arriving (the server's and the
        # listeners' own upkeep), so the per-message figure can be given net of it
        idle0, _ = proc_group_cpu(app.proc.pid)
        w0 = time.monotonic()
        time.sleep(IDLE_SECONDS)
        idle1, _ = proc_group_cpu(app.proc.pid)
        idle_rate = (idle1 - idle0) / (time.monotonic() - w0)
        cpu0, _ = proc_group_cpu(app.proc.pid)
        run0 = time.monotonic()
        browser_cpu0 = descendants_cpu(os.getpid())
        lat, missing, posts = [], 0, []
        for i in range(n_msgs):
            marker = f"BENCH-{run_id}-{i}"
            t0 = time.time() * 1000
            post(hook, {"from": f"+7999{run_id:03d}{i:04d}", "text": f"{marker} hello",
                        "id": f"bench-{run_id}-{i}"})
            posts.append(time.time() * 1000 - t0)  # the webhook's own answer time
            deadline = time.monotonic() + 15
            for t in tabs:  # in turn: a later tab has usually seen it by then
                left = max(0.0, deadline - time.monotonic())
                seen = t.evaluate(WAIT, [marker, int(left * 1000)])
                if seen is None:
                    missing += 1
                else:
                    lat.append(seen - t0)
            time.sleep(0.3)  # messages apart, as from different people
        cpu1, rss = proc_group_cpu(app.proc.pid)
        run_s = time.monotonic() - run0
        browser_cpu1 = descendants_cpu(os.getpid())
        if spy is not None:
            spy.send_signal(2)
            spy.wait(timeout=60)
        ctx.close()
    finally:
        browser.close()
    return {"tabs": n_tabs, "p50": pct(lat, 50), "p95": pct(lat, 95), "max": max(lat),
            "missing": missing, "cpu_ms": (cpu1 - cpu0) / n_msgs * 1000, "rss": rss,
            "idle_ms_s": idle_rate * 1000,
            "net_ms": max(0.0, cpu1 - cpu0 - idle_rate * run_s) / n_msgs * 1000,
            "browser_ms": (browser_cpu1 - browser_cpu0) / n_msgs * 1000,
            "floor_p50": statistics.median(floor), "post_p50": statistics.median(posts)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", default="1,5,10,20")
    ap.add_argument("--messages", type=int, default=20)
    ap.add_argument("--pin", action="store_true",
                    help="the backend on CPU 0, this process and the browsers on the others: "
                         "its CPU per message without the renderers sharing its core")
    ap.add_argument("--profile", default="",
                    help="path prefix: py-spy (requirements-dev) samples the backend per run "
                         "(the thread holding the GIL: where the Python CPU goes)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    others = set(range(1, os.cpu_count() or 1))
    if args.pin and not others:
        sys.exit("--pin needs two CPUs or more")
    with app_with_sms_channel("bench-live-") as (app, ch):
        hook = hook_url(app, ch)
        if args.pin:  # the app first (started before: it inherited every CPU), then us
            print(f"pinned: {pin_group(app.proc.pid, {0})} backend threads on CPU 0; this "
                  f"process and the browsers on CPU {sorted(others)}", flush=True)
            os.sched_setaffinity(0, others)
        rows = []
        with sync_playwright() as pw:
            for run_id, n in enumerate(int(x) for x in args.tabs.split(",")):
                rows.append(run_tabs(pw, app, hook, n, args.messages, run_id, args.profile))
                r = rows[-1]
                print(f"{n:3} tabs: p50 {r['p50']:6.0f} ms  p95 {r['p95']:6.0f} ms  "
                      f"max {r['max']:6.0f} ms  missing {r['missing']}  "
                      f"backend CPU {r['cpu_ms']:6.1f} ms/msg (net of idle {r['net_ms']:.1f}; idle "
                      f"{r['idle_ms_s']:.0f} ms/s)  browser CPU {r['browser_ms']:6.0f} ms/msg  RSS {r['rss'] / 2**20:.0f} MiB  "
                      f"(webhook answered p50 {r['post_p50']:.0f} ms; floor: HTTP round trip "
                      f"p50 {r['floor_p50']:.1f} ms)", flush=True)
    load_after = os.getloadavg()
    print(f"\n{args.messages} messages per run; load average before {load_before[0]:.2f} "
          f"after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{'tabs':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'x floor (p50)':>14} "
          f"{'CPU ms/msg':>11} {'net ms/msg':>11} {'idle ms/s':>10} {'browser ms':>11} {'RSS MiB':>8} "
          f"{'POST p50':>9}")
    for r in rows:
        print(f"{r['tabs']:4} {r['p50']:7.0f} {r['p95']:7.0f} {r['max']:7.0f} "
              f"{r['p50'] / r['floor_p50']:14.1f} {r['cpu_ms']:11.1f} {r['net_ms']:11.1f} "
              f"{r['idle_ms_s']:10.0f} {r['browser_ms']:11.0f} "
              f"{r['rss'] / 2**20:8.0f} "
              f"{r['post_p50']:9.0f}")
    one = next((r for r in rows if r["tabs"] == 1), None)
    if one is not None:  # what each tab adds to the backend's CPU (issue 11: < 0.3 ms)
        print("net CPU each tab adds, against 1 tab: " + ", ".join(
            f"{r['tabs']} tabs {(r['net_ms'] - one['net_ms']) / (r['tabs'] - 1):.2f} ms"
            for r in rows if r["tabs"] > 1) + (" (backend pinned to CPU 0)" if args.pin else ""))


if __name__ == "__main__":
    main()
