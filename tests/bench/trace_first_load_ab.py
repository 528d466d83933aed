"""The first page load with a session, before and after a change, side by side (issue 11):

    .venv/bin/python tests/bench/trace_first_load_ab.py BEFORE_DIR [ROUNDS]

BEFORE_DIR is another checkout of the project (e.g. `git worktree add /tmp/before main`, or an
rsync copy with .venv and node_modules linked). Both production builds run at once, and one
browser opens a new signed-in tab on each in turn (the order swapped every round), so both
see the same machine load at the same moments: on this shared 2-core machine the load moves
the wall times ±2× within a minute, which back-to-back runs cannot separate from a change.
Per tab it records what trace_first_load_timeline.py does (the renderer main thread's wall
and CPU time per kind, split at the first send and the first delta) and prints the medians,
with the ratio after/before and the load average. A diagnostic, not a pass/fail benchmark."""
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
before_dir = Path(sys.argv[1]).resolve(); rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 12
from tests.e2e import conftest
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, login, start_app
from tests.bench.trace_first_load_timeline import trace_tab, WINDOWS
from playwright.sync_api import sync_playwright

def seed(app):
    os.environ["DATA_DIR"] = str(app.data_dir)
    from messenger_app import db, settings
    from messenger_app.services import channels, inbox
    from messenger_app.channels.base import InboundMessage
    settings.reset(); db.reset_engine()
    ch = channels.add("sms", "SMS", config={"send_url": "http://127.0.0.1:9/send"})
    for i in range(50):
        inbox.receive(ch.id, "sms", InboundMessage(f"o{i}", f"+7000000{i:04d}", f"hi {i}"), fetch_profile=False)

apps = {}
try:
    apps["after"] = start_app(Path(tempfile.mkdtemp(prefix="ab-after-")), "http://127.0.0.1:9")
    root = conftest.ROOT
    conftest.ROOT = before_dir
    try:
        apps["before"] = start_app(Path(tempfile.mkdtemp(prefix="ab-before-")), "http://127.0.0.1:9")
    finally:
        conftest.ROOT = root
    for a in apps.values():
        seed(a)
    res = {k: [] for k in apps}
    loads = [os.getloadavg()[0]]
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctxs = {}
        for k, a in apps.items():
            c = b.new_context(base_url=a.url, viewport={"width": 1366, "height": 768})
            c.set_default_timeout(60000); login(c); ctxs[k] = c
        for r in range(rounds):
            order = ["after", "before"] if r % 2 == 0 else ["before", "after"]
            for k in order:
                res[k].append(trace_tab(b, ctxs[k]))
            loads.append(os.getloadavg()[0])
        b.close()
    print(f"load average during the run: {min(loads):.1f}–{max(loads):.1f} (start {loads[0]:.1f}, end {loads[-1]:.1f}); {rounds} tabs each, alternated")
    def med(rows, f): return statistics.median(f(r) for r in rows)

    def line(label, f, fmt="9.0f"):
        b_, a_ = med(res["before"], f), med(res["after"], f)
        ratio = f"{a_ / b_:6.2f}" if b_ else "     -"
        print(f"  {label:30} {b_:{fmt}} {a_:{fmt}} {ratio}")
    print(f"{'':32} {'before':>9} {'after':>9} {'after/before':>6}")
    for key in ("first_send", "first_delta", "first_row"):
        line(key + " (ms from navigation)", lambda r, key=key: r[key])
    for w in WINDOWS:
        for unit in ("wall", "cpu"):
            line(f"{unit} {w}", lambda r, unit=unit, w=w: sum(
                v for k2, v in r.items() if k2.startswith(f"{unit}:{w}.")))
    line("CPU navigation → first row", lambda r: sum(v for k2, v in r.items() if k2.startswith("cpu:")))
    kinds = sorted({k2.split(".", 1)[1] for rows in res.values() for r in rows for k2 in r
                    if k2.startswith("cpu:")})
    for kd in kinds:
        line(f"  CPU {kd}", lambda r, kd=kd: sum(v for k2, v in r.items()
                                                  if k2.startswith("cpu:") and k2.endswith("." + kd)), "9.1f")
finally:
    for a in apps.values():
        a.stop()
