"""A client's card (R1, R3, R5, R6, L6, B3): what it shows, the built-in name / phone / Tag 1 /
Tag 2 / blacklist, the CRM values, the bot pause, a new client by phone.

Only operator edits and imports (services/client_import/) write here: data that comes from
the messengers never does (R6). Every write is one transaction that sends one event on
commit: `DialogChanged(dialog_id=..., contact_id=..., reason="card")`.
"""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import func, update
from sqlmodel import Session, select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.lib import phones
from messenger_app.models import Contact, ContactValue, CrmField, Dialog
from messenger_app.services import events, stats
from messenger_app.services.event_types import DialogChanged
from messenger_app.services.crm.fields import get_field
from messenger_app.services.crm.tags import tag2_canonical
from messenger_app.services.crm.values import NAME_MAX, TAG1_MAX, CrmError, limited, clean_text, parse_value
from messenger_app.services.inbox import dialog_for

BOT_PAUSERS = ("operator", "bot")


def _contact(s: Session, contact_id: int) -> Contact:
    c = s.get(Contact, contact_id)
    if c is None:
        raise CrmError(f"client #{contact_id} not found", code="no_client")
    return c


def _card_event(s: Session, contact_id: int, dialog_id: int, **extra: Any) -> None:
    events.on_commit(s, DialogChanged(dialog_id=dialog_id, contact_id=contact_id, reason="card",
                                      **extra))


def _commit_card(s: Session, contact_id: int, **extra: Any) -> int:
    """Make sure the client has its dialog, commit with the card event; return the dialog id."""
    dialog_id = dialog_for(s, contact_id).id
    _card_event(s, contact_id, dialog_id, **extra)
    s.commit()
    return dialog_id


def card(contact_id: int) -> dict:
    """What the client card shows besides the variables (R1-R5, R7)."""
    with db.session() as s:
        c = _contact(s, contact_id)
        d = s.exec(select(Dialog).where(Dialog.contact_id == contact_id)).first()
    return {"id": c.id, "created_at": c.created_at, "first_name": c.first_name,
            "last_name": c.last_name, "phone": c.phone, "phone_display": phones.display(c.phone),
            "tag1": c.tag1, "tag2": c.tag2, "blacklisted": c.blacklisted,
            "first_message_at": c.first_message_at,
            "dialog_id": d.id if d else None, "bot_paused": bool(d and d.bot_paused)}


def values_of(contact_id: int) -> list[dict]:
    """Every CRM field in order with this client's value ("" when none): the card (R6)."""
    with db.session() as s:
        _contact(s, contact_id)
        fields = s.exec(select(CrmField).order_by(CrmField.position, CrmField.id)).all()
        vals = dict(s.exec(select(ContactValue.field_id, ContactValue.value_text)
                           .where(ContactValue.contact_id == contact_id)).all())
    return [{"key": f.key, "label": f.label, "type": f.type, "options": list(f.options or []),
             "value": vals.get(f.id, "")} for f in fields]


def set_value(contact_id: int, key: str, raw: Any) -> str:
    """Validate `raw` for the field's type and store it; "" (or None) clears the value.
    Returns the stored display form."""
    with db.session() as s:
        _contact(s, contact_id)
        f = get_field(s, key)
        typed = parse_value(f.type, f.options, raw)
        row = s.get(ContactValue, (contact_id, f.id))
        if not typed.text:
            if row is not None:
                s.delete(row)
        else:
            if row is None:
                row = ContactValue(contact_id=contact_id, field_id=f.id)
            row.value_text, row.value_num, row.value_date = typed.text, typed.num, typed.when
            s.add(row)
        _commit_card(s, contact_id, field=f.key)
    return typed.text


def _write_contact(contact_id: int, columns: Callable[[Session], dict[str, Any]]) -> dict[str, Any]:
    """The one path of every built-in card write: in one transaction find the client, work
    out the new column values (`columns` may read, or refuse, inside that transaction), store
    them and make sure the client has its dialog; then one card event. Returns the values."""
    with db.session() as s:
        c = _contact(s, contact_id)
        values = columns(s)
        for name, value in values.items():
            setattr(c, name, value)
        s.add(c)
        _commit_card(s, contact_id)
    return values


def set_name(contact_id: int, first: str, last: str) -> tuple[str, str]:
    first = limited(clean_text(first), NAME_MAX, "first name")
    last = limited(clean_text(last), NAME_MAX, "last name")
    _write_contact(contact_id, lambda s: {"first_name": first, "last_name": last})
    return first, last


def _phone_owner(s: Session, e164: str, other_than: int | None = None) -> int | None:
    q = select(Contact.id).where(Contact.phone == e164).order_by(Contact.id)
    if other_than is not None:
        q = q.where(Contact.id != other_than)
    return s.exec(q).first()


def set_phone(contact_id: int, raw: str) -> str:
    """Normalise and store; "" clears. A number another client has is refused (no merge)."""
    raw = clean_text(raw)
    if raw:
        try:
            e164 = phones.normalize(raw)
        except phones.InvalidPhone as e:
            raise CrmError(str(e), code=e.code, **e.params) from None
    else:
        e164 = ""

    def columns(s: Session) -> dict[str, Any]:
        owner = _phone_owner(s, e164, other_than=contact_id) if e164 else None
        if owner is not None:
            raise CrmError(f"phone {e164} already belongs to client #{owner}", code="phone_taken",
                           phone=e164, client=owner)
        return {"phone": e164, "phone_raw": raw[:64] if e164 else "", "phone_digits": phones.digits(e164)}

    _write_contact(contact_id, columns)
    return e164


def set_tag1(contact_id: int, text: str) -> str:
    text = limited(clean_text(text), TAG1_MAX, "Tag 1")
    _write_contact(contact_id, lambda s: {"tag1": text})
    return text


def set_tag2(contact_id: int, value: str) -> str:
    """One of the Tag 2 options (matched ignoring case), or "" to clear."""
    value = clean_text(value)
    return _write_contact(contact_id, lambda s: {"tag2": tag2_canonical(s, value) if value else ""})["tag2"]


def set_blacklisted(contact_id: int, blacklisted: bool) -> bool:
    """R3: a blacklisted client can still write and be answered, but gets no mailing."""
    _write_contact(contact_id, lambda s: {"blacklisted": bool(blacklisted)})
    return bool(blacklisted)


def can_mail(contact_id: int) -> bool:
    """The one check every mailing (manual or automatic, B2) must make before sending."""
    with db.session() as s:
        blacklisted = s.exec(select(Contact.blacklisted).where(Contact.id == contact_id)).first()
    return blacklisted is not None and not blacklisted


def mailable_clause():
    """The same rule as a SQL condition over Contact, for mailings that select in bulk."""
    return Contact.blacklisted == False  # noqa: E712


def set_bot_paused(dialog_id: int, paused: bool, by: str = "operator") -> bool:
    """R5: paused -> the bot stops and the dialog is in "With operator"; resumed -> it leaves.
    `by` is "operator" (card button) or "bot" (a scenario's hand-over step). Unread counters
    are not touched. Returns True when the state changed (then an event is published)."""
    if by not in BOT_PAUSERS:
        raise CrmError(f"by must be one of: {', '.join(BOT_PAUSERS)}", code="crm")
    with db.session() as s:
        d = s.get(Dialog, dialog_id)
        if d is None:
            raise CrmError(f"dialog #{dialog_id} not found", code="no_dialog")
        if d.bot_paused == bool(paused):
            return False
        # a targeted UPDATE: a message arriving at the same moment keeps its counter bump
        s.exec(update(Dialog).where(Dialog.id == dialog_id).values(bot_paused=bool(paused)))
        _card_event(s, d.contact_id, dialog_id, bot_paused=bool(paused), by=by)
        s.commit()
    if by == "operator":  # the bot's own hand-over already left its run where it belongs
        from messenger_app.services import bot

        bot.on_pause_changed(dialog_id, bool(paused))
    return True


# -- new dialog (L6) and billed subscribers (B3) -----------------------------------------------
def create_contact(phone: str, first_name: str = "", last_name: str = "") -> tuple[Contact, Dialog]:
    """L6: the client with this phone (existing: returned unchanged) or a new CRM contact with
    an empty dialog (L2). A new client is not a billed subscriber until its first message."""
    raw = clean_text(phone)
    try:
        e164 = phones.normalize(raw)
    except phones.InvalidPhone as e:
        raise CrmError(str(e), code=e.code, **e.params) from None
    first = limited(clean_text(first_name), NAME_MAX, "first name")
    last = limited(clean_text(last_name), NAME_MAX, "last name")
    with db.session() as s:
        owner = _phone_owner(s, e164)
        if owner is not None:
            contact = s.get(Contact, owner)
            dialog = dialog_for(s, owner)
            s.commit()
            return contact, dialog
        now = utcnow()
        contact = Contact(first_name=first, last_name=last, phone=e164, phone_raw=raw[:64],
                          phone_digits=phones.digits(e164), created_at=now)
        s.add(contact)
        s.flush()
        dialog = Dialog(contact_id=contact.id, activity_at=now, created_at=now)
        s.add(dialog)
        stats.contacts_created(s.connection(), now, 1)
        s.flush()
        _card_event(s, contact.id, dialog.id, created=True)
        s.commit()
    return contact, dialog


def billed_subscribers() -> int:
    """B3: clients that have exchanged at least one message."""
    with db.session() as s:
        return s.exec(select(func.count()).select_from(Contact)
                      .where(Contact.first_message_at.is_not(None))).one()
