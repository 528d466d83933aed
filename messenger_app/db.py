"""The engine, the session factory and migrations.

SQLite gets WAL and a busy timeout so the pollers, the sender and the UI can write at once.
Only `services/` opens sessions (ARCHITECTURE.md: UI code never does).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from messenger_app import settings

_engine: Engine | None = None
_lock = threading.Lock()
ROOT = Path(__file__).resolve().parent.parent


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(eng, "connect", _sqlite_pragmas)
        return eng
    cfg = settings.get()
    # connect_timeout: an unreachable server fails a request in seconds instead of hanging
    return create_engine(url, pool_pre_ping=True, pool_size=cfg.db_pool_size,
                         max_overflow=cfg.db_max_overflow, pool_timeout=10,
                         connect_args={"connect_timeout": 5})


def engine() -> Engine:
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = make_engine(settings.get().database_url)
    return _engine


def reset_engine() -> None:
    """Tests point DATABASE_URL elsewhere and call this."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None


@contextmanager
def session() -> Iterator[Session]:
    with Session(engine(), expire_on_commit=False) as s:
        yield s


@contextmanager
def reading() -> Iterator[Connection]:
    """A connection for reading plain rows, no ORM objects: hot reads (a live update's rows,
    counters, sounds) skip the ORM session's execution and closing bookkeeping (~2x)."""
    with engine().connect() as conn:
        yield conn


def is_sqlite() -> bool:
    return engine().dialect.name == "sqlite"


def migrate() -> None:
    """Bring the schema to the newest Alembic revision (the app calls this on start)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.set_main_option("sqlalchemy.url", settings.get().database_url.replace("%", "%%"))
    with engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
