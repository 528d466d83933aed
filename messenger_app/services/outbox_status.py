"""Delivery reports from the channels (sent / delivered / read / failed) on outbound
messages; statuses only move forward."""

from __future__ import annotations

from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Message
from messenger_app.models.message import FAILED, OUT, QUEUED, SENDING, SENT
from messenger_app.services import events, rollups
from messenger_app.services.event_types import MessageChanged


# a mailing's message reaching a status -> its figure on /stats (X9, key = the mailing)
MAILING_METRICS = {SENT: "mailing_sent", "delivered": "mailing_delivered", "read": "mailing_read",
                   FAILED: "mailing_failed"}

RANK = {QUEUED: 0, SENDING: 0, SENT: 1, "delivered": 2, "read": 3}


def apply_status(channel_id: int, external_id: str, status: str, error: str = "") -> bool:
    """A delivery report from the channel (delivered / read / failed). Statuses only move
    forward (a late "delivered" never undoes "read"). Returns True when something changed."""
    if status not in ("sent", "delivered", "read", FAILED) or not external_id:
        return False
    now = utcnow()
    with db.session() as s:
        msg = s.exec(select(Message).where(Message.channel_id == channel_id,
                                           Message.external_id == external_id)).first()
        if msg is None or msg.direction != OUT:
            return False
        if status != FAILED and RANK.get(status, 0) <= RANK.get(msg.status, -1):
            return False
        msg.status, msg.updated_at = status, now
        if error:
            msg.error = error[:1000]
        msg.status_history = [*(msg.status_history or []),
                              {"status": status, "at": now.isoformat(), "error": error[:300]}]
        if msg.origin_kind == "mailing" and status in MAILING_METRICS:
            rollups.record(s.connection(), MAILING_METRICS[status], now, key=msg.origin_id)
        s.add(msg)
        events.on_commit(s, MessageChanged(dialog_id=msg.dialog_id, contact_id=msg.contact_id,
                                           message_id=msg.id, status=status))
        s.commit()
    return True
