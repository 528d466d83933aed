"""What the renderer's main thread does during the first page load with a session (issue 11),
from a Chromium performance trace (the DevTools "Performance" panel's events), split at the
first websocket send (the hydrate) and the first state delta:

    .venv/bin/python tests/bench/trace_first_load_timeline.py [--tabs 7] [--url URL]

For each new tab of a signed-in browser it records a trace from navigation to the first
dialog row and sums the main thread's *self* time per event kind (script, style recalc,
layout, CSS parse, HTML parse, paint, GC) in three windows: navigation → first send,
first send → first delta, first delta → first row. The summary is the median over the
tabs, with the load average. Same app and probe as trace_first_load.py. A diagnostic, not
a pass/fail benchmark.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.trace_first_load import PROBE  # noqa: E402

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute",
              "blink.user_timing", "v8", "disabled-by-default-v8.gc"]
# event name → kind; nested events take their own time from their parent (self time).
# module_eval: running the built files' top level (and the page's classic scripts);
# script: everything called later (React's hydration and renders, event handlers, timers)
KINDS = {
    "EvaluateScript": "module_eval", "FunctionCall": "script", "v8.compile": "compile",
    "v8.compileModule": "compile", "V8.CompileCode": "compile", "v8.produceModuleCache": "compile",
    "v8.evaluateModule": "module_eval", "RunMicrotasks": "script", "TimerFire": "script",
    "EventDispatch": "script", "FireAnimationFrame": "script", "v8.run": "script",
    "V8.Execute": "script",
    "UpdateLayoutTree": "style", "RecalculateStyles": "style", "ScheduleStyleRecalculation": "style",
    "Layout": "layout", "UpdateLayerTree": "layout", "IntersectionObserverController::computeIntersections": "layout",
    "ParseAuthorStyleSheet": "css_parse",
    "ParseHTML": "html_parse",
    "PrePaint": "paint", "Paint": "paint", "PaintImage": "paint", "Layerize": "paint",
    "UpdateLayer": "paint", "CompositeLayers": "paint", "Commit": "paint",
    "MajorGC": "gc", "MinorGC": "gc", "V8.GCScavenger": "gc", "V8.GCFinalizeMC": "gc",
    "BlinkGC.AtomicPhase": "gc", "ThreadState::performIdleLazySweep": "gc",
}
WINDOWS = ("to_send", "send_to_delta", "delta_to_row")


def main_thread(events: list[dict]) -> tuple[int, int] | None:
    """(pid, tid) of the tab's renderer main thread: the CrRendererMain that ran the probe."""
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    stamps = [(e["pid"], e["tid"]) for e in events if e.get("name") == "TimeStamp"
              and str(e.get("args", {}).get("data", {}).get("message", "")).startswith("probe:")]
    for key in stamps:
        if names.get(key) == "CrRendererMain":
            return key
    return None


def self_times(events: list[dict], key: tuple[int, int],
               cpu: bool = False) -> list[tuple[float, float, str]]:
    """(start µs, self µs, kind) of every complete event on that thread; time not inside a
    known kind is counted to its nearest known ancestor, or to 'other' under RunTask.
    cpu=True: the thread's CPU time (tdur), which leaves out the time the thread waited
    for a core, so it moves much less with the machine's load than the wall time."""
    evs = []
    for e in events:
        if (e["pid"], e["tid"]) != key:
            continue
        if e.get("ph") == "X" and "dur" in e:
            if cpu:  # nested on a CPU-time axis: start at the thread clock
                if "tts" in e and "tdur" in e:
                    evs.append((e["tts"], e["tts"] + e["tdur"], e["name"], e["ts"]))
            else:
                evs.append((e["ts"], e["ts"] + e["dur"], e["name"], e["ts"]))
    evs.sort(key=lambda x: (x[0], -x[1]))
    out = []
    stack: list[list] = []  # [start, end, name, child_time, kind]

    def close(item):
        s, end, name, child, kind, wall = item
        out.append((wall, (end - s) - child, kind))
        if stack:
            stack[-1][3] += end - s

    for s, end, name, wall in evs:
        while stack and stack[-1][1] <= s:
            close(stack.pop())
        kind = KINDS.get(name)
        if kind is None:
            kind = stack[-1][4] if stack else ("other" if name in ("RunTask", "ThreadControllerImpl::RunTask") else None)
        if kind is None:
            continue
        if stack and end > stack[-1][1]:  # overlapping, not nested: clip
            end = stack[-1][1]
        stack.append([s, end, name, 0, kind, wall])
    while stack:
        close(stack.pop())
    return out


def trace_tab(browser, ctx) -> dict:
    tab = ctx.new_page()
    tab.add_init_script(PROBE + """;(() => {
      console.timeStamp('probe:' + performance.now());
      const W = window.WebSocket;
      window.WebSocket = function (...a) {
        const ws = new W(...a);
        const send = ws.send.bind(ws);
        ws.send = (d) => { if (!window.__ts_sent) { window.__ts_sent = 1;
          console.timeStamp('send:' + performance.now()); } send(d); };
        return ws;
      };
      window.WebSocket.prototype = W.prototype;
      Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
    })();""")
    browser.start_tracing(page=tab, categories=CATEGORIES)
    tab.goto("/")
    tab.wait_for_function("() => window.__t && window.__t.rows")
    t = tab.evaluate("() => window.__t")
    raw = browser.stop_tracing()
    tab.close()
    if os.environ.get("TRACE_DUMP"):  # the raw trace of the last tab, for DevTools
        Path(os.environ["TRACE_DUMP"]).write_bytes(raw)
    events = json.loads(raw)
    events = events["traceEvents"] if isinstance(events, dict) else events
    key = main_thread(events)
    if key is None:
        raise SystemExit("no renderer main thread with the probe's timestamp in the trace")
    probe = next(e for e in events if (e["pid"], e["tid"]) == key and e.get("name") == "TimeStamp"
                 and str(e["args"]["data"]["message"]).startswith("probe:"))
    t0_us = probe["ts"] - float(probe["args"]["data"]["message"].split(":")[1]) * 1000

    def at(ms):  # performance.now() ms → trace µs
        return t0_us + ms * 1000

    sent = next((w[1] for w in t["ws"] if w[0] == "send"), None)
    delta = next((w[1] for w in t["ws"] if w[0] == "recv" and len(w) > 3 and w[3] > 200), None)
    bounds = [at(0), at(sent), at(delta), at(t["rows"])]
    row = {"first_send": sent, "first_delta": delta, "first_row": t["rows"]}
    for cpu in (False, True):
        sums = {w: collections.Counter() for w in WINDOWS}
        for s, self_us, kind in self_times(events, key, cpu=cpu):
            for i, w in enumerate(WINDOWS):
                if bounds[i] <= s < bounds[i + 1]:
                    sums[w][kind] += self_us / 1000
        row.update({f"{'cpu' if cpu else 'wall'}:{w}.{k}": v for w in WINDOWS
                    for k, v in sums[w].items()})
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", type=int, default=7)
    ap.add_argument("--url", help="an app already running (then the default admin login)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.bench.running import traced_app
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, login

    with contextlib.ExitStack() as stack:
        url = traced_app(stack, "trace-timeline-", args.url)
        load = os.getloadavg()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(base_url=url, viewport={"width": 1366, "height": 768})
            ctx.set_default_timeout(60000)
            login(ctx)
            rows = [trace_tab(browser, ctx) for _ in range(args.tabs)]
            browser.close()
    keys = sorted({k for r in rows for k in r})
    print(f"\nload average {load[0]:.2f} → {os.getloadavg()[0]:.2f}; medians over {args.tabs} "
          "new tabs (ms; the main thread's self time per kind in each window, wall / CPU):")
    for key in ("first_send", "first_delta", "first_row"):
        print(f"  {key:28} {statistics.median(r[key] for r in rows):8.1f}")

    def med(k):
        return statistics.median(r.get(k, 0) for r in rows)

    for w in WINDOWS:
        kinds = sorted({k.split(".", 1)[1] for k in keys if k.startswith(f"wall:{w}.")},
                       key=lambda kind: -med(f"cpu:{w}.{kind}"))
        busy = statistics.median(sum(r.get(f"wall:{w}.{kd}", 0) for kd in kinds) for r in rows)
        cpu = statistics.median(sum(r.get(f"cpu:{w}.{kd}", 0) for kd in kinds) for r in rows)
        print(f"  {w}: busy {busy:.0f} ms, CPU {cpu:.0f} ms")
        for kd in kinds:
            print(f"    {kd:14} {med(f'wall:{w}.{kd}'):8.1f} {med(f'cpu:{w}.{kd}'):8.1f}")
    cpu_all = statistics.median(sum(v for k, v in r.items() if k.startswith("cpu:")) for r in rows)
    print(f"  CPU navigation → first row: {cpu_all:.0f} ms")


if __name__ == "__main__":
    main()
