"""Mailings (B2): create, preview, start, pause / resume / cancel, and the feeder that hands
recipients to the outbox a few at a time.

- The recipients are FIXED when a mailing starts: one MailingRecipient row per client (and per
  occurrence for automatic mailings; unique), written by one INSERT ... SELECT with the route
  and the skip reason (services/mailing_audience.py). Blacklisted clients are skipped there,
  and checked again when each one is handed to the outbox (crm.mailable_clause()).
- The FEEDER keeps at most `window(channel)` mailing messages queued per channel (two
  seconds of the channel's rate): an operator's reply on that channel waits behind at most
  those, never behind 100k rows, and memory stays flat. The send lanes pace them at the
  channel's limits and honour 429 retry_after (services/outbox.deliver).
- EXACTLY ONCE: each recipient's message is queued with the dedup key
  "mailing:<id>:<contact>[:<occurrence>]"; a feeder killed between queueing and marking the
  recipient queues the same key again after restart and gets the first message back.
- One recipient's failure (refused by the channel, the client gone) marks that recipient
  failed with the reason and the others go on.
- Mailing messages carry origin "mailing" and the mailing's name (shown in the dialog), do
  not make the dialog unread and do not move it in the inbox list (outbox.queue
  touch_list=False): the list is ordered by what clients and operators said.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from datetime import datetime, time as dtime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Integer, and_, bindparam, delete, exists, func, insert, literal, not_, select, update

from messenger_app import clock, db
from messenger_app.channels import registry
from messenger_app.channels.base import Choice
from messenger_app.lib.errors import DomainError
from messenger_app.models import Channel, ChannelIdentity, Contact, Dialog, Message
from messenger_app.models.mailing import (ACTIVE, CANCELLED, DONE, DRAFT, PAUSED, R_CANCELLED,
                                          R_FAILED, R_PENDING, R_QUEUED, R_SKIPPED, R_STARTED, RUNNING,
                                          SCHEDULED, Mailing, MailingRecipient)
from messenger_app.models.message import QUEUED, SENDING
from messenger_app.services import (crm, events, filters, jobs, mailing_audience, notes, outbox, rollups,
                                   templates)

log = logging.getLogger("messenger.mailings")
MAX_NAME = 200
MAX_CHOICES = 10
AUTO_HOUR = 10  # automatic mailings are evaluated (and sent) at 10:00 in the mailing's time zone
PAUSED_UNTIL = datetime(9999, 1, 1, tzinfo=timezone.utc)  # a paused mailing's queued rows wait
DEFAULT_STOP_WORDS = ("STOP", "стоп", "отписаться")
TRIGGERS = ("after_subscription", "date_field", "weekly")


class MailingError(DomainError):
    code = "mailing"


def _now() -> datetime:
    return clock.utcnow()


# -- validation / create / edit -------------------------------------------------------------

def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise MailingError(f"unknown time zone {tz!r}", code="mailing_tz") from None


def _check_trigger(trigger) -> dict:
    if not trigger:
        return {}
    if not isinstance(trigger, dict) or trigger.get("type") not in TRIGGERS:
        raise MailingError("the trigger is not one of: " + ", ".join(TRIGGERS), code="mailing_trigger")
    kind = trigger["type"]
    if kind == "after_subscription":
        try:
            days = int(trigger.get("days"))
        except (TypeError, ValueError):
            days = -1
        if not 0 <= days <= 3650:
            raise MailingError("days after subscription: a number from 0 to 3650", code="mailing_days")
        return {"type": kind, "days": days}
    if kind == "date_field":
        key = str(trigger.get("field") or "")
        if key not in {k for k, v in filters.crm_fields().items() if v.type == "date"}:
            raise MailingError("choose a CRM field of type date", code="mailing_date_field")
        return {"type": kind, "field": key}
    days = sorted({int(d) for d in trigger.get("days") or [] if str(d).isdigit() and 0 <= int(d) <= 6})
    if not days:
        raise MailingError("choose at least one day of the week", code="mailing_weekdays")
    return {"type": kind, "days": days}


def _check_scenario(scenario_id) -> int | None:
    """A published scenario to start for each recipient, or None (send the text)."""
    if scenario_id in (None, "", 0):
        return None
    from messenger_app.models import Scenario, ScenarioVersion

    with db.session() as s:
        sc = s.get(Scenario, int(scenario_id)) if str(scenario_id).isdigit() else None
        published = sc is not None and sc.deleted_at is None and s.exec(
            select(ScenarioVersion.id).where(ScenarioVersion.scenario_id == sc.id).limit(1)).first()
    if not published:
        raise MailingError("choose a published scenario", code="mailing_scenario")
    return int(scenario_id)


def _check(name, audience, channel_id, text, choices, send_at, tz, trigger, scenario_id=None) -> dict:
    name = " ".join(str(name or "").split())
    if not name:
        raise MailingError("the mailing needs a name", code="mailing_name")
    if len(name) > MAX_NAME:
        raise MailingError(f"name too long (max {MAX_NAME})", code="too_long", limit=MAX_NAME)
    audience = filters.validate(audience or filters.empty())
    scenario_id = _check_scenario(scenario_id)
    text = (text or "").strip()
    if not text and scenario_id is None:
        raise MailingError("the mailing has no text", code="mailing_text")
    if len(text) > outbox.MAX_TEXT:
        raise MailingError("message too long", code="too_long", limit=outbox.MAX_TEXT)
    clean = []
    for c in choices or []:
        label = str((c or {}).get("label") if isinstance(c, dict) else c or "").strip()
        if label:
            clean.append({"id": f"m{len(clean) + 1}", "label": label[:40]})
    if len(clean) > MAX_CHOICES:
        raise MailingError("too many buttons", code="too_many_choices")
    channel = None
    if channel_id not in (None, "", 0):
        with db.session() as s:
            channel = s.get(Channel, int(channel_id))
        if channel is None:
            raise MailingError("this channel does not exist", code="mailing_channel")
        code = registry.capabilities(channel.kind).refuse_reason(
            [], [Choice(c["id"], c["label"]) for c in clean], text)
        if code:
            raise MailingError(outbox.REFUSALS.get(code, code), code=code)
    _zone(tz)
    if send_at is not None:
        if not isinstance(send_at, datetime) or send_at.tzinfo is None:
            raise MailingError("the start time needs a time zone", code="mailing_when")
        send_at = send_at.astimezone(timezone.utc)
    return {"name": name, "audience": audience, "channel_id": channel.id if channel else None,
            "text": text, "choices": clean, "send_at": send_at, "tz": tz or "UTC",
            "trigger": _check_trigger(trigger), "scenario_id": scenario_id}


def create(name: str, audience: dict | None, text: str, *, channel_id: int | None = None,
           choices: list | None = None, send_at: datetime | None = None, tz: str = "UTC",
           trigger: dict | None = None, template_id: int | None = None,
           operator_id: int | None = None, scenario_id: int | None = None) -> int:
    """A draft mailing; bad input raises MailingError (or filters.FilterError) and writes
    nothing."""
    values = _check(name, audience, channel_id, text, choices, send_at, tz, trigger, scenario_id)
    now = _now()
    with db.session() as s:
        m = Mailing(**values, template_id=template_id, created_by=operator_id, status=DRAFT,
                    created_at=now, updated_at=now)
        s.add(m)
        s.commit()
        mid = m.id
    _changed(mid)
    return mid


def update_draft(mailing_id: int, name: str, audience: dict | None, text: str, *,
                 channel_id: int | None = None, choices: list | None = None,
                 send_at: datetime | None = None, tz: str = "UTC", trigger: dict | None = None,
                 template_id: int | None = None, scenario_id: int | None = None) -> None:
    values = _check(name, audience, channel_id, text, choices, send_at, tz, trigger, scenario_id)
    with db.session() as s:
        m = _get(s, mailing_id)
        if m.status not in (DRAFT, SCHEDULED):
            raise MailingError("a started mailing cannot be edited", code="mailing_started")
        for k, v in values.items():
            setattr(m, k, v)
        m.template_id, m.updated_at = template_id, _now()
        if m.status == SCHEDULED:  # the new time applies: the start job is keyed by it
            m.status = DRAFT
        s.add(m)
        s.commit()
    _changed(mailing_id)


def _get(s, mailing_id) -> Mailing:
    m = s.get(Mailing, int(mailing_id)) if str(mailing_id).isdigit() else None
    if m is None:
        raise MailingError("mailing not found", code="mailing_missing")
    return m


def get(mailing_id: int) -> Mailing | None:
    with db.session() as s:
        return s.get(Mailing, mailing_id)


def list_mailings(limit: int = 200) -> list[Mailing]:
    with db.session() as s:
        return list(s.exec(select(Mailing).order_by(Mailing.id.desc()).limit(limit)).scalars())


def _changed(mailing_id: int) -> None:
    events.publish("mailing", mailing_id=mailing_id)


# -- preview ---------------------------------------------------------------------------------

def _channel(s, m_or_id) -> Channel | None:
    cid = m_or_id if isinstance(m_or_id, (int, type(None))) else m_or_id.channel_id
    return s.get(Channel, cid) if cid else None


def preview(audience: dict | None, channel_id: int | None = None, sample: int = 5) -> dict:
    """How many clients the mailing would reach, how many are skipped and why, and a few of
    the recipients' names. Reads only."""
    audience = filters.validate(audience or filters.empty())
    now = _now()
    with db.session() as s:
        channel = _channel(s, int(channel_id) if channel_id else None)
        ident, skip = mailing_audience.columns(channel, now)
        q = mailing_audience.base(audience).with_only_columns(skip.label("skip"), func.count())
        counts = {reason or "": n for reason, n in s.execute(q.group_by(skip)).all()}
        names = s.execute(mailing_audience.base(audience, skip == "")
                          .with_only_columns(Contact.first_name, Contact.last_name, Contact.phone)
                          .order_by(Contact.id).limit(sample)).all()
    skipped = {r: counts.get(r, 0) for r in mailing_audience.SKIP_REASONS if counts.get(r)}
    return {"total": sum(counts.values()), "send": counts.get("", 0), "skipped": skipped,
            "sample": [(f"{a} {b}".strip() or p or "?") for a, b, p in names]}


# -- start -----------------------------------------------------------------------------------

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
            s.commit()
            _schedule_auto(m, now)
            _changed(m.id)
            return ACTIVE
        if m.send_at is not None and m.send_at > now:
            m.status = SCHEDULED
            s.add(m)
            s.commit()
            jobs.enqueue("mailing_start", f"mailing_start:{m.id}:{m.send_at.isoformat()}",
                         {"mailing_id": m.id}, run_at=m.send_at)
            _changed(m.id)
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


def fix_recipients(mailing_id: int, occurrence_condition=None, occurrence: str = "") -> int:
    """Write the recipients (one INSERT ... SELECT), mark the skipped, set the mailing running.
    Idempotent: a client already fixed for this occurrence is not added twice. Returns how
    many rows were added."""
    now = _now()
    with db.engine().begin() as conn:
        m = conn.execute(select(Mailing.__table__).where(Mailing.id == mailing_id)).first()
        if m is None:
            raise MailingError("mailing not found", code="mailing_missing")
        if not m.trigger and m.status not in (DRAFT, SCHEDULED):
            return 0  # started already (a scheduled job run twice)
        channel = conn.execute(select(Channel.__table__).where(Channel.id == m.channel_id)).first() \
            if m.channel_id else None
        ident, skip = mailing_audience.columns(channel, now)
        R = MailingRecipient.__table__
        already = exists(select(R.c.id).where(R.c.mailing_id == mailing_id,
                                              R.c.contact_id == Contact.id,
                                              R.c.occurrence == occurrence).correlate(Contact))
        sel = mailing_audience.base(m.audience or filters.empty(), occurrence_condition)
        if m.trigger:  # automatic: today's run may meet clients fixed by an earlier run
            sel = sel.where(not_(already))
        sel = sel.with_only_columns(literal(mailing_id), Contact.id, Dialog.id, literal(occurrence),
                                    ident, literal(m.channel_id, type_=Integer), literal(R_PENDING), skip,
                                    literal(""), literal(now))
        fresh = and_(R.c.mailing_id == mailing_id, R.c.occurrence == occurrence)
        before = conn.execute(select(func.count()).select_from(R).where(fresh)).scalar_one()
        conn.execute(insert(R).from_select(
            ["mailing_id", "contact_id", "dialog_id", "occurrence", "identity_id", "channel_id",
             "status", "skip_reason", "error", "created_at"], sel))
        # (rowcount of INSERT ... SELECT is -1 on some drivers: count instead)
        added = conn.execute(select(func.count()).select_from(R).where(fresh)).scalar_one() - before
        skipped = conn.execute(update(R).where(fresh, R.c.skip_reason != "", R.c.status != R_SKIPPED)
                               .values(status=R_SKIPPED)).rowcount
        if skipped and skipped > 0:  # X9: the mailing's figures (sent ... come from the outbox)
            rollups.record(conn, "mailing_skipped", now, key=mailing_id, n=skipped)
        if m.channel_id is None:  # each client's own channel: the chosen identity's
            conn.execute(update(R).where(fresh, R.c.status == R_PENDING)
                         .values(channel_id=select(ChannelIdentity.channel_id)
                                 .where(ChannelIdentity.id == R.c.identity_id).scalar_subquery()))
        if not m.trigger:
            conn.execute(update(Mailing.__table__).where(Mailing.id == mailing_id)
                         .values(status=RUNNING, started_at=now, updated_at=now))
    _changed(mailing_id)
    events.publish("mailing_feed")
    return added


# -- controls ----------------------------------------------------------------------------------

def _in_flight(mailing_id: int):
    """This mailing's messages the outbox has not tried yet."""
    return select(Message.id).where(Message.origin_kind == "mailing",
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
        s.commit()
    _changed(mailing_id)


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
        s.commit()
        status, auto = m.status, bool(m.trigger)
    if auto:
        _schedule_auto(get(mailing_id), now)
    if status == DRAFT:
        start(mailing_id)
    _changed(mailing_id)
    events.publish("outbox", channel_id=None)
    events.publish("mailing_feed")


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
        s.commit()
    _changed(mailing_id)


# -- feeding the outbox -----------------------------------------------------------------------

def window(channel_kind: str) -> int:
    """How many mailing messages may wait in one channel's lane: two seconds of its rate."""
    rate = registry.capabilities(channel_kind).rate_per_second
    return max(5, min(200, int(rate * 2)))


def _dedup_key(mailing_id: int, contact_id: int, occurrence: str) -> str:
    return f"mailing:{mailing_id}:{contact_id}" + (f":{occurrence}" if occurrence else "")


def feed(limit: int = 1000) -> int:
    """Hand the next recipients of every running mailing to the outbox, as far as each
    channel's window allows; finish mailings with nothing left. Returns how many were handed."""
    handed = 0
    with db.session() as s:
        running = list(s.exec(select(Mailing).where(Mailing.status.in_([RUNNING, ACTIVE]))).scalars())
        kinds = dict(s.exec(select(Channel.id, Channel.kind)).all())
    for m in running:
        if handed >= limit:
            break
        handed += _feed_one(m, kinds, limit - handed)
    return handed


def _feed_one(m: Mailing, kinds: dict, limit: int) -> int:
    R = MailingRecipient
    with db.session() as s:
        lanes = list(s.exec(select(R.channel_id).where(R.mailing_id == m.id, R.status == R_PENDING)
                            .distinct()).scalars())
        room = {}
        for cid in lanes:
            busy = s.scalar(select(func.count()).select_from(Message).where(
                Message.channel_id == cid, Message.status.in_([QUEUED, SENDING]),
                Message.origin_kind == "mailing"))
            room[cid] = max(0, window(kinds.get(cid, "")) - busy)
        batch = []
        for cid, n in room.items():
            if n and len(batch) < limit:
                batch += list(s.exec(
                    select(R.id, R.contact_id, R.dialog_id, R.identity_id, R.occurrence,
                           Contact.blacklisted)
                    .join(Contact, Contact.id == R.contact_id)
                    .where(R.mailing_id == m.id, R.status == R_PENDING,
                           (R.channel_id == cid) if cid is not None else R.channel_id.is_(None))
                    .order_by(R.id).limit(min(n, limit - len(batch)))).all())
    results = [_hand_over(m, *row) for row in batch]
    if results:  # one transaction for the batch (a crash before it: the dedup keys hold)
        T = MailingRecipient.__table__
        with db.engine().begin() as conn:
            conn.execute(update(T).where(T.c.id == bindparam("b_id"), T.c.status == R_PENDING)
                         .values(status=bindparam("b_status"), skip_reason=bindparam("b_skip"),
                                 message_id=bindparam("b_msg"), error=bindparam("b_error")),
                         results)
            for status, metric in ((R_SKIPPED, "mailing_skipped"), (R_FAILED, "mailing_failed")):
                n = sum(1 for r in results if r["b_status"] == status)
                if n:
                    rollups.record(conn, metric, _now(), key=m.id, n=n)
    if not lanes:
        _maybe_done(m)
    elif batch:
        _changed(m.id)
    return len(batch)


def _hand_over(m: Mailing, rid: int, contact_id: int, dialog_id: int, identity_id, occurrence,
               blacklisted: bool) -> dict:
    """Queue one recipient's message; returns the recipient's new values (never raises)."""
    values: dict
    if blacklisted:  # blacklisted after the mailing started: the service that sends says no
        values = {"status": R_SKIPPED, "skip_reason": "blacklisted"}
    elif identity_id is None:
        values = {"status": R_SKIPPED, "skip_reason": "no_channel"}
    elif m.scenario_id:  # B1 from a mailing: the bot takes it from here, through the outbox
        try:
            from messenger_app.services import bot

            bot.start(contact_id, m.scenario_id, by="mailing")
            values = {"status": R_STARTED}
        except Exception as e:  # one recipient's failure never stops the others
            log.warning("mailing %s recipient %s: scenario: %s: %s", m.id, rid, type(e).__name__, e)
            values = {"status": R_FAILED, "error": f"{type(e).__name__}: {e}"[:500]}
    else:
        try:
            text = templates.render(m.text, contact_id).text if "{" in m.text else m.text
            mid = outbox.queue(
                dialog_id, None, text, identity_id=identity_id, attachments=m.attachments or [],
                sender_kind="bot", choices=[Choice(c["id"], c["label"]) for c in m.choices or []],
                origin=outbox.Origin("mailing", m.id, m.name, {"recipient": rid}),
                dedup_key=_dedup_key(m.id, contact_id, occurrence), touch_list=False)
            if m.status == PAUSED:
                with db.session() as s:
                    s.exec(update(Message).where(Message.id == mid, Message.status == QUEUED)
                           .values(next_attempt_at=PAUSED_UNTIL))
                    s.commit()
            values = {"status": R_QUEUED, "message_id": mid}
        except outbox.SendRefused as e:
            reason = {"send_unreachable": "unreachable"}.get(e.code)
            values = ({"status": R_SKIPPED, "skip_reason": reason} if reason
                      else {"status": R_FAILED, "error": (e.code or str(e))[:500]})
        except Exception as e:  # one recipient's failure never stops the others
            log.warning("mailing %s recipient %s: %s: %s", m.id, rid, type(e).__name__, e)
            values = {"status": R_FAILED, "error": f"{type(e).__name__}: {e}"[:500]}
    return {"b_id": rid, "b_status": values["status"], "b_skip": values.get("skip_reason", ""),
            "b_msg": values.get("message_id"), "b_error": values.get("error", "")}


def _maybe_done(m: Mailing) -> None:
    if m.trigger:
        return  # an automatic mailing stays active
    with db.session() as s:
        waiting = s.scalar(select(func.count()).select_from(Message).where(
            Message.origin_kind == "mailing", Message.origin_id == m.id,
            Message.status.in_([QUEUED, SENDING])))
        if waiting:
            return
        now = _now()
        res = s.exec(update(Mailing).where(Mailing.id == m.id, Mailing.status == RUNNING)
                     .values(status=DONE, finished_at=now, updated_at=now))
        s.commit()
    if res.rowcount:
        _changed(m.id)


# -- automatic mailings --------------------------------------------------------------------

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


# -- opt-out -------------------------------------------------------------------------------------

def stop_words() -> set[str]:
    """MAILING_STOP_WORDS (comma-separated), default STOP, стоп, отписаться; compared folded."""
    raw = os.environ.get("MAILING_STOP_WORDS")
    words = raw.split(",") if raw is not None else DEFAULT_STOP_WORDS
    return {_fold(w) for w in words if _fold(w)}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def is_stop_word(text: str) -> bool:
    """No query: the ingest path asks this of every inbound text."""
    if not text or len(text) > 60:
        return False
    word = _fold(text)
    return bool(word) and word in stop_words()


def opt_out(contact_id: int, dialog_id: int, text: str) -> bool:
    """An inbound reply that is a stop word, from a client who got a mailing: blacklisted
    (R3) with an internal note saying why. Returns True when the client was put there."""
    if not is_stop_word(text):
        return False
    with db.session() as s:
        got_mailing = s.scalar(select(exists(select(Message.id).where(
            Message.contact_id == contact_id, Message.origin_kind == "mailing"))))
        contact = s.get(Contact, contact_id)
        if not got_mailing or contact is None or contact.blacklisted:
            return False
    crm.set_blacklisted(contact_id, True)
    notes.add_note(dialog_id, None, f'Unsubscribed from mailings: the client replied "{text.strip()[:40]}". '
                                    "Added to the blacklist: no mailing will be sent to this client.")
    return True
