"""What the app does once when it starts: migrate, first admin, demo data.

Several backend workers on one host take turns on a lock file in DATA_DIR; on PostgreSQL
every process on every host also takes a database-level lock (pg_advisory_lock) around the
whole step, so two hosts starting on a fresh database never run the migrations at once.
The later ones find everything done."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text

from messenger_app import db, settings
from messenger_app.clock import utcnow
from messenger_app.services import app_secrets, auth, channels, search

log = logging.getLogger("messenger")

# pg_advisory_lock key of the startup step: any bigint that no other code uses
MIGRATION_LOCK = 0x6D_65_73_73_6E_67_72  # "messngr"
ADMIN_NOTE = "first_admin_note"  # where the generated password was shown (not the password)


def prepare() -> None:
    """Safe when several processes start at once, on one host or on several."""
    with open(settings.get().data_dir / "startup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with database_lock():
                _prepare()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def database_lock() -> Iterator[None]:
    """PostgreSQL: a session-level advisory lock held on a connection of its own for the
    duration (released by the server if this process dies). SQLite: nothing (one host; the
    lock file covers its processes)."""
    if db.is_sqlite():
        yield
        return
    with db.engine().connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()


def _write_private(path, content: str) -> None:
    """Write a file only its owner can read (mode 0600 from the start, not chmod after)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content)
    os.chmod(path, 0o600)  # an older file with wider permissions


def _prepare() -> None:
    db.migrate()
    search.ensure_index()  # a batch migration on SQLite may have dropped its triggers
    channels.widget_channel()
    password = auth.ensure_admin()
    cfg = settings.get()
    if password:
        path = cfg.data_dir / "admin-password.txt"
        banner = (f"\n{'=' * 64}\n  First admin created: user '{cfg.admin_username}', "
                  f"password '{password}'\n  (set ADMIN_PASSWORD to choose it; shown only once)\n"
                  f"{'=' * 64}\n")
        print(banner, flush=True)
        _write_private(path, f"{cfg.admin_username}\n{password}\n")
        # the other hosts say where to look (never the password itself)
        app_secrets.get_or_create(ADMIN_NOTE, lambda: json.dumps(
            {"host": socket.gethostname(), "file": str(path), "at": utcnow().isoformat()}))
    else:
        note = app_secrets.get(ADMIN_NOTE)
        path = cfg.data_dir / "admin-password.txt"
        if note and not path.exists():
            where = json.loads(note)
            log.info("the first admin's generated password was written on host %s to %s",
                     where.get("host"), where.get("file"))
    if cfg.demo_data:
        from messenger_app.services import demo

        demo.seed_if_empty()
