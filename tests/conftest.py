"""Shared fixtures: every test gets its own DATA_DIR and SQLite database."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    from messenger_app import db, settings
    from messenger_app.services import events

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ADMIN_PASSWORD", "admin-pass-123")
    settings.reset()
    db.reset_engine()
    events.reset()
    db.migrate()
    yield tmp_path / "data"
    db.reset_engine()
    settings.reset()
    events.reset()


@pytest.fixture
def postgres(tmp_path, monkeypatch):
    """A real PostgreSQL on loopback as the app's database (DATABASE_URL), for one test."""
    from messenger_app import db, settings
    from messenger_app.services import events
    from tests.services import PostgresServer

    server = PostgresServer(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", server.url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.reset()
    db.reset_engine()
    events.reset()
    yield server
    db.reset_engine()
    settings.reset()
    server.stop()


def pytest_collection_modifyitems(session, config, items):
    """Fast tests first, browser tests last: Playwright's sync API keeps an event loop running
    in the main thread for the rest of the session, where asyncio.run() cannot be used."""
    e2e = ROOT / "tests" / "e2e"
    items.sort(key=lambda item: e2e in Path(str(item.fspath)).parents)
