"""What several benchmarks start and read: a fresh SQLite database for this process, the
production app with an SMS channel whose webhook they post to, a local Redis when one is
installed, the kernel's per-process CPU figures (/proc/<pid>/stat)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


def fresh_database(data_dir: Path) -> None:
    """Point this process at a new SQLite database under `data_dir` (DATABASE_URL and
    REDIS_URL unset), migrated, with the event bus reset."""
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    from messenger_app import db, settings
    from messenger_app.services import events

    settings.reset()
    db.reset_engine()
    events.reset()
    db.migrate()


@contextlib.contextmanager
def app_with_sms_channel(prefix: str) -> Iterator[tuple[object, object]]:
    """(app, channel): the production build started on a fresh DATA_DIR under a new temporary
    folder (tests/e2e/conftest.start_app), this process pointed at the same database, and an
    SMS channel added there whose sends go nowhere (127.0.0.1:9). The app stops after."""
    from tests.e2e.conftest import start_app

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    app = start_app(tmp, "http://127.0.0.1:9")
    try:
        os.environ["DATA_DIR"] = str(app.data_dir)
        from messenger_app import db, settings
        from messenger_app.services import channels

        settings.reset()
        db.reset_engine()
        yield app, channels.add("sms", "SMS", config={"send_url": "http://127.0.0.1:9/send"})
    finally:
        app.stop()


def traced_app(stack: contextlib.ExitStack, prefix: str, url: str | None = None,
               dialogs: int = 50) -> str:
    """The address of an inbox to trace: `url` when given (an app already running), else the
    production app on a fresh DATA_DIR with `dialogs` SMS dialogs, stopped when `stack`
    closes."""
    if url:
        return url
    app, ch = stack.enter_context(app_with_sms_channel(prefix))
    from messenger_app.channels.base import InboundMessage
    from messenger_app.services import inbox

    for i in range(dialogs):
        inbox.receive(ch.id, "sms", InboundMessage(f"o{i}", f"+7000000{i:04d}", f"hi {i}"),
                      fetch_profile=False)
    return app.url


def hook_url(app, channel) -> str:
    """The channel's webhook route on the running app."""
    return f"{app.url}/hooks/{channel.id}/{channel.webhook_secret}"


def optional_redis(tmp: Path):
    """A local redis-server (tests/services.RedisServer, stop it after), or None with a
    line saying why when there is none on this machine."""
    try:
        from tests.services import RedisServer

        return RedisServer(tmp)
    except Exception as e:  # no redis-server here
        print(f"(no REDIS run: {e})")
        return None


def proc_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/<pid>/stat after the command name) of every process still
    there; fields[1] is the parent, [2] the process group, [11] and [12] user and system
    CPU ticks, [21] the RSS in pages."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        yield int(pid), fields
