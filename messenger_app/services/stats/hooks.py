"""The write path of the statistics: each hook runs inside the transaction of the write it
counts (see the package docstring for who calls which)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import and_, func, insert, or_, select

from messenger_app.models import Contact, Handover, Message
from messenger_app.services import rollup_days
from messenger_app.services import rollups as R
from messenger_app.services.stats.times import bin_of

_M, _C, _H = Message.__table__, Contact.__table__, Handover.__table__


def _is_human(sender_kind: str, origin_kind: str | None) -> bool:
    return sender_kind == "operator" and not origin_kind


def _out_key(sender_kind: str, origin_kind: str | None) -> str:
    return origin_kind or sender_kind or "operator"


def received(conn, messages: list[tuple[int, int, int, datetime]],
             unbilled: dict[int, datetime], zone=rollup_days.READ) -> None:
    """inbox: new inbound messages, as (dialog id, contact id, channel id, created_at) — the
    caller wrote them and passes them rather than have them read back; `unbilled`: the
    clients among them whose first message this is (first_message_at not set yet), with
    that message's time; `zone`: rollup_days.ZONE as the caller read it in this transaction."""
    cells = R.counter()
    for dialog_id, _contact_id, channel_id, at in messages:
        cells[R.cell(R.MSG_IN, at, channel_id)] += 1
        cells[R.cell(R.DIALOG_ACTIVE, at, channel_id, 0, dialog_id)] += 1
    for at in unbilled.values():
        cells[R.cell(R.BILLED_NEW, at)] += 1
    R.add(conn, cells, zone)


def contact_created(conn, contact_id: int, at: datetime | None = None) -> None:
    """A new client (inbox, New dialog): counted on its subscription date (`at`, when the
    caller wrote it; else read)."""
    if at is None:
        at = conn.execute(select(_C.c.created_at).where(_C.c.id == contact_id)).scalar()
    if at is not None:
        R.record(conn, R.NEW_CLIENT, at)


def contacts_created(conn, at: datetime, n: int) -> None:
    """An import created `n` clients with subscription date `at`."""
    if n:
        R.record(conn, R.NEW_CLIENT, at, n=n)


def queued(conn, message_id: int) -> None:
    """outbox: a new outbound message; a human reply is also timed (first response / reply)."""
    m = conn.execute(select(_M).where(_M.c.id == message_id)).first()
    if m is None or m.direction != "out":
        return
    human = _is_human(m.sender_kind, m.origin_kind)
    op = m.operator_id if human else 0
    cells = R.counter()
    cells[R.cell(R.MSG_OUT, m.created_at, m.channel_id, op, _out_key(m.sender_kind, m.origin_kind))] += 1
    cells[R.cell(R.DIALOG_ACTIVE, m.created_at, m.channel_id, op, m.dialog_id)] += 1
    if human:
        timed = _waiting(conn, m.dialog_id, m.id, m.created_at)
        if timed is not None:
            since, first = timed
            secs = (m.created_at - since).total_seconds()
            cells[R.cell(R.FIRST_RESPONSE if first else R.REPLY, m.created_at, m.channel_id, op,
                         bin_of(secs))] += 1
    R.add(conn, cells)


def _before(mid: int, at: datetime):
    return or_(_M.c.created_at < at, and_(_M.c.created_at == at, _M.c.id < mid))


def _waiting(conn, dialog_id: int, mid: int, at: datetime) -> tuple[datetime, bool] | None:
    """(since when a client waits, is this the first response) for a human reply at `at`;
    None when nobody waits. The same rules as _timeline(), by queries."""
    human = and_(_M.c.dialog_id == dialog_id, _M.c.direction == "out",
                 _M.c.sender_kind == "operator", or_(_M.c.origin_kind == "", _M.c.origin_kind.is_(None)),
                 _before(mid, at))
    h = conn.execute(select(_M.c.id, _M.c.created_at).where(human)
                     .order_by(_M.c.created_at.desc(), _M.c.id.desc()).limit(1)).first()
    ho = conn.execute(select(func.max(_H.c.at)).where(_H.c.dialog_id == dialog_id, _H.c.at < at)).scalar()
    if ho is not None and (h is None or ho >= h.created_at):
        return ho, True
    inbound = and_(_M.c.dialog_id == dialog_id, _M.c.direction == "in", _before(mid, at))
    after = inbound if h is None else and_(inbound, or_(
        _M.c.created_at > h.created_at, and_(_M.c.created_at == h.created_at, _M.c.id > h.id)))
    first_in = conn.execute(select(_M.c.created_at).where(after)
                            .order_by(_M.c.created_at, _M.c.id).limit(1)).scalar()
    if first_in is None:
        return None
    if ho is not None:
        return first_in, False
    earlier = h is not None and conn.execute(select(_M.c.id).where(
        inbound, or_(_M.c.created_at < h.created_at,
                     and_(_M.c.created_at == h.created_at, _M.c.id < h.id))).limit(1)).first()
    return first_in, not earlier


def handed_over(conn, dialog_id: int, at: datetime) -> None:
    """The bot handed `dialog_id` to an operator at `at` (call in the hand-over's transaction):
    the next human reply is a first response timed from `at`. Count the hand-over itself per
    scenario with rollups.record(conn, "bot_handover", at, key=scenario_id)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    conn.execute(insert(_H).values(dialog_id=dialog_id, home_dialog_id=dialog_id, at=at))
