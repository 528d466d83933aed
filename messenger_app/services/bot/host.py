"""The engine's host for one real client: templates rendered with its card, free answers
checked against the CRM field they are stored in, branch conditions read in SQL."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import true, false
from sqlmodel import select

from messenger_app import db, settings
from messenger_app.clock import utcnow
from messenger_app.lib.errors import DomainError
from messenger_app.models import Contact, CrmField, Dialog, Tag2Option
from messenger_app.services import crm, filters, templates
from messenger_app.services.scenario_engine import normalise_filter, time_leaf

log = logging.getLogger("messenger.bot")


def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(settings.get().time_zone or "UTC")
    except Exception:
        return ZoneInfo("UTC")


class _DbHost:
    """The engine's view of one real client."""

    def __init__(self, contact_id: int):
        self.contact_id = contact_id

    def render(self, text: str, variables: dict) -> str:
        return templates.render(text, self.contact_id).text

    def parse(self, store: dict | None, text: str) -> tuple[bool, str]:
        return parse_answer(store, text)

    def condition(self, filt: dict, variables: dict) -> bool:
        return contact_matches(self.contact_id, filt)


def parse_answer(store: dict | None, text: str) -> tuple[bool, str]:
    """Whether a free answer fits where it is stored (CRM field type, Tag 2 options)."""
    text = (text or "").strip()
    if not text:
        return False, ""
    kind = (store or {}).get("kind")
    try:
        if kind == "crm":
            with db.session() as s:
                f = s.exec(select(CrmField).where(CrmField.key == str(store.get("key")))).first()
            if f is None:
                return False, ""
            typed = crm.parse_value(f.type, f.options, text)
            return bool(typed.text), typed.text
        if kind == "tag1":
            value = crm.clean_text(text)
            return (bool(value) and len(value) <= crm.TAG1_MAX), value
        if kind == "tag2":
            with db.session() as s:
                opts = list(s.exec(select(Tag2Option.value)).all())
            found = next((o for o in opts if o.casefold() == text.casefold()), "")
            return bool(found), found
    except DomainError:
        return False, ""
    return True, crm.clean_text(text, multiline=True)[:2000]


def _sql_filter(filt: dict, now_local: datetime):
    group = normalise_filter(filt)
    parts = []
    for item in group["conditions"]:
        if isinstance(item, dict) and "conditions" in item:
            parts.append(_sql_filter(item, now_local))
            continue
        t = time_leaf(item, now_local) if isinstance(item, dict) else False
        if t is not None:
            parts.append(true() if t else false())
        else:
            parts.append(filters.compile({"join": "and", "conditions": [item]}))
    if not parts:
        return true()
    from sqlalchemy import and_, or_
    return and_(*parts) if group["join"] == "and" else or_(*parts)


def contact_matches(contact_id: int, filt: dict, now: datetime | None = None) -> bool:
    """An L5 filter (plus time_of_day / weekday leaves) for this one client, in SQL. A filter
    that cannot be used counts as not matching."""
    now_local = (now or utcnow()).astimezone(_zone())
    try:
        expr = _sql_filter(filt, now_local)
    except DomainError as e:
        log.info("branch condition not usable: %s", e)
        return False
    with db.session() as s:
        q = (select(Dialog.id).join(Contact, Contact.id == Dialog.contact_id)
             .where(Dialog.contact_id == contact_id, expr).limit(1))
        return s.exec(q).first() is not None
