"""Where the first page load with a session goes: the timeline of a new tab of a
signed-in browser, from navigation to the first dialog row (issue 11).

    .venv/bin/python tests/bench/trace_first_load.py [--tabs 5]

Production build (tests/e2e/conftest.start_app), headless Chromium. For each new tab it
prints (times in ms from the navigation start, inside the page): the HTML, every asset
(transfer / decoded size, whether it came from the network, a 304 revalidation or the
memory/disk cache), the websocket open, the first event sent (hydrate + on_load) and the
first state delta received, the first row, long tasks, and from the CDP profiler the
script time per asset (compile + run, self time summed over the profile). The summary
line is the median over the tabs. A diagnostic, not a pass/fail benchmark.
"""

from __future__ import annotations

import argparse
import contextlib
import collections
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PROBE = """(() => {
  window.__t = {ws: [], rows: null, longtasks: []};
  const W = window.WebSocket;
  window.WebSocket = function (...a) {
    const ws = new W(...a);
    window.__t.ws.push(['new', performance.now(), '']);
    ws.addEventListener('open', () => window.__t.ws.push(['open', performance.now(), '']));
    ws.addEventListener('message', (e) => window.__t.ws.push(
      ['recv', performance.now(), String(e.data).slice(0, 60), String(e.data).length]));
    const send = ws.send.bind(ws);
    ws.send = (d) => { window.__t.ws.push(['send', performance.now(), String(d).slice(0, 60),
                                           String(d).length]); send(d); };
    return ws;
  };
  window.WebSocket.prototype = W.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  new PerformanceObserver((l) => l.getEntries().forEach((e) =>
    window.__t.longtasks.push([e.startTime, e.duration]))).observe({type: 'longtask', buffered: true});
  const mo = new MutationObserver(() => {
    if (!window.__t.rows && document.querySelector('[data-testid="dialog-row"]')) {
      window.__t.rows = performance.now(); mo.disconnect();
    }
  });
  document.addEventListener('DOMContentLoaded', () =>
    mo.observe(document.body, {childList: true, subtree: true}));
})();"""

COLLECT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime]));
  const res = performance.getEntriesByType('resource').map(r => ({
    name: r.name.replace(location.origin, ''), start: r.startTime, end: r.responseEnd,
    transfer: r.transferSize, encoded: r.encodedBodySize, decoded: r.decodedBodySize,
    type: r.initiatorType}));
  return {nav: {responseEnd: nav.responseEnd, dcl: nav.domContentLoadedEventEnd,
                load: nav.loadEventEnd, transfer: nav.transferSize}, paint, res, t: window.__t};
}"""


def script_times(profile: dict) -> dict[str, float]:
    """Self time (ms) per script URL from a CDP Profiler profile."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    deltas = collections.Counter()
    for sample, dt in zip(profile["samples"], profile["timeDeltas"]):
        deltas[sample] += dt
    out = collections.Counter()
    for nid, us in deltas.items():
        cf = nodes[nid]["callFrame"]
        url = cf.get("url") or f"({cf.get('functionName') or 'program'})"
        out[url.split("/")[-1] if "/" in url else url] += us / 1000
    return out


def top_functions(profile: dict, n: int = 25) -> list[tuple[float, str]]:
    """The n functions with the most self time: (ms, 'name file:line')."""
    self_us = collections.Counter()
    for sample, dt in zip(profile["samples"], profile["timeDeltas"]):
        self_us[sample] += dt
    by_fn = collections.Counter()
    for n_ in profile["nodes"]:
        cf = n_["callFrame"]
        key = f"{cf.get('functionName') or '(anon)'} {cf.get('url', '').split('/')[-1]}:{cf.get('lineNumber')}"
        by_fn[key] += self_us.get(n_["id"], 0) / 1000
    return [(ms, k) for k, ms in by_fn.most_common(n)]


def trace_tab(ctx, repeat_index: int, verbose: bool):
    tab = ctx.new_page()
    tab.add_init_script(PROBE)
    cdp = ctx.new_cdp_session(tab)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    cdp.send("Profiler.start")
    tab.goto("/")
    tab.wait_for_function("() => window.__t && window.__t.rows")
    profile = cdp.send("Profiler.stop")["profile"]
    data = tab.evaluate(COLLECT)
    tab.close()
    scripts = script_times(profile)
    t = data["t"]
    sent = [w for w in t["ws"] if w[0] == "send" and '"hydrate' in w[2] or
            (w[0] == "send" and "event" in w[2])]
    recv = [w for w in t["ws"] if w[0] == "recv" and len(w) > 3 and w[3] > 200]
    opened = next((w[1] for w in t["ws"] if w[0] == "open"), None)
    res = data["res"]
    js = [r for r in res if r["name"].endswith(".js")]
    css = [r for r in res if r["name"].endswith(".css")]
    row = {
        "html": data["nav"]["responseEnd"],
        "last_asset": max((r["end"] for r in res if "/assets/" in r["name"]), default=0),
        "dcl": data["nav"]["dcl"],
        "ws_open": opened,
        "first_send": sent[0][1] if sent else None,
        "first_delta": recv[0][1] if recv else None,
        "first_row": t["rows"],
        "js_files": len(js), "js_decoded_kb": sum(r["decoded"] for r in js) / 1024,
        "js_transfer_kb": sum(r["transfer"] for r in js) / 1024,
        "css_decoded_kb": sum(r["decoded"] for r in css) / 1024,
        "from_network": sum(1 for r in res if r["transfer"] > 300),
        "revalidated": sum(1 for r in res if 0 < r["transfer"] <= 300),
        "from_cache": sum(1 for r in res if r["transfer"] == 0),
        "longtask_ms": sum(d for _, d in t["longtasks"]),
        "script_ms": sum(v for k, v in scripts.items() if k.endswith(".js")),
        "gc_program_idle": {k: round(v) for k, v in scripts.items() if k.startswith("(")},
    }
    if verbose:
        print(f"--- tab {repeat_index}: nav responseEnd {row['html']:.0f}, DCL {row['dcl']:.0f}, "
              f"FCP {data['paint'].get('first-contentful-paint', 0):.0f}")
        for r in sorted(res, key=lambda r: r["start"]):
            print(f"  {r['start']:7.0f} → {r['end']:7.0f}  {r['transfer'] / 1024:7.1f} KB wire "
                  f"{r['decoded'] / 1024:7.1f} KB  {r['name'][:70]}")
        for w in t["ws"]:
            print(f"  {w[1]:7.0f} ws {w[0]:4} {w[3] if len(w) > 3 else '':>6} {w[2]!r}")
        for s, d in t["longtasks"]:
            print(f"  {s:7.0f} long task {d:.0f} ms")
        print(f"  first row {t['rows']:.0f}")
        print("  script self time by file (CDP profiler):")
        for k, v in sorted(scripts.items(), key=lambda kv: -kv[1])[:15]:
            print(f"    {v:7.1f} ms  {k}")
        print("  top functions by self time:")
        for ms, k in top_functions(profile):
            print(f"    {ms:7.1f} ms  {k}")
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", type=int, default=5)
    ap.add_argument("--url", help="an app already running (then --user/--password)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.bench.running import traced_app
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, login

    with contextlib.ExitStack() as stack:
        url = traced_app(stack, "trace-load-", args.url)
        load = os.getloadavg()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(base_url=url, viewport={"width": 1366, "height": 768})
            ctx.set_default_timeout(60000)
            login(ctx)
            rows = [trace_tab(ctx, i, verbose=i in (0, args.tabs - 1)) for i in range(args.tabs)]
            browser.close()
    print(f"\nload average {load[0]:.2f} → {os.getloadavg()[0]:.2f}; medians over {args.tabs} new tabs:")
    for key in rows[0]:
        vals = [r[key] for r in rows if isinstance(r[key], (int, float))]
        if vals:
            print(f"  {key:16} {statistics.median(vals):8.1f}")
    print(json.dumps(rows[-1]["gc_program_idle"]))


if __name__ == "__main__":
    main()
