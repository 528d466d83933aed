"""Benchmark, in a real browser: does one tab's heavy search slow a click in another tab?

    .venv/bin/python tests/bench/bench_tab_isolation.py [--clients 100000 --messages 300000]

Issue #11's row "a click in one tab (open a dialog) while another tab searches 100k clients":
target p50 <= 1.1x the same click with the other tab idle.

- A database of --clients clients (tests/bench/bench_left_panel.load: channels, folders, CRM
  values, dialogs, messages), the production build (tests/e2e/conftest.start_app) on it.
- Tab A opens a dialog (click on its row -> its messages in the page) and closes it, --repeat
  times, timed inside the page (performance.now() and a MutationObserver).
- Alone: tab B is open but idle. Loaded: tab B runs phone searches over all clients in a loop
  (types a part of a number, waits until the list shows the result, types the next), from a
  script inside B's page so that the Python driver adds nothing. Both phases alternate in
  rounds so that the machine's load drifts into both alike.
- The floor: a bare HTTP round trip from tab A to the same backend (fetch('/ping')).

Prints p50/p95 of each phase, the ratio of their medians, the searches B completed, and the
load average.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

UNTIL = """const until = (ok) => new Promise((resolve) => {
  if (ok()) return resolve();
  const mo = new MutationObserver(() => { if (ok()) { mo.disconnect(); resolve(); } });
  mo.observe(document.body, {childList: true, subtree: true, attributes: true});
});
const count = () => document.querySelectorAll('[data-testid="message"]').length;"""

# One open + close of a dialog in tab A; returns the open's milliseconds.
OPEN_CLOSE = "async (id) => {" + UNTIL + """
  const row = document.querySelector(`[data-testid="dialog-row"][data-id="${id}"]`);
  const t = performance.now();
  row.click();
  await until(() => count() > 0);
  const ms = performance.now() - t;
  document.querySelector('[data-testid="dialog-close"]').click();
  await until(() => count() === 0);
  return ms;
}"""

# Tab B: search for each phone part in turn until window.__stop is set (started, not awaited:
# the loop runs on in the page); window.__searches counts the finished searches.
SEARCH_START = """(parts) => { (async () => {
  const input = document.querySelector('[data-testid="search-input"]');
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const label = () => (document.querySelector('[data-testid="search-count"]') || {}).textContent || '';
  let i = 0;
  while (!window.__stop) {
    const before = label();
    setter.call(input, parts[i % parts.length] + (i % 2 ? '' : ' '));
    input.dispatchEvent(new Event('input', {bubbles: true}));
    const t = performance.now();
    await new Promise((resolve) => {
      const tick = () => (label() !== before || performance.now() - t > 1500 || window.__stop)
        ? resolve() : requestAnimationFrame(tick);
      tick();
    });
    window.__searches += 1; i += 1;
  }
})(); }"""


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--messages", type=int, default=300_000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=8, help="clicks per phase and round")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-isolation-"))
    from bench_left_panel import load, migrated_database

    path = migrated_database(tmp / "prep")

    info = load(path, args.clients, args.messages, seed=1)
    print(f"database: {info.get('contacts', args.clients):,} clients, "
          f"{info.get('messages', args.messages):,} messages, loaded in {info['load_s']:.0f} s")
    bare = sqlite3.connect(path)
    parts = [r[0][: random.Random(i).randint(5, 8)] for i, r in enumerate(bare.execute(
        "SELECT phone_digits FROM contact WHERE phone_digits LIKE '79%' ORDER BY random() LIMIT 60"))]
    bare.close()

    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, goto, login, new_page, start_app

    app = start_app(tmp, "http://127.0.0.1:9",
                    extra_env={"DATABASE_URL": f"sqlite:///{path}", "RUN_WORKERS": "0"})
    alone: list[float] = []
    loaded: list[float] = []
    searches = 0
    try:
        load_before = os.getloadavg()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
            ctx.set_default_timeout(120000)
            a = login(ctx)
            b = new_page(ctx)
            goto(b, "/")
            b.wait_for_selector('[data-testid="search-input"]')
            dialog_id = a.get_attribute('[data-testid="dialog-row"]', "data-id")
            floor = [a.evaluate("async () => { const t = performance.now(); await fetch('/ping');"
                                " return performance.now() - t; }") for _ in range(20)]
            for _ in range(2):  # warm both paths
                a.evaluate(OPEN_CLOSE, dialog_id)
            for _ in range(args.rounds):
                alone += [a.evaluate(OPEN_CLOSE, dialog_id) for _ in range(args.repeat)]
                b.evaluate("window.__stop = false; window.__searches = 0")
                b.evaluate(SEARCH_START, parts)  # returns at once; the loop runs on in B
                b.wait_for_function("window.__searches >= 2")  # the loop is under way
                loaded += [a.evaluate(OPEN_CLOSE, dialog_id) for _ in range(args.repeat)]
                b.evaluate("window.__stop = true")
                searches += int(b.evaluate("window.__searches"))
                b.evaluate("() => { const i = document.querySelector('[data-testid=\"search-input\"]');"
                           " Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')"
                           ".set.call(i, ''); i.dispatchEvent(new Event('input', {bubbles: true})); }")
                b.wait_for_function("!document.querySelector('[data-testid=\"search-count\"]')"
                                    " || document.querySelectorAll('[data-testid=\"dialog-row\"]').length > 1")
            browser.close()
        load_after = os.getloadavg()
    finally:
        app.stop()
    fl = statistics.median(floor)
    ratio = statistics.median(loaded) / statistics.median(alone)
    print(f"load average before {load_before[0]:.2f} after {load_after[0]:.2f} "
          f"({os.cpu_count()} cores); floor (HTTP round trip from tab A) p50 {fl:.1f} ms")
    print(f"open a dialog, other tab idle:      p50 {statistics.median(alone):6.0f} ms  "
          f"p95 {pct(alone, 95):6.0f} ms  ({len(alone)} clicks)")
    print(f"open a dialog, other tab searching: p50 {statistics.median(loaded):6.0f} ms  "
          f"p95 {pct(loaded, 95):6.0f} ms  ({len(loaded)} clicks, {searches} searches of "
          f"{args.clients:,} clients meanwhile)")
    print(f"ratio of medians {ratio:.2f}x (target <= 1.1x)")


if __name__ == "__main__":
    main()
