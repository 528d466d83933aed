"""The older pages of a 10k-message dialog, split in the browser: click -> websocket send ->
last frame -> DOM -> painted (ms from the click), one round; prints the load average and
the bare HTTP round trip of the same run.

    .venv/bin/python tests/bench/trace_older_pages.py
"""
import sys, time, statistics, os
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from pathlib import Path
INIT = """(() => { window.__ws = []; const O = window.WebSocket;
  window.WebSocket = function(...a) { const w = new O(...a);
    w.addEventListener('message', () => window.__ws.push(performance.now()));
    const s = w.send.bind(w); w.send = (d) => { window.__wsSent = (window.__wsSent||[]); window.__wsSent.push(performance.now()); return s(d); };
    return w; };
  window.WebSocket.prototype = O.prototype; Object.assign(window.WebSocket, O); })();"""
OLDER = """async () => {
const count = () => document.querySelectorAll('[data-testid="message"]').length;
const before = count();
const until = (ok) => new Promise((resolve) => { if (ok()) return resolve();
  const mo = new MutationObserver(() => { if (ok()) { mo.disconnect(); resolve(); } });
  mo.observe(document.body, {childList: true, subtree: true}); });
const nws = window.__ws.length, nsent = (window.__wsSent||[]).length;
const t = performance.now();
document.querySelector('[data-testid="dialog-load-older"]').click();
await until(() => count() >= before + 50);
const dom = performance.now();
await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
const painted = performance.now();
const sent = (window.__wsSent||[])[nsent] ?? NaN;
const got = window.__ws.slice(nws);
return [sent - t, got.length ? got[got.length-1] - t : NaN, dom - t, painted - t, count()];
}"""
from tests.bench.running import app_with_sms_channel
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, goto, login, new_page
from playwright.sync_api import sync_playwright
with app_with_sms_channel("bench-split-") as (app, ch):
    from messenger_app.channels.base import InboundMessage
    from messenger_app.services import inbox
    for i in range(49):
        inbox.receive(ch.id, "sms", InboundMessage(f"o{i}", f"+7000000{i:04d}", f"other {i}"), fetch_profile=False)
    for start in range(0, 10000, 500):
        got = inbox.receive_many(ch.id, "sms", [InboundMessage(f"b{i}", "+79990000001", f"message {i} " + "words " * 8) for i in range(start, start + 500)], fetch_profile=False)
        big = got[0].dialog_id
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
        ctx.add_init_script(INIT)
        ctx.set_default_timeout(60000)
        page = login(ctx)
        goto(page, "/")
        page.click(f'[data-testid="dialog-row"][data-id="{big}"]')
        page.wait_for_selector('[data-testid="message"]')
        time.sleep(1)
        floor = statistics.median(page.evaluate("async () => { const t = performance.now();"
                                                " await fetch('/ping'); return performance.now() - t; }")
                                  for _ in range(20))
        print(f"load average {os.getloadavg()[0]:.2f}; floor (HTTP round trip) p50 {floor:.1f} ms")
        rows = []
        for _ in range(20):
            time.sleep(0.3)
            rows.append(page.evaluate(OLDER))
        print("page  sent  lastframe  dom  painted  shown")
        for i, r in enumerate(rows, 1):
            print(f"{i:4} {r[0]:6.1f} {r[1]:9.1f} {r[2]:6.1f} {r[3]:7.1f} {r[4]}")
        browser.close()
