"""Automatic mailings: evaluated each day at AUTO_HOUR in the mailing's time zone, each
occurrence's recipients fixed once."""

from __future__ import annotations

from datetime import datetime, time as dtime, timedelta, timezone

from messenger_app import db
from messenger_app.models.mailing import ACTIVE, Mailing
from messenger_app.services import jobs, mailing_audience
from messenger_app.services.mailings.drafts import _now, _zone
from messenger_app.services.mailings.recipients import fix_recipients


AUTO_HOUR = 10  # automatic mailings are evaluated (and sent) at 10:00 in the mailing's time zone


def _next_run(m: Mailing, now: datetime) -> datetime:
    """The next AUTO_HOUR in the mailing's time zone, from now (today's when not passed)."""
    zone = _zone(m.tz)
    local = now.astimezone(zone)
    at = datetime.combine(local.date(), dtime(AUTO_HOUR), zone)
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), dtime(AUTO_HOUR), zone)
    return at.astimezone(timezone.utc)


def _schedule_auto(m: Mailing, now: datetime) -> None:
    at = _next_run(m, now)
    day = at.astimezone(_zone(m.tz)).date()
    jobs.enqueue("mailing_auto", f"mailing_auto:{m.id}:{day.isoformat()}",
                 {"mailing_id": m.id, "day": day.isoformat()}, run_at=at)


def evaluate_automatic(mailing_id: int, now: datetime | None = None) -> int:
    """Add today's due clients of an active automatic mailing (each client once per
    occurrence: unique rows), then schedule tomorrow's run. Returns how many were added."""
    now = now or _now()
    with db.session() as s:
        m = s.get(Mailing, mailing_id)
    if m is None or m.status != ACTIVE or not m.trigger:
        return 0
    day = now.astimezone(_zone(m.tz)).date()
    cond, occurrence = mailing_audience.trigger_condition(m.trigger, day, now, m.created_at,
                                                          _zone(m.tz))
    added = 0 if cond is None else fix_recipients(m.id, cond, occurrence)
    _schedule_auto(m, now)
    return added
