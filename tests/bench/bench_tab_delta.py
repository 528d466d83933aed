"""What one tab's share of a live update costs the backend (not collected by pytest).

    .venv/bin/python tests/bench/bench_tab_delta.py [--updates 500]

The per-tab part of bench_live.py's "backend CPU per message", without browsers: an inbox
tab's real state (InboxState with all its substates, 50 dialog rows and 50 messages, as
tests/bench/bench_state_manager.rows/msgs), a live update that moves one changed row to
the top (InboxState._update_row, as the listener does), then Reflex's delta of the tab
(`_get_resolved_delta`) and its JSON as the websocket sends it (the Socket.IO packet's JSON
writer as the app installs it: lib/frame_json.py, else Reflex's). The floor: json.dumps of the same rows as plain dicts. Prints CPU ms per
update for each part, the bytes, and the ratio to the floor, with the load average.
Runs in production mode (REFLEX_ENV_MODE=prod: the type checks production makes).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("REFLEX_ENV_MODE", "prod")
os.chdir(ROOT)

from tests.bench.bench_state_manager import msgs, rows  # noqa: E402


def _page_states() -> list:
    """InboxState's substates (the view parts, the open dialog, the composer, the folders,
    the filter builder, New dialog), whichever this checkout has."""
    from messenger_app.states.inbox import InboxState

    out, todo = [], list(InboxState.get_substates())
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.get_substates())
    return out


async def tab(updates: int) -> tuple[float, float, int]:
    import messenger_app.messenger_app  # noqa: F401  (the app's states, as the server has them)
    from reflex.state import State, StateUpdate
    from socketio.packet import Packet as frame  # its JSON writer, as the app set it up

    from messenger_app.states.inbox import InboxState

    root = State(_reflex_internal_init=True)
    st = await root.get_state(InboxState)
    for cls in _page_states():  # every substate the inbox page has, as in a real tab
        await root.get_state(cls)
    st._rows, st._msgs = rows(0), msgs()
    await root._get_resolved_delta()
    root._clean()
    t_delta = t_json = 0.0
    size = 0
    for i in range(updates):
        old = st._rows[5 + i % 40]
        fresh = dataclasses.replace(getattr(old, "__wrapped__", old), preview=f"new {i}",
                                    unread=i % 7 + 1, activity=f"2026-06-02T{i % 24:02}:00:00")
        c0 = time.process_time()
        st._update_row(int(fresh.id), fresh)
        delta = await root._get_resolved_delta()
        root._clean()
        c1 = time.process_time()
        wire = frame.json.dumps(["event", StateUpdate(delta=delta, events=[])],
                                separators=(",", ":"))
        c2 = time.process_time()
        t_delta += c1 - c0
        t_json += c2 - c1
        size = len(wire)
    return t_delta / updates, t_json / updates, size


def bare(updates: int) -> float:
    page = [dataclasses.asdict(r) for r in rows(0)]
    page += page[:6]
    c = time.process_time()
    for i in range(updates):
        page[0] = {**page[0], "preview": f"new {i}"}
        json.dumps({"delta": {"s": {"rows": page}}}, ensure_ascii=False, separators=(",", ":"))
    return (time.process_time() - c) / updates


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=500)
    args = ap.parse_args()
    load = os.getloadavg()
    floor = bare(args.updates)
    d, j, size = asyncio.run(tab(args.updates))
    load2 = os.getloadavg()
    print(f"one tab, one live list update ({args.updates} updates, 50 rows), load average "
          f"{load[0]:.2f} -> {load2[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{'what':36} {'CPU ms':>8} {'x floor':>8}")
    print(f"{'floor: json.dumps of the rows':36} {floor * 1e3:8.3f} {1:8.1f}")
    print(f"{'row in place + Reflex delta':36} {d * 1e3:8.3f} {d / floor:8.1f}")
    print(f"{'JSON of the update':36} {j * 1e3:8.3f} {j / floor:8.1f}")
    print(f"{'per tab in all':36} {(d + j) * 1e3:8.3f} {(d + j) / floor:8.1f}   ({size} bytes)")


if __name__ == "__main__":
    main()
