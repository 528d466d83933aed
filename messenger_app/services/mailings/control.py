"""Starting a mailing (its recipients fixed by one INSERT ... SELECT), a scheduled start by a
durable job, and pause / resume / cancel."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update

from messenger_app import db
from messenger_app.models import Message
from messenger_app.models.mailing import (ACTIVE, CANCELLED, DONE, DRAFT, PAUSED, R_CANCELLED, R_PENDING,
                                          RUNNING, SCHEDULED, Mailing, MailingRecipient)
from messenger_app.models.message import OUTBOUND, QUEUED
from messenger_app.services import events, jobs
from messenger_app.services.event_types import MailingFeedChanged, OutboxQueued
from messenger_app.services.mailings.automatic import _schedule_auto
from messenger_app.services.mailings.drafts import _changed, _get, get, MailingError, _now
from messenger_app.services.mailings.recipients import fix_recipients


PAUSED_UNTIL = datetime(9999, 1, 1, tzinfo=timezone.utc)  # a paused mailing's queued rows wait


def start(mailing_id: int, operator_id: int | None = None) -> str:
    """Start now, schedule for its time, or (automatic) activate. Returns the new status."""
    now = _now()
    with db.session() as s:
        m = _get(s, mailing_id)
        if m.status not in (DRAFT, SCHEDULED):
            raise MailingError("this mailing has already started", code="mailing_started")
        if m.trigger:
            m.status, m.started_at = ACTIVE, now
            s.add(m)
            _changed(s, m.id)
            s.commit()
            _schedule_auto(m, now)
            return ACTIVE
        if m.send_at is not None and m.send_at > now:
            m.status = SCHEDULED
            s.add(m)
            _changed(s, m.id)
            s.commit()
            jobs.enqueue("mailing_start", f"mailing_start:{m.id}:{m.send_at.isoformat()}",
                         {"mailing_id": m.id}, run_at=m.send_at)
            return SCHEDULED
    fix_recipients(mailing_id)
    return RUNNING


def start_scheduled(mailing_id: int) -> bool:
    """The scheduled start (a durable job): only a mailing still scheduled, and due (an
    edited or paused one has left that state; its old job does nothing)."""
    with db.session() as s:
        m = s.get(Mailing, mailing_id)
        if m is None or m.status != SCHEDULED or (m.send_at and m.send_at > _now() + timedelta(seconds=1)):
            return False
    fix_recipients(mailing_id)
    return True


def _in_flight(mailing_id: int):
    """This mailing's messages the outbox has not tried yet."""
    return select(Message.id).where(OUTBOUND, Message.origin_kind == "mailing",
                                    Message.origin_id == mailing_id,
                                    Message.status == QUEUED)


def pause(mailing_id: int) -> None:
    with db.session() as s:
        m = _get(s, mailing_id)
        if m.status not in (RUNNING, ACTIVE, SCHEDULED):
            raise MailingError("only a running mailing can be paused", code="mailing_state")
        m.status, m.updated_at = PAUSED, _now()
        s.add(m)
        # what is queued already waits too (a row being sent right now finishes)
        s.exec(update(Message).where(Message.id.in_(_in_flight(mailing_id)))
               .values(next_attempt_at=PAUSED_UNTIL))
        _changed(s, mailing_id)
        s.commit()


def resume(mailing_id: int) -> None:
    now = _now()
    with db.session() as s:
        m = _get(s, mailing_id)
        if m.status != PAUSED:
            raise MailingError("this mailing is not paused", code="mailing_state")
        if m.trigger:
            m.status = ACTIVE
        elif m.started_at is None:
            m.status = DRAFT  # paused before its scheduled start: start it again
        else:
            m.status = RUNNING
        m.updated_at = now
        s.add(m)
        s.exec(update(Message).where(Message.id.in_(_in_flight(mailing_id)))
               .values(next_attempt_at=now))
        _changed(s, mailing_id)  # and the lanes and the feeder look again, now
        events.on_commit(s, OutboxQueued(channel_id=None), MailingFeedChanged())
        s.commit()
        status, auto = m.status, bool(m.trigger)
    if auto:
        _schedule_auto(get(mailing_id), now)
    if status == DRAFT:
        start(mailing_id)


def cancel(mailing_id: int) -> None:
    """Stop for good: recipients not sent yet are cancelled, and so are the messages still
    waiting in the outbox (they were never sent, so they are removed from the dialogs)."""
    now = _now()
    with db.session() as s:
        m = _get(s, mailing_id)
        if m.status in (DONE, CANCELLED):
            raise MailingError("this mailing has ended", code="mailing_state")
        m.status, m.finished_at, m.updated_at = CANCELLED, now, now
        s.add(m)
        waiting = list(s.exec(_in_flight(mailing_id)).scalars())
        R = MailingRecipient
        s.exec(update(R).where(R.mailing_id == mailing_id,
                               (R.status == R_PENDING) | R.message_id.in_(waiting or [-1]))
               .values(status=R_CANCELLED))
        if waiting:
            s.exec(update(R).where(R.message_id.in_(waiting)).values(message_id=None))
            s.exec(delete(Message).where(Message.id.in_(waiting), Message.status == QUEUED))
        _changed(s, mailing_id)
        s.commit()
