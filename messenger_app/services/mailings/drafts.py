"""A mailing being written: its checks (audience, channel, text, buttons, schedule, trigger,
scenario), create and edit while a draft, reading it back, and the audience preview."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from messenger_app import clock, db
from messenger_app.channels import registry
from messenger_app.channels.base import Choice
from messenger_app.lib.errors import DomainError
from messenger_app.models import Channel, Contact
from messenger_app.models.mailing import DRAFT, SCHEDULED, Mailing
from messenger_app.services import events, filters, mailing_audience, outbox
from messenger_app.services.event_types import MailingChanged


MAX_NAME = 200
MAX_CHOICES = 10
TRIGGERS = ("after_subscription", "date_field", "weekly")


class MailingError(DomainError):
    code = "mailing"


def _now() -> datetime:
    return clock.utcnow()


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
        s.flush()
        _changed(s, m.id)
        s.commit()
        mid = m.id
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
        _changed(s, mailing_id)
        s.commit()


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


def _changed(s, mailing_id: int) -> None:
    """The mailing's page and list refresh once `s` commits."""
    events.on_commit(s, MailingChanged(mailing_id=mailing_id))


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
