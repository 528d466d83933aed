"""The same migrations and data path on a real PostgreSQL (DATABASE_URL=postgresql+psycopg://)."""

from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.services import channels, dialog_list, inbox, widget


def test_migrate_receive_and_list_on_postgres(postgres):
    db.migrate()
    db.migrate()  # idempotent
    assert db.engine().dialect.name == "postgresql"
    ch = channels.widget_channel()
    got = widget.send(widget.new_visitor(), "Привет из PostgreSQL")
    dup = InboundMessage(external_id="x1", identity_external_id="u1", text="once")
    inbox.receive(ch.id, "widget", dup)
    assert not inbox.receive(ch.id, "widget", dup).created
    rows = dialog_list.list_page()
    assert len(rows) == 2 and rows[1].id == got.dialog_id
    assert dialog_list.list_page(after=(rows[0].activity_at, rows[0].id))[0].id == got.dialog_id
