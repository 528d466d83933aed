"""Where opening a dialog spends the tab's main-thread CPU (issue 11), by script and function:

    .venv/bin/python tests/bench/profile_open.py [--rounds 8]

Production build, one headless Chromium tab at 1366x768 with 49 dialogs and a 300-message
one (profile_tab.py's setup). Each round: a CDP CPU profile (Profiler domain, 100 µs
sampling) of one open (click -> 50 messages, bench_dialog_browser's OPEN) and of one close,
then of one switch to a second big dialog and back, and (traced) of opening a 2-message
dialog: what an open costs without its messages. With --first-loads N, first the
renderer CPU of N new tabs loading the inbox (traced to 1.5 s after the first rows). Prints the wall time of each open
(p50), the renderer main thread's CPU per open from a trace (profile_tab.phases), and the
self time per script file and the top functions, summed over the rounds and divided by them.
The load average is printed.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from bench_dialog_browser import CLOSE, OPEN  # noqa: E402
from profile_tab import SWITCH, phases, seed, trace_events  # noqa: E402


OPEN_FEW = OPEN.replace("count() >= 50", "count() >= 2")


def self_times(profile: dict) -> tuple[collections.Counter, collections.Counter]:
    self_us: collections.Counter = collections.Counter()
    for sample, dt in zip(profile["samples"], profile["timeDeltas"]):
        self_us[sample] += dt
    files: collections.Counter = collections.Counter()
    fns: collections.Counter = collections.Counter()
    for n in profile["nodes"]:
        cf = n["callFrame"]
        url = cf.get("url", "").split("/")[-1]
        name = cf.get("functionName") or "(anon)"
        us = self_us.get(n["id"], 0)
        files[url or f"({name})"] += us
        fns[f"{name} {url}:{cf.get('lineNumber')}:{cf.get('columnNumber')}"] += us
    return files, fns


def timeline(events: list[dict]) -> list[str]:
    """The renderer main thread's complete events over 0.3 ms, nested by time, with the
    element / object counts that style and layout events carry."""
    mains = [(e["pid"], e["tid"]) for e in events if e.get("ph") == "M"
             and e.get("name") == "thread_name" and e["args"]["name"] == "CrRendererMain"]
    if not mains:
        return []
    every = [e for e in events if (e["pid"], e["tid"]) == mains[0] and e.get("ph") == "X"]
    fetches = [e for e in every if e["name"] == "ResourceFetcher::requestResource"]
    xs = sorted((e for e in every if e.get("dur", 0) >= 300), key=lambda e: (e["ts"], -e.get("dur", 0)))
    if not xs:
        return []
    t0, stack = xs[0]["ts"], []
    out = [f"  ({len(fetches)} ResourceFetcher::requestResource, cpu "
           f"{sum(e.get('tdur', 0) for e in fetches) / 1000:.1f} ms in all)"]
    for e in xs:
        while stack and e["ts"] >= stack[-1]:
            stack.pop()
        data = e.get("args", {}).get("data", {}) or {}
        extra = {k: data[k] for k in ("elementCount", "dirtyObjects", "totalObjects", "url",
                                      "functionName", "type") if k in data}
        if e["name"] == "FunctionCall" and "url" in extra:
            extra["url"] = extra["url"].split("/")[-1]
        out.append(f"{(e['ts'] - t0) / 1000:8.1f} {'  ' * len(stack)}{e['name']} "
                   f"{e.get('dur', 0) / 1000:.1f} ms (cpu {e.get('tdur', 0) / 1000:.1f}) {extra or ''}")
        stack.append(e["ts"] + e.get("dur", 0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--first-loads", type=int, default=0,
                    help="first trace the renderer CPU of N first loads (new tabs)")
    ap.add_argument("--timeline", action="store_true",
                    help="first print the main thread's events (> 0.3 ms) of one open, switch, close")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.bench.running import app_with_sms_channel
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, goto, login

    load_before = os.getloadavg()
    with app_with_sms_channel("profile-open-") as (app, ch):
        from messenger_app.channels.base import InboundMessage
        from messenger_app.services import inbox

        big, big2 = seed(ch, 48, second=True)
        small = inbox.receive_many(ch.id, "sms", [
            InboundMessage(f"s{i}", "+79990000003", f"short {i}") for i in range(2)],
            fetch_profile=False)[0].dialog_id
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
            page = login(ctx)
            goto(page, "/")
            cdp = ctx.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 100})

            def profiled(work):
                cdp.send("Profiler.start")
                out = work()
                return out, cdp.send("Profiler.stop")["profile"]

            def end_trace(session, tab, raw=False):
                events = trace_events(session, tab)
                return events if raw else phases(events)

            def traced(work, raw=False):
                cdp.send("Tracing.start", {"categories": "devtools.timeline,blink",
                                           "transferMode": "ReturnAsStream"})
                work()
                return end_trace(cdp, page, raw)

            loads = collections.Counter()
            for _ in range(args.first_loads):  # a new tab of the signed-in browser
                tab = ctx.new_page()
                tcdp = ctx.new_cdp_session(tab)
                tcdp.send("Tracing.start", {"categories": "devtools.timeline,blink",
                                            "transferMode": "ReturnAsStream"})
                tab.goto("/")
                tab.wait_for_selector('[data-testid="dialog-row"]')
                tab.wait_for_timeout(1500)  # what the page does after its first rows
                loads.update(end_trace(tcdp, tab))
                tab.close()
            for _ in range(2):  # warm up
                page.evaluate(OPEN, str(big))
                page.evaluate(CLOSE)
            if args.timeline:
                page.wait_for_timeout(300)
                for label, work in (("open", lambda: page.evaluate(OPEN, str(big))),
                                    ("switch", lambda: page.evaluate(SWITCH, str(big2))),
                                    ("close", lambda: page.evaluate(CLOSE))):
                    print(f"== timeline of one {label}")
                    for line in timeline(traced(work, raw=True)):
                        print(line)
                    page.wait_for_timeout(300)
            walls, cpu_open, cpu_switch = [], collections.Counter(), collections.Counter()
            cpu_small = collections.Counter()
            files = {k: collections.Counter() for k in ("open", "close", "switch")}
            fns = {k: collections.Counter() for k in ("open", "close", "switch")}
            for _ in range(args.rounds):
                page.wait_for_timeout(300)
                ms, prof = profiled(lambda: page.evaluate(OPEN, str(big)))
                walls.append(ms)
                f, g = self_times(prof)
                files["open"].update(f), fns["open"].update(g)
                page.wait_for_timeout(300)
                _, prof = profiled(lambda: page.evaluate(CLOSE))
                f, g = self_times(prof)
                files["close"].update(f), fns["close"].update(g)
                page.wait_for_timeout(300)
                cpu_small.update(traced(lambda: page.evaluate(OPEN_FEW, str(small))))
                page.evaluate(CLOSE)
                page.wait_for_timeout(300)
                cpu_open.update(traced(lambda: page.evaluate(OPEN, str(big))))
                page.wait_for_timeout(300)
                cpu_switch.update(traced(lambda: page.evaluate(SWITCH, str(big2))))
                page.wait_for_timeout(300)
                _, prof = profiled(lambda: page.evaluate(SWITCH, str(big)))
                f, g = self_times(prof)
                files["switch"].update(f), fns["switch"].update(g)
                page.evaluate(CLOSE)
            browser.close()
    load_after = os.getloadavg()
    n = args.rounds
    print(f"load average before {load_before[0]:.2f} after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    print(f"open -> 50 messages, wall (profiler on): p50 {statistics.median(walls):.0f} ms, "
          f"all {sorted(round(w) for w in walls)}")
    print("renderer main-thread CPU (trace), ms: " + ", ".join(
        f"{k} open {cpu_open[k] / 1000 / n:.1f} / switch {cpu_switch[k] / 1000 / n:.1f}"
        for k in ("busy", "FunctionCall", "Style", "Layout", "Paint")))
    if args.first_loads:
        print("first load (new tab, to its rows + 1.5 s), renderer main-thread CPU, ms: " + ", ".join(
            f"{k} {loads[k] / 1000 / args.first_loads:.1f}"
            for k in ("busy", "FunctionCall", "Style", "Layout", "Paint")))
    print("the same for opening a 2-message dialog (what does not depend on the messages), ms: " +
          ", ".join(f"{k} {cpu_small[k] / 1000 / n:.1f}"
                    for k in ("busy", "FunctionCall", "Style", "Layout", "Paint")))
    for kind in ("open", "close", "switch"):
        print(f"-- {kind}: self time per file, ms per {kind}")
        for k, us in files[kind].most_common(12):
            print(f"  {us / 1000 / n:8.1f}  {k}")
        print(f"-- {kind}: top functions")
        for k, us in fns[kind].most_common(args.top):
            print(f"  {us / 1000 / n:8.1f}  {k}")


if __name__ == "__main__":
    main()
