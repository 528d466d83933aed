"""services/outbox: queueing rules, delivery reports, retry."""

import asyncio

import pytest

from messenger_app import db
from messenger_app.channels.base import SendResult
from messenger_app.models import Channel, Message
from messenger_app.services import dialog_list, dialogs, outbox


class Recorder:
    def __init__(self):
        self.sent = []

    async def send(self, ext_id, msg):
        self.sent.append((ext_id, msg.text))
        return SendResult(external_id=f"ext-{len(self.sent)}")


def _msg(mid):
    with db.session() as s:
        return s.get(Message, mid)


def test_queue_refuses_empty_long_and_unroutable(dialog):
    did, op = dialog
    with pytest.raises(outbox.SendRefused, match="empty"):
        outbox.queue(did, op, "   ")
    with pytest.raises(outbox.SendRefused, match="too long"):
        outbox.queue(did, op, "x" * 5000)
    with pytest.raises(outbox.SendRefused, match="cannot be reached"):
        outbox.queue(did, op, "hi", identity_id=999)
    assert [m.text for m in dialogs.messages(did)] == ["hello"]


def test_queue_updates_the_list_row_but_not_unread(dialog):
    did, op = dialog
    mid = outbox.queue(did, op, "our answer")
    row = dialog_list.row(did)
    assert row.preview == "our answer" and row.last_direction == "out" and row.unread == 1
    assert _msg(mid).status == "queued" and _msg(mid).status_history[0]["status"] == "queued"


def test_deliver_then_reports_only_move_forward(dialog):
    did, op = dialog
    mid = outbox.queue(did, op, "answer")
    rec = Recorder()
    assert asyncio.run(outbox.deliver(mid, lambda ch: rec)) == "sent"
    m = _msg(mid)
    [(to, text)] = rec.sent
    assert to.startswith("v_") and text == "answer"  # sent to the widget visitor's identity
    assert m.external_id == "ext-1" and m.sent_at is not None
    assert outbox.apply_status(m.channel_id, "ext-1", "read")
    assert not outbox.apply_status(m.channel_id, "ext-1", "delivered")  # late report
    assert not outbox.apply_status(m.channel_id, "unknown", "read")
    assert not outbox.apply_status(m.channel_id, "ext-1", "bogus")
    m = _msg(mid)
    assert m.status == "read"
    assert [h["status"] for h in m.status_history] == ["queued", "sent", "read"]


def test_failed_message_can_be_retried(dialog):
    did, op = dialog
    mid = outbox.queue(did, op, "answer")

    class Broken:
        async def send(self, ext_id, msg):
            from messenger_app.channels.base import PermanentError
            raise PermanentError("Bad Request: message is too long")

    assert asyncio.run(outbox.deliver(mid, lambda ch: Broken())) == "failed"
    assert "too long" in _msg(mid).error
    assert outbox.retry(mid) is True
    assert outbox.retry(mid) is False  # only failed messages
    assert mid in outbox.due()
    assert asyncio.run(outbox.deliver(mid, lambda ch: Recorder())) == "sent"


def test_disabled_channel_is_offered_with_reason(dialog):
    did, _ = dialog
    with db.session() as s:
        ch = s.get(Channel, 1)
        ch.enabled = False
        s.add(ch)
        s.commit()
    assert outbox.routes(did) == []
    [r] = outbox.routes(did, include_unusable=True)
    assert r.reason == "channel is disabled"


def test_automatic_message_keeps_its_origin_and_its_dedup_key_sends_once(dialog):
    did, _ = dialog
    origin = outbox.Origin("bot", id=7, label="Greeting", detail={"scenario_id": 3, "step": "n1"})
    first = outbox.queue(did, None, "Hi from the bot", sender_kind="bot", origin=origin,
                         dedup_key="bot:7:n1:1")
    again = outbox.queue(did, None, "Hi from the bot", sender_kind="bot", origin=origin,
                         dedup_key="bot:7:n1:1")
    other = outbox.queue(did, None, "Next step", sender_kind="bot", origin=origin,
                         dedup_key="bot:7:n2:1")
    assert again == first and other != first
    m = _msg(first)
    assert (m.origin_kind, m.origin_id, m.origin_label, m.origin_detail) == (
        "bot", 7, "Greeting", {"scenario_id": 3, "step": "n1"})
    with db.session() as s:
        texts = [r.text for r in s.query(Message).filter(Message.dialog_id == did).order_by(Message.id)]
    assert texts == ["hello", "Hi from the bot", "Next step"]


def queue_statements(dialog_id: int, operator_id: int) -> list[tuple[str, object]]:
    """(SQL, parameters) of the send queue's reads and claims, as the app runs them on this
    database (tests of the queue's partial indexes, here and in test_postgres)."""
    from sqlalchemy import event

    from messenger_app.services import outbox_delivery
    from messenger_app.services.mailings import control

    ch = outbox.routes(dialog_id)[0].channel_id
    outbox.queue(dialog_id, operator_id, "our answer")
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE")) and "status" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine(), "before_cursor_execute", capture)
    try:
        outbox.due()
        outbox.next_due_in()
        outbox.next_due_in(ch)
        assert outbox_delivery.claim_next(ch, "lane-1") is not None
        outbox_delivery.recover_stale()
        with db.engine().connect() as conn:  # a mailing's queued messages (pause / resume)
            conn.execute(control._in_flight(1)).all()
    finally:
        event.remove(db.engine(), "before_cursor_execute", capture)
    return seen


def test_the_send_queue_is_read_through_its_partial_indexes(dialog):
    """ix_message_outbox / ix_message_lane hold only outbound rows (migration 0013): every
    query of the queue must imply their WHERE, or it would scan the message table."""
    seen = queue_statements(*dialog)
    with db.engine().connect() as conn:
        plans = [(stmt, [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + stmt, params)])
                 for stmt, params in seen]
    assert len(plans) >= 6
    for stmt, plan in plans:
        assert not [p for p in plan if p.startswith("SCAN message") and "USING" not in p], (stmt, plan)
    used = " ".join(p for _, plan in plans for p in plan)
    assert "ix_message_lane" in used and "ix_message_outbox" in used
