"""What the app does once when it starts: migrate, first admin, demo data."""

from __future__ import annotations

import fcntl
import logging

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
        (cfg.data_dir / "admin-password.txt").write_text(
            f"{cfg.admin_username}\n{password}\n", encoding="utf-8")
    if settings.get().demo_data:
        from messenger_app.services import demo

        demo.seed_if_empty()
