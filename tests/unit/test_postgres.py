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


def test_inbound_batch_and_the_partial_dedup_index_on_postgres(postgres):
    """The batch's first statement (stored messages + the kept zone + the scenario flag, a
    one-row select LEFT JOINed) and the dedup key's partial unique index (0013)."""
    from sqlalchemy import select, text

    from messenger_app.models import Message

    db.migrate()
    ch = channels.widget_channel()
    batch = [InboundMessage(external_id=f"m{i}", identity_external_id="u9", text=f"t{i}") for i in range(3)]
    got = inbox.receive_many(ch.id, "widget", batch)
    assert [g.created for g in got] == [True] * 3
    assert [g.created for g in inbox.receive_many(ch.id, "widget", batch)] == [False] * 3
    with db.engine().connect() as conn:
        indexdef = conn.execute(text("SELECT indexdef FROM pg_indexes "
                                     "WHERE indexname = 'uq_message_dedup_key'")).scalar()
        assert "UNIQUE" in indexdef and "WHERE (dedup_key IS NOT NULL)" in indexdef
        conn.exec_driver_sql("SET enable_seqscan = off")
        q = select(Message.id).where(Message.dedup_key == "bot:1:n1:1")  # outbox._by_dedup_key
        plan = "\n".join(r[0] for r in conn.execute(text(
            "EXPLAIN " + str(q.compile(conn, compile_kwargs={"literal_binds": True})))))
        assert "uq_message_dedup_key" in plan
        conn.exec_driver_sql("PREPARE by_key(text) AS SELECT id FROM message WHERE dedup_key = $1")
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")  # a bound parameter too
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN EXECUTE by_key('k')"))
        assert "uq_message_dedup_key" in plan


def test_the_send_queue_uses_its_partial_indexes_on_postgres(postgres):
    """Every query of the send queue implies `direction = 'out'` (a literal) on PostgreSQL
    too, in a generic plan as well (what a prepared statement may get after five runs)."""
    from tests import factories
    from tests.unit.test_outbox import queue_statements

    db.migrate()
    op = factories.operator(display_name="Ольга")
    seen = queue_statements(factories.dialog("hello").dialog_id, op.id)
    assert len(seen) >= 6
    with db.engine().connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        for stmt, params in seen:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + stmt, params))
            assert "Seq Scan on message" not in plan, (stmt, plan)
            assert any(ix in plan for ix in ("ix_message_lane", "ix_message_outbox", "message_pkey")), plan
        assert sum("ix_message_lane" in p or "ix_message_outbox" in p for p in (
            "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + stmt, params)) for stmt, params in seen)) >= 5
