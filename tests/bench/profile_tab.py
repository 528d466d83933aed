"""Where one inbox tab's renderer spends its main-thread CPU (issue 11), from a CDP trace:

    .venv/bin/python tests/bench/profile_tab.py [--css "RULES"] [--rounds 3 --messages 8]

Production build (tests/e2e/conftest.start_app), one headless Chromium tab at 1366x768 with
50 dialogs and a 300-message one. Per round it traces (Tracing domain through Playwright's CDP
session) N live messages (an SMS webhook each; the text awaited with bench_live's observer)
and 4 open + close of the big dialog (bench_dialog_browser's OPEN / CLOSE), and prints the
renderer main thread's CPU time (the trace's thread time, so machine load counts less than in
wall time) per message and per open + close: in all, in JS (FunctionCall), style, layout,
pre-paint, paint and the compositing commit.

With --css the rounds alternate between the page as built and the page with RULES added in a
<style> (the same run, same tab): the ratio of the two is the figure to read. The load
average is printed.

With --switch there is a second 300-message dialog (among 49 others) and each round also
traces 4 switches from one big dialog to the other and back while a dialog stays open (what an
operator mostly does): the per-switch row.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from bench_dialog_browser import CLOSE, OPEN, UNTIL  # noqa: E402
from bench_live import OBSERVER, WAIT, post  # noqa: E402

PHASES = ["busy", "FunctionCall", "Style", "Layout", "PrePaint", "Paint", "CompositingCommit"]
BLINK = ["Blink.Style.UpdateTime", "Blink.Layout.UpdateTime", "Blink.PrePaint.UpdateTime",
         "Blink.Paint.UpdateTime", "Blink.CompositingCommit.UpdateTime", "FunctionCall"]
SWITCH = "async (id) => {" + UNTIL + """
  const shown = () => document.querySelector('[data-testid="composer-input"]')?.dataset.dialog === id
    && count() >= 50;
  document.querySelector(`[data-testid="dialog-row"][data-id="${id}"]`).click();
  await until(shown);
}"""
SET_CSS = """(css) => { let s = document.getElementById('profile-css');
  if (!s) { s = document.createElement('style'); s.id = 'profile-css'; document.head.appendChild(s); }
  s.textContent = css; }"""


def seed(ch, others: int, second: bool) -> tuple[int, int]:
    """`others` one-message dialogs, then one of 300 messages (and a second one when
    `second`): their dialog ids (0 for no second)."""
    from messenger_app.channels.base import InboundMessage
    from messenger_app.services import inbox

    for i in range(others):
        inbox.receive(ch.id, "sms", InboundMessage(f"o{i}", f"+7000000{i:04d}", f"other {i}"),
                      fetch_profile=False)
    big = inbox.receive_many(ch.id, "sms", [
        InboundMessage(f"b{i}", "+79990000001", f"message {i} " + "words " * 8)
        for i in range(300)], fetch_profile=False)[0].dialog_id
    big2 = inbox.receive_many(ch.id, "sms", [
        InboundMessage(f"c{i}", "+79990000002", f"reply {i} " + "words " * 8)
        for i in range(300)], fetch_profile=False)[0].dialog_id if second else 0
    return big, big2


def trace_events(cdp, page) -> list[dict]:
    """End a CDP trace started with transferMode ReturnAsStream and read its events."""
    done: dict = {}
    cdp.on("Tracing.tracingComplete", lambda e: done.update(e))
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(50)
    chunks = []
    while True:
        r = cdp.send("IO.read", {"handle": done["stream"]})
        chunks.append(r["data"])
        if r.get("eof"):
            break
    d = json.loads("".join(chunks))
    return d["traceEvents"] if isinstance(d, dict) else d


def phases(events: list[dict]) -> collections.Counter:
    """Thread CPU (µs) of the renderer's main thread: top-level tasks, and per Blink phase."""
    mains = [(e["pid"], e["tid"]) for e in events if e.get("ph") == "M"
             and e.get("name") == "thread_name" and e["args"]["name"] == "CrRendererMain"]
    out: collections.Counter = collections.Counter()
    if not mains:
        return out
    xs = sorted((e for e in events if (e["pid"], e["tid"]) == mains[0] and e.get("ph") == "X"),
                key=lambda e: (e["ts"], -e.get("dur", 0)))
    for name in [None] + BLINK:  # None: every top-level event
        end = -1
        for e in xs:
            if (name is None or e["name"] == name) and e["ts"] >= end:
                key = "busy" if name is None else name.replace("Blink.", "").replace(".UpdateTime", "")
                out[key] += e.get("tdur", e.get("dur", 0))
                end = e["ts"] + e.get("dur", 0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--css", default="", help="CSS rules to compare against the page as built")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--messages", type=int, default=8)
    ap.add_argument("--switch", action="store_true",
                    help="also trace switches between two big dialogs (a second one is made)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.bench.running import app_with_sms_channel, hook_url
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, goto, login

    load_before = os.getloadavg()
    with app_with_sms_channel("profile-tab-") as (app, ch):
        big, big2 = seed(ch, 48 if args.switch else 49, second=args.switch)
        hook = hook_url(app, ch)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
            page = login(ctx)
            goto(page, "/")
            page.evaluate(OBSERVER)
            cdp = ctx.new_cdp_session(page)
            sent = [0]

            def trace(work) -> collections.Counter:
                cdp.send("Tracing.start", {"categories": "devtools.timeline,blink",
                                           "transferMode": "ReturnAsStream"})
                work()
                return phases(trace_events(cdp, page))

            def live(n: int):
                for _ in range(n):
                    sent[0] += 1
                    marker = f"BENCH-8-{sent[0]}"
                    post(hook, {"from": f"+7999008{sent[0]:04d}", "text": f"{marker} hi",
                                "id": f"prof-{sent[0]}"})
                    page.evaluate(WAIT, [marker, 10000])
                    time.sleep(0.3)

            def opens():
                for _ in range(4):
                    page.evaluate(OPEN, str(big))
                    page.evaluate(CLOSE)

            def switches():  # big is open before and after: 2 x (to big2, back to big)
                for _ in range(2):
                    page.evaluate(SWITCH, str(big2))
                    page.evaluate(SWITCH, str(big))

            live(3)  # warm up
            variants = [("as built", "")] + ([("with --css", args.css)] if args.css else [])
            totals = {name: [collections.Counter(), collections.Counter(), collections.Counter()]
                      for name, _ in variants}
            for _ in range(args.rounds):
                for name, css in variants:
                    page.evaluate(SET_CSS, css)
                    page.wait_for_timeout(300)
                    totals[name][0].update(trace(lambda: live(args.messages)))
                    totals[name][1].update(trace(opens))
                    if args.switch:
                        page.evaluate(OPEN, str(big))
                        totals[name][2].update(trace(switches))
                        page.evaluate(CLOSE)
            browser.close()
    load_after = os.getloadavg()
    print(f"renderer main-thread CPU, ms ({args.rounds} rounds; load average before "
          f"{load_before[0]:.2f} after {load_after[0]:.2f}, {os.cpu_count()} cores)")
    print(f"{'':24}" + "".join(f"{p:>18}" for p in PHASES))
    for name, (lv, op, sw) in totals.items():
        for label, c, n in (("per live message", lv, args.rounds * args.messages),
                            ("per open + close", op, args.rounds * 4),
                            ("per switch", sw, args.rounds * 4))[:3 if args.switch else 2]:
            print(f"{name + ', ' + label:24}" + "".join(f"{c[p] / 1000 / n:18.1f}" for p in PHASES))
    if args.css:
        a, b = totals["as built"][0]["busy"], totals["with --css"][0]["busy"]
        print(f"live message, with --css / as built: {b / max(a, 1):.2f}x")


if __name__ == "__main__":
    main()
