"""The same migrations and data path on a real PostgreSQL (DATABASE_URL=postgresql+psycopg://)."""

import pytest

from messenger_app import db, settings
from messenger_app.channels.base import InboundMessage
from messenger_app.services import channels, dialog_query, events, inbox, widget
from tests.services import PostgresServer


@pytest.fixture
def postgres(tmp_path, monkeypatch):
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


def test_migrate_receive_and_list_on_postgres(postgres):
    db.migrate()
    db.migrate()  # idempotent
    assert db.engine().dialect.name == "postgresql"
    ch = channels.widget_channel()
    got = widget.send(widget.new_visitor(), "Привет из PostgreSQL")
    dup = InboundMessage(external_id="x1", identity_external_id="u1", text="once")
    inbox.receive(ch.id, "widget", dup)
    assert not inbox.receive(ch.id, "widget", dup).created
    rows = dialog_query.list_page()
    assert len(rows) == 2 and rows[1].id == got.dialog_id
    assert dialog_query.list_page(after=(rows[0].activity_at, rows[0].id))[0].id == got.dialog_id
