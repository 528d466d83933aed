"""What /api/health reports: is the database reachable, is Redis (the bus between processes)
up, who holds the workers' leases. Nothing secret: no URLs, no credentials; the holder ids
(host:pid:…) only for a signed-in operator."""

from __future__ import annotations

import logging
import threading
from datetime import timezone

from sqlalchemy import text
from sqlmodel import select

from messenger_app import db, settings
from messenger_app.clock import utcnow
from messenger_app.models import WorkerLease

log = logging.getLogger("messenger.health")
TIMEOUT = 2.0  # seconds for each probe
_redis_lock = threading.Lock()
_redis: dict[str, object] = {}  # url -> client with short timeouts


def database() -> str:
    try:
        with db.engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as e:
        log.warning("health: database unreachable: %s", type(e).__name__)
        return "down"


def redis_state() -> str:
    """"not configured" without REDIS_URL, "ok" when it answers PING, else "degraded"
    (the app keeps working on one process's events, see services/events.py)."""
    url = settings.get().redis_url
    if not url:
        return "not configured"
    try:
        with _redis_lock:
            client = _redis.get(url)
            if client is None:
                import redis

                client = _redis[url] = redis.Redis.from_url(
                    url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        client.ping()
        return "ok"
    except Exception as e:
        log.warning("health: redis unreachable: %s", type(e).__name__)
        return "degraded"


def leases(show_holder: bool) -> list[dict]:
    now = utcnow()
    with db.session() as s:
        rows = s.exec(select(WorkerLease).order_by(WorkerLease.name)).all()
    out = []
    for row in rows:
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(
            tzinfo=timezone.utc)
        item = {"name": row.name, "held": expires > now,
                "expires_in": round((expires - now).total_seconds(), 1)}
        if show_holder:
            item["holder"] = row.holder
        out.append(item)
    return out


def report(show_holder: bool = False) -> tuple[int, dict]:
    """(HTTP status, body): 503 when the database is down (nothing works without it),
    200 otherwise, also when Redis is degraded."""
    cfg = settings.get()
    body: dict = {"db": database(), "redis": redis_state(),
                  "storage": "s3" if cfg.s3_bucket else "local"}
    if body["db"] == "ok":
        try:
            body["workers"] = leases(show_holder)
        except Exception as e:  # e.g. a database that is not migrated yet
            log.warning("health: leases unreadable: %s", type(e).__name__)
            body["workers"] = []
    body["ok"] = body["db"] == "ok"
    return (200 if body["ok"] else 503), body
