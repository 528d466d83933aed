"""Who is looking at which dialog right now, so that the operator reading a dialog gets no
Web Push for it (N1).

Every open tab that shows a dialog calls `viewing(operator_id, dialog_id, tab_key)` when the
dialog opens and again at least every ~30 s while it stays open and visible; `left(tab_key)`
when it closes (or the tab goes away). An entry not refreshed for `TTL` seconds is ignored,
so a tab that died without saying goodbye stops counting after a minute.

Backends:
- REDIS_URL unset: an in-process dict (one backend process).
- REDIS_URL set: Redis, so that every backend process sees every tab. One hash per dialog
  (`messenger:presence:dialog:<id>`: field = tab key, value = "<operator_id>:<unix time>")
  whose key expires 2*TTL after the last write, plus `messenger:presence:tab:<tab key>` =
  dialog id (same expiry) so that `left()` and switching dialogs find the old hash. Fields
  older than TTL are ignored on read (Redis 7.0 has no per-field expiry) and pruned.
  If Redis fails, the call falls back to the in-process dict and logs it.

The functions are synchronous and quick (one or two Redis round trips).
"""

from __future__ import annotations

import logging
import threading
import time

from messenger_app import settings

log = logging.getLogger(__name__)
TTL = 60.0  # seconds an entry counts without a refresh
MAX_TAB_KEY = 200
_PREFIX = "messenger:presence:"

_now = time.time  # tests replace it
_lock = threading.Lock()
_tabs: dict[str, tuple[int, int, float]] = {}  # tab key -> (operator id, dialog id, seen at)
_clients: dict[str, object] = {}  # redis url -> client


def _clean_tab(tab_key: str) -> str:
    tab_key = str(tab_key or "")
    if not tab_key or len(tab_key) > MAX_TAB_KEY:
        raise ValueError("tab_key must be a non-empty string of at most 200 characters")
    return tab_key


def _redis():
    url = settings.get().redis_url
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                      decode_responses=True)
        _clients[url] = client
    return client


def _dialog_key(dialog_id: int) -> str:
    return f"{_PREFIX}dialog:{int(dialog_id)}"


def _tab_key(tab_key: str) -> str:
    return f"{_PREFIX}tab:{tab_key}"


# -- public API ------------------------------------------------------------------------
def viewing(operator_id: int, dialog_id: int | None, tab_key: str) -> None:
    """This tab of this operator shows this dialog now (call again to refresh).
    A falsy dialog_id means the tab shows no dialog: the same as `left(tab_key)`."""
    tab_key = _clean_tab(tab_key)
    if not dialog_id:
        left(tab_key)
        return
    operator_id, dialog_id = int(operator_id), int(dialog_id)
    now = _now()
    client = _redis()
    if client is not None:
        try:
            ttl = int(TTL * 2)
            old = client.set(_tab_key(tab_key), dialog_id, ex=ttl, get=True)
            pipe = client.pipeline()
            if old is not None and str(old) != str(dialog_id):
                pipe.hdel(_dialog_key(int(old)), tab_key)
            pipe.hset(_dialog_key(dialog_id), tab_key, f"{operator_id}:{now}")
            pipe.expire(_dialog_key(dialog_id), ttl)
            pipe.execute()
            return
        except Exception as e:
            _failed("viewing", e)
    with _lock:
        _tabs[tab_key] = (operator_id, dialog_id, now)


def left(tab_key: str) -> None:
    """This tab shows no dialog any more (closed, switched away, unloaded)."""
    tab_key = _clean_tab(tab_key)
    with _lock:
        _tabs.pop(tab_key, None)
    client = _redis()
    if client is not None:
        try:
            old = client.getdel(_tab_key(tab_key))
            if old is not None:
                client.hdel(_dialog_key(int(old)), tab_key)
        except Exception as e:
            _failed("left", e)


def operators_viewing(dialog_id: int) -> set[int]:
    """Ids of the operators with at least one fresh tab showing this dialog."""
    dialog_id = int(dialog_id)
    cutoff = _now() - TTL
    found: set[int] = set()
    with _lock:
        for key, (op, dlg, seen) in list(_tabs.items()):
            if seen < cutoff:
                del _tabs[key]
            elif dlg == dialog_id:
                found.add(op)
    client = _redis()
    if client is not None:
        try:
            stale = []
            for tab, value in client.hgetall(_dialog_key(dialog_id)).items():
                op, _, seen = str(value).partition(":")
                try:
                    fresh = float(seen) >= cutoff
                    op_id = int(op)
                except ValueError:
                    fresh = False
                if fresh:
                    found.add(op_id)
                else:
                    stale.append(tab)
            if stale:
                client.hdel(_dialog_key(dialog_id), *stale)
        except Exception as e:
            _failed("operators_viewing", e)
    return found


_last_failure = [0.0]  # monotonic time of the last warning


def _failed(where: str, e: Exception) -> None:
    """Redis down: one line per minute at most, no traceback per tab and per message (the
    in-memory entries of this process keep working meanwhile)."""
    import time

    now = time.monotonic()
    if now - _last_failure[0] >= 60:
        _last_failure[0] = now
        log.warning("presence: redis failed in %s (%s: %s); this process's tabs only",
                    where, type(e).__name__, e)


def reset() -> None:
    """Tests: forget the in-process entries and the Redis clients."""
    with _lock:
        _tabs.clear()
    for client in list(_clients.values()):
        try:
            client.close()
        except Exception:
            pass
    _clients.clear()
