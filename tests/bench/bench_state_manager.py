"""Benchmark of Reflex's state managers for this app's state (not collected by pytest).

    .venv/bin/python tests/bench/bench_state_manager.py [--tabs 20 --events 50]

What a live update costs the state manager: for every event, every tab's state is taken
with modify_state(), its InboxState gets a new list of rows (a page of 50 rows and 50
messages, like a real inbox tab: the typed DialogItem/MessageItem rows of states/rows.py in
its `_rows` and `_msgs`), and the manager stores it again. Runs each manager in
the same run: MEMORY, DISK (Reflex's default: an in-memory copy plus pickles to .states/
debounced by 2 s: measured both with the writes coalesced, as in a burst, and with one
write per event, as when events are more than 2 s apart), and REDIS (a local redis-server
on a free loopback port, when one is installed). The floor is the same loop over a plain
dict of the same state objects. Prints CPU ms per tab per event and the ratio to the
floor, with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.running import optional_redis  # noqa: E402


def rows(i: int) -> list:
    """A page of the dialog list as InboxState holds it (states/rows.py)."""
    from messenger_app.states.rows import DialogItem

    return [DialogItem(id=str(n), name=f"Client {n}", avatar="", initials="CL", channel="telegram",
                       preview=f"message {i} " + "x" * 60, out=False, time="12:00", unread=i % 5,
                       activity="2026-06-01T12:00:00", tag1="vip") for n in range(50)]


def msgs() -> list:
    """The open dialog's newest page as InboxState holds it."""
    from messenger_app.states.rows import MessageItem

    return [MessageItem(id=str(n), dir="in", sender="Client", channel="telegram",
                        text="Здравствуйте! " * 5, time="12:00", day="01.06.2026",
                        status="received") for n in range(50)]


async def run(manager, tokens, events: int, inbox_cls) -> float:
    from reflex.istate.manager.token import BaseStateToken
    from reflex.state import State

    for t in tokens:  # every tab has its state once before the timing
        async with manager.modify_state(BaseStateToken(ident=t, cls=State)) as root:
            st = await root.get_state(inbox_cls)
            st._rows, st._msgs = rows(0), msgs()
    if hasattr(manager, "_write_queue"):
        await manager.close()
    c = time.process_time()
    for i in range(1, events + 1):
        for t in tokens:
            async with manager.modify_state(BaseStateToken(ident=t, cls=State)) as root:
                st = await root.get_state(inbox_cls)
                st._rows = rows(i)
    if hasattr(manager, "_write_queue"):
        await manager.close()  # the debounced pickles: part of the cost
    return time.process_time() - c


async def floor(tokens, events: int, inbox_cls) -> float:
    from reflex.state import State

    states = {}
    for t in tokens:
        root = State(_reflex_internal_init=True)
        st = await root.get_state(inbox_cls)
        st._rows, st._msgs = rows(0), msgs()
        states[t] = root
    c = time.process_time()
    for i in range(1, events + 1):
        for t in tokens:
            st = await states[t].get_state(inbox_cls)
            st._rows = rows(i)
    return time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", type=int, default=20)
    ap.add_argument("--events", type=int, default=50)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-sm-"))
    os.chdir(tmp)  # the disk manager writes .states/ under the working directory... or .web
    os.environ["DATA_DIR"] = str(tmp / "data")
    from reflex.istate.manager.disk import StateManagerDisk
    from reflex.istate.manager.memory import StateManagerMemory

    import messenger_app.messenger_app  # noqa: F401  (registers the app's states)
    from messenger_app.states.inbox import InboxState

    tokens = [f"tab-{i}" for i in range(args.tabs)]
    load_before = os.getloadavg()
    n = args.tabs * args.events
    results = {"plain dict (floor)": asyncio.run(floor(tokens, args.events, InboxState))}
    results["MEMORY"] = asyncio.run(run(StateManagerMemory(), tokens, args.events, InboxState))
    results["DISK, writes coalesced"] = asyncio.run(run(StateManagerDisk(), tokens, args.events,
                                                         InboxState))
    # events further apart than the 2 s debounce: every event pickles every tab's state
    results["DISK, a write per event"] = asyncio.run(run(
        StateManagerDisk(_write_debounce_seconds=0), tokens, args.events, InboxState))
    server = optional_redis(tmp)
    if server is not None:
        try:
            import redis.asyncio as aredis
            from reflex.istate.manager.redis import StateManagerRedis

            async def with_redis():
                return await run(StateManagerRedis(redis=aredis.Redis.from_url(server.url)),
                                 tokens, args.events, InboxState)

            results["REDIS (local)"] = asyncio.run(with_redis())
        finally:
            server.stop()
    load_after = os.getloadavg()
    base = results["plain dict (floor)"]
    print(f"{args.tabs} tabs x {args.events} events, load average before {load_before[0]:.2f} "
          f"after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{'manager':22} {'CPU ms per tab-event':>21} {'x floor':>8}")
    for name, cpu in results.items():
        print(f"{name:22} {cpu / n * 1000:21.3f} {cpu / base:8.1f}")


if __name__ == "__main__":
    main()
