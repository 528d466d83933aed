"""Rate limits (logins, the website widget) through the `limits` library: counters in this
process's memory by default (expired ones are dropped), in Redis when REDIS_URL is set so
that every backend process shares them.

A limit is a `limits` string such as "5/minute;20/hour" (settings.py); a key is a tuple of
strings (what is counted: a username and an address, an address...). `allowed` only looks,
`hit` counts one. When the store cannot be reached the limits are not applied (logged):
a broken Redis must not lock every operator out.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many, storage, strategies

from messenger_app import settings

log = logging.getLogger("messenger.rate_limits")
_lock = threading.Lock()
_state: tuple[object, strategies.RateLimiter] | None = None  # (settings it was built for, limiter)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    retry_in: int = 0  # seconds until the next try is allowed (when not ok)


def _limiter() -> strategies.RateLimiter:
    global _state
    cfg = settings.get()
    with _lock:
        if _state is None or _state[0] is not cfg:  # tests reset settings: fresh counters
            store = (storage.storage_from_string(cfg.redis_url, key_prefix="messenger")
                     if cfg.redis_url else storage.MemoryStorage())
            _state = (cfg, strategies.MovingWindowRateLimiter(store))
        return _state[1]


def _items(spec: str) -> list[RateLimitItem]:
    return parse_many(spec) if spec.strip() else []


def allowed(spec: str, *key: str) -> Verdict:
    """Would one more hit stay within every limit of `spec` for `key`? Counts nothing."""
    try:
        limiter = _limiter()
        waits = [limiter.get_window_stats(item, *key).reset_time - time.time()
                 for item in _items(spec) if not limiter.test(item, *key)]
    except Exception as e:  # noqa: BLE001 — the store is down: do not lock everyone out
        log.warning("rate limits not applied (%s: %s)", type(e).__name__, e)
        return Verdict(True)
    return Verdict(False, max(1, int(max(waits) + 0.999))) if waits else Verdict(True)


def hit(spec: str, *key: str) -> Verdict:
    """Count one for `key` in every limit of `spec`; ok is False when one was already full."""
    verdict = allowed(spec, *key)
    try:
        limiter = _limiter()
        for item in _items(spec):
            limiter.hit(item, *key)
    except Exception as e:  # noqa: BLE001
        log.warning("rate limits not counted (%s: %s)", type(e).__name__, e)
    return verdict
