"""What anonymous websocket connections cost the state manager (issue 15: "1,000 connects
wrote 37 MB to disk"). Not collected by pytest.

    .venv/bin/python tests/bench/bench_anonymous_tabs.py [--tabs 1000]

Each tab does what a stranger's visit to /login does on the server: its state is taken with
modify_state() (the manager creates it), AuthState's check_login_page runs (no session: it
stays on /login) and the whole state is read as the hydrate answer does. Measured:
  * MEMORY (one process, this app's mode without REDIS_URL): Python heap growth
    (tracemalloc) while the states are held, and the files written (none expected);
  * REDIS (with REDIS_URL; a local redis-server on a free loopback port when installed):
    Redis' used_memory growth and the keys written, with their TTL.
The bare baseline, measured in the same run, is a plain dict holding, per tab, the
router data Reflex keeps for any connection (its headers): what a connection costs before
any state. Figures print as a ratio to it, with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.running import optional_redis  # noqa: E402

HEADERS = {"host": "localhost:3000", "origin": "http://localhost:3000", "upgrade": "websocket",
           "connection": "Upgrade", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131",
           "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
           "accept-language": "ru-RU,ru;q=0.9", "accept-encoding": "gzip, deflate, br"}


async def visit(manager, ident: str) -> None:
    from reflex.istate.data import HeaderData
    from reflex.istate.manager.token import BaseStateToken
    from reflex.state import State

    from messenger_app.states.auth import AuthState

    async with manager.modify_state(BaseStateToken(ident=ident, cls=State)) as root:
        root.rx_router_headers = HeaderData.from_router_data({"headers": dict(HEADERS)})
        st = await root.get_state(AuthState)
        AuthState.event_handlers["check_login_page"].fn(st)
        root.dict()  # the hydrate answer


def heap_growth(fill) -> tuple[int, object]:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = fill()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, held


def files_under(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", type=int, default=1000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-anon-"))
    os.chdir(tmp)
    os.environ["DATA_DIR"] = str(tmp / "data")
    from reflex.istate.manager.memory import StateManagerMemory

    import messenger_app.messenger_app  # noqa: F401  (registers the app's states)

    idents = [f"anon-{i:05d}" for i in range(args.tabs)]
    load_before = os.getloadavg()
    base, _ = heap_growth(lambda: {i: {"headers": dict(HEADERS), "ip": "203.0.113.9"} for i in idents})

    def memory_run():
        manager = StateManagerMemory()

        async def go():
            for i in idents:
                await visit(manager, i)
        asyncio.run(go())
        return manager

    mem, manager = heap_growth(memory_run)
    expiry = manager.token_expiration
    written = files_under(tmp)
    del manager
    results = [("baseline: router data per connection", base, ""),
               ("MEMORY state manager (heap)", mem, f"held {expiry} s after the last event"),
               ("disk written by MEMORY", written, "")]
    server = optional_redis(tmp)
    if server is not None:
        try:
            import redis
            import redis.asyncio as aredis
            from reflex.istate.manager.redis import StateManagerRedis

            sync = redis.Redis.from_url(server.url)
            used0 = int(sync.info("memory")["used_memory"])

            async def with_redis():
                client = aredis.Redis.from_url(server.url)
                manager = StateManagerRedis(redis=client)
                for i in idents:
                    await visit(manager, i)
                await manager.close()

            asyncio.run(with_redis())
            used = int(sync.info("memory")["used_memory"]) - used0
            keys = sync.dbsize()
            ttls = sorted({sync.ttl(k) for k in sync.scan_iter(count=1000)})
            results.append(("REDIS used_memory", used,
                            f"{keys} keys, TTL {ttls[0]}..{ttls[-1]} s"))
        finally:
            server.stop()
    load_after = os.getloadavg()
    print(f"{args.tabs} anonymous /login connects; load average before {load_before[0]:.2f} "
          f"after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{'what':40} {'total KB':>10} {'KB/tab':>8} {'x base':>7}  note")
    for name, size, note in results:
        print(f"{name:40} {size / 1024:10.0f} {size / 1024 / args.tabs:8.2f} "
              f"{size / base:7.1f}  {note}")


if __name__ == "__main__":
    main()
