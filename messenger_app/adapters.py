"""One adapter per channel instance per process, shared by its poller, its send lane, its jobs
and its webhooks (an httpx client and an SSL context are costly to build per request). A
channel whose settings change gets a fresh adapter; the old one is closed."""

from __future__ import annotations

import asyncio
import copy
import json
import logging

from messenger_app.channels import registry

log = logging.getLogger("messenger.adapters")

_pool: dict[int, tuple[tuple, object]] = {}  # channel id -> (its settings, adapter)


def version(ch) -> tuple:
    return (ch.kind, ch.token, ch.base_url, ch.name,
            json.dumps(ch.config or {}, sort_keys=True, default=str))


def _settings(ch) -> tuple:
    return (ch.kind, ch.token, ch.base_url, ch.name, ch.config or {})


def get(ch):
    """The adapter for this Channel row, built on first use or when its settings changed.
    Every webhook request asks: the settings are compared by value with a copy kept when
    the adapter was built (serialising the config to compare it was 8 % of the SMS webhook's
    CPU)."""
    held = _pool.get(ch.id)
    if held is not None and held[0] == _settings(ch):
        return held[1]
    adapter = registry.build(ch)
    _pool[ch.id] = (copy.deepcopy(_settings(ch)), adapter)
    if held is not None:
        _close_later(held[1])
    return adapter


def peek(channel_id: int):
    held = _pool.get(channel_id)
    return held[1] if held else None


def drop(channel_id: int) -> None:
    held = _pool.pop(channel_id, None)
    if held is not None:
        _close_later(held[1])


async def close_all() -> None:
    items = list(_pool.values())
    _pool.clear()
    for _, adapter in items:
        await _close(adapter)


async def _close(adapter) -> None:
    try:
        await adapter.close()
    except Exception:  # a broken adapter must not stop the others from closing
        log.warning("closing an adapter failed", exc_info=True)


_closing: set[asyncio.Task] = set()


def _close_later(adapter) -> None:
    """Close after in-flight calls had a moment to finish (they hold their own reference)."""
    async def later():
        await asyncio.sleep(30)
        await _close(adapter)

    try:
        task = asyncio.get_running_loop().create_task(later())
    except RuntimeError:  # no loop (sync code, tests): nothing is in flight
        return
    _closing.add(task)
    task.add_done_callback(_closing.discard)
