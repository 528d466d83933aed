"""What the app does once when it starts: migrate, first admin, demo data."""

from __future__ import annotations

import fcntl
import logging
import os

from messenger_app import db, settings
from messenger_app.services import auth, channels, search

log = logging.getLogger("messenger")


def prepare() -> None:
    """Safe when several backend workers start at once (Reflex runs several with Redis):
    they take turns on a lock file in DATA_DIR, the later ones find everything done."""
    with open(settings.get().data_dir / "startup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _prepare()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _prepare() -> None:
    db.migrate()
    search.ensure_index()  # a batch migration on SQLite may have dropped its triggers
    channels.widget_channel()
    password = auth.ensure_admin()
    if password:
        cfg = settings.get()
        banner = (f"\n{'=' * 64}\n  First admin created: user '{cfg.admin_username}', "
                  f"password '{password}'\n  (set ADMIN_PASSWORD to choose it; shown only once)\n"
                  f"{'=' * 64}\n")
        print(banner, flush=True)
        _write_private(cfg.data_dir / "admin-password.txt", f"{cfg.admin_username}\n{password}\n")
    if settings.get().demo_data:
        from messenger_app.services import demo

        demo.seed_if_empty()


def _write_private(path, text: str) -> None:
    """A file only this user can read (0600), also when an older one was world-readable."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
