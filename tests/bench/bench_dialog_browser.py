"""Benchmark, in a real browser, of what an operator waits for around a big dialog:

    .venv/bin/python tests/bench/bench_dialog_browser.py [--messages 10000 --pages 20]

- first page load with a session: a new tab of a signed-in browser -> the first dialog row;
- open a dialog: the click -> its 50 newest messages in the page; and, in other clicks, the
  click -> the end of the frame that shows them (style, layout, paint);
- each older page of a 10k-message dialog: the click on "load older" -> 50 more messages,
  with the bytes the backend sent over the websocket for it (flat paging sends one page).

Production build (tests/e2e/conftest.start_app), headless Chromium (/usr/bin/chromium),
timings taken inside the page (performance.now(), a MutationObserver); the floor is a bare
HTTP round trip from the tab to the same backend (fetch('/ping')), measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

UNTIL = """const until = (ok) => new Promise((resolve) => {
  if (ok()) return resolve();
  const mo = new MutationObserver(() => { if (ok()) { mo.disconnect(); resolve(); } });
  mo.observe(document.body, {childList: true, subtree: true});
});
const count = () => document.querySelectorAll('[data-testid="message"]').length;"""

OPEN = "async (id) => {" + UNTIL + """
  const row = document.querySelector(`[data-testid="dialog-row"][data-id="${id}"]`);
  const t = performance.now();
  row.click();
  await until(() => count() >= 50);
  return performance.now() - t;
}"""

# the same click, timed to the end of the frame that shows the messages (style, layout and
# paint included): a requestAnimationFrame callback runs before that frame's rendering, a
# message posted from it is handled after
OPEN_FRAME = "async (id) => {" + UNTIL + """
  const row = document.querySelector(`[data-testid="dialog-row"][data-id="${id}"]`);
  const t = performance.now();
  row.click();
  await until(() => count() >= 50);
  const dom = performance.now() - t;
  await new Promise((resolve) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = resolve;
    ch.port2.postMessage(0);
  }));
  return [dom, performance.now() - t];
}"""

CLOSE = "async () => {" + UNTIL + """
  document.querySelector('[data-testid="dialog-close"]').click();
  await until(() => count() === 0);
}"""

OLDER = "async () => {" + UNTIL + """
  const before = count();
  const t = performance.now();
  document.querySelector('[data-testid="dialog-load-older"]').click();
  await until(() => count() >= before + 50);
  return [performance.now() - t, count()];
}"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3, help="times the older pages are loaded")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.bench.running import app_with_sms_channel
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, goto, login, new_page

    with app_with_sms_channel("bench-dialog-") as (app, ch):
        from messenger_app.channels.base import InboundMessage
        from messenger_app.services import inbox

        for i in range(49):  # a full first page of other dialogs
            inbox.receive(ch.id, "sms", InboundMessage(f"o{i}", f"+7000000{i:04d}", f"other {i}"),
                          fetch_profile=False)
        big = None
        for start in range(0, args.messages, 500):
            got = inbox.receive_many(ch.id, "sms", [
                InboundMessage(f"b{i}", "+79990000001", f"message {i} " + "words " * 8)
                for i in range(start, min(start + 500, args.messages))], fetch_profile=False)
            big = got[0].dialog_id
        load_before = os.getloadavg()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
            ctx.set_default_timeout(60000)
            page = login(ctx)
            received = []
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda f: received.append(len(f) if isinstance(f, (str, bytes)) else 0)))
            floor = [page.evaluate("async () => { const t = performance.now(); await fetch('/ping');"
                                   " return performance.now() - t; }") for _ in range(20)]
            # first page load with a session (a new tab of the signed-in browser)
            loads = []
            for _ in range(args.repeat):
                tab = new_page(ctx)
                t0 = time.perf_counter()
                tab.goto("/")
                tab.wait_for_selector('[data-testid="dialog-row"]')
                loads.append((time.perf_counter() - t0) * 1000)
                tab.close()
            # reconnect the websocket listener: login's page is the one measured from here
            goto(page, "/")
            opens, framed = [], []
            for _ in range(args.repeat):
                opens.append(page.evaluate(OPEN, str(big)))
                page.evaluate(CLOSE)
                time.sleep(0.2)
                framed.append(page.evaluate(OPEN_FRAME, str(big))[1])
                page.evaluate(CLOSE)
                time.sleep(0.2)
            rounds = []  # each round opens the dialog afresh and loads the older pages
            for _ in range(args.rounds):
                page.evaluate(OPEN, str(big))
                pages = []
                for _ in range(args.pages):
                    time.sleep(0.3)  # the frames of the previous page are in
                    before = sum(received)
                    ms, shown = page.evaluate(OLDER)
                    time.sleep(0.3)
                    pages.append((ms, shown, sum(received) - before))
                rounds.append(pages)
                page.evaluate(CLOSE)
                time.sleep(0.3)
            # each page's time: the median over the rounds (one page's time varies ±2x)
            pages = [(statistics.median(r[i][0] for r in rounds), rounds[0][i][1],
                      statistics.median(r[i][2] for r in rounds)) for i in range(args.pages)]
            browser.close()
        load_after = os.getloadavg()
    fl = statistics.median(floor)
    print(f"dialog of {args.messages} messages; load average before {load_before[0]:.2f} "
          f"after {load_after[0]:.2f} ({os.cpu_count()} cores); floor (HTTP round trip) "
          f"p50 {fl:.1f} ms")
    print(f"first page load with a session: p50 {statistics.median(loads):.0f} ms, "
          f"max {max(loads):.0f} ms (target < 500)")
    print(f"open the dialog -> 50 messages shown: p50 {statistics.median(opens):.0f} ms, "
          f"max {max(opens):.0f} ms, {statistics.median(opens) / fl:.0f}x floor (target < 100)")
    print(f"open the dialog -> the frame that shows them painted: p50 {statistics.median(framed):.0f} ms, "
          f"max {max(framed):.0f} ms")
    print(f"{'page':>4} {'ms':>7} {'shown':>6} {'KiB sent':>9}   (medians of {args.rounds} rounds)")
    for i, (ms, shown, size) in enumerate(pages, 1):
        print(f"{i:4} {ms:7.0f} {shown:6} {size / 1024:9.1f}")
    first = statistics.median(p[0] for r in rounds for p in r[:3])
    last = statistics.median(p[0] for r in rounds for p in r[-3:])
    each = ", ".join(f"{statistics.median(p[0] for p in r[:3]):.0f} -> "
                     f"{statistics.median(p[0] for p in r[-3:]):.0f}" for r in rounds)
    print(f"older pages, each round's first three -> last three p50 ms: {each}")
    print(f"older pages: first three p50 {first:.0f} ms, last three p50 {last:.0f} ms "
          f"({last / first:.2f}x; flat = 1)")


if __name__ == "__main__":
    main()
