"""The CRM side of a client (R1, R3, R5, R6, R7, L6, B3): fields ("variables") defined by an
admin, their values per client, the built-in name / phone / Tag 1 / Tag 2, the blacklist and
the bot pause.

Only operator edits and imports (services/client_import.py) write here: data that comes from
the messengers never does (R6). Every write is one transaction, then one event:
`events.publish("dialog", dialog_id=..., contact_id=..., reason="card")` for a client's card;
`events.publish("crm_fields", ...)` / `events.publish("tag2_options", ...)` for admin lists,
plus `events.publish("dialogs_bulk", ...)` when an admin change rewrote many clients.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable
from urllib.parse import urlsplit

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Contact, ContactValue, CrmField, Dialog, Tag2Option
from messenger_app.models.crm import FIELD_TYPES
from messenger_app.services import events, stats
from messenger_app.lib import phones
from messenger_app.lib.errors import DomainError
from messenger_app.services.inbox import dialog_for

KEY_RE = re.compile(r"[a-z0-9_]{1,64}")
# Column names of the export and import targets: a field may not take one of them as its key.
RESERVED_KEYS = frozenset({"id", "phone", "first_name", "last_name", "tag1", "tag2",
                           "blacklisted", "subscribed"})
NAME_MAX = 200  # first / last name
TAG1_MAX = 200
TAG2_MAX = 100
LABEL_MAX = 200
OPTION_MAX = 200  # one option of a select field
TEXT_MAX = 2000  # a text value (ContactValue.value_text)
NUMBER_MAX_ABS = Decimal("1e15")  # beyond this a float stops being exact for integers
BOT_PAUSERS = ("operator", "bot")

_TRUE = frozenset({"yes", "true", "1", "да", "y", "on", "д"})
_FALSE = frozenset({"no", "false", "0", "нет", "n", "off", "н"})
# Bidi embeddings/overrides/isolates can make a name display as something else.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009\u200a']")  # inside a number: 1 234 / 1'234
_DOMAINISH = re.compile(r"^[\w-]+(\.[\w-]+)*\.[^\W\d_]{2,}(:\d{1,5})?([/?#]\S*)?$", re.UNICODE)


class CrmError(DomainError):
    """A value or request the CRM refuses; `code` + `params` say why (services/errors.py)."""

    code = "crm"


# --------------------------------------------------------------------------------------------
# cleaning and typed values (pure functions, shared with the importer)
# --------------------------------------------------------------------------------------------
def clean_text(raw: Any, multiline: bool = False) -> str:
    """Drop control characters and bidi overrides; keep letters, emoji (incl. ZWJ sequences).
    `multiline` keeps line breaks and tabs (text values); otherwise they become spaces."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFC", str(raw))
    if text.isprintable():  # fast path: no controls, no format characters, no odd spaces
        return text.strip()
    text = text.replace("\r\n", "\n")
    out = []
    for ch in text:
        if ch in "\r\n\t":
            if multiline:
                out.append("\n" if ch == "\r" else ch)
            else:
                out.append(" ")
        elif ch in _BIDI or ch == "\ufeff":
            continue
        elif unicodedata.category(ch) in ("Cc", "Cs"):
            continue  # C0/C1 controls, lone surrogates (not storable as UTF-8)
        else:
            out.append(ch)
    text = "".join(out)
    if multiline:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _limited(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise CrmError(f"{what} is too long: {len(text)} characters, at most {limit}", code="too_long",
                       limit=limit, length=len(text))
    return text


def raw_to_str(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, datetime):
        if (raw.hour, raw.minute, raw.second, raw.microsecond) == (0, 0, 0, 0):
            return raw.date().isoformat()
        return raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    return str(raw)


def parse_number(text: str) -> Decimal:
    """'1 234,5' / '1234.5' / '1,234.5' / '1.234,5' / '-7' -> Decimal. A single comma is a
    decimal comma (Russian convention); a separator used more than once groups thousands."""
    s = _SPACES.sub("", text.strip()).replace("\u2212", "-")
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        grp = "." if dec == "," else ","
        s = s.replace(grp, "").replace(dec, ".")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(",") > 1:
        s = s.replace(",", "")
    elif s.count(".") > 1:
        s = s.replace(".", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        raise CrmError(f"not a number: {text[:50]!r}", code="number", value=text[:50])
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regex already ruled it out
        raise CrmError(f"not a number: {text[:50]!r}", code="number", value=text[:50]) from None
    if abs(value) >= NUMBER_MAX_ABS:
        raise CrmError(f"number is too large: {text[:50]!r}", code="number_large", value=text[:50])
    return value


def parse_date(text: str) -> date:
    """ISO '2026-11-25' (a time part is ignored) or '25.11.2026'."""
    s = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.+\-Z]*)?", s)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", s)
        if not m:
            raise CrmError(f"not a date (use 2026-11-25 or 25.11.2026): {text[:50]!r}", code="date",
                           value=text[:50])
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        return date(y, mo, d)
    except ValueError:
        raise CrmError(f"no such date: {text[:50]!r}", code="date", value=text[:50]) from None


def parse_bool(text: str) -> bool:
    s = text.strip().casefold()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise CrmError(f"not yes/no: {text[:50]!r}", code="bool", value=text[:50])


def parse_link(text: str) -> str:
    """An http(s) URL. 'example.com/x' gets https:// in front; every other scheme
    (javascript:, data:, file:, ...) is refused."""
    s = text.strip()
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in s):
        raise CrmError("a link may not contain spaces or control characters", code="link")
    if "://" not in s and _DOMAINISH.match(s):
        s = "https://" + s
    try:
        parts = urlsplit(s)
    except ValueError:
        raise CrmError(f"not a link: {text[:50]!r}", code="link") from None
    if parts.scheme.lower() not in ("http", "https") or not s.lower().startswith(
            (parts.scheme.lower() + "://")):
        raise CrmError("only http:// and https:// links are allowed", code="link")
    if not parts.hostname:
        raise CrmError(f"the link has no host: {text[:50]!r}", code="link")
    return _limited(s, TEXT_MAX, "link")


@dataclass(frozen=True)
class Typed:
    text: str  # normalised display form, "" = no value
    num: float | None = None
    when: datetime | None = None


def parse_value(ftype: str, options: Iterable[str], raw: Any) -> Typed:
    """Validate and normalise one value of a field of type `ftype`. Empty -> Typed("")."""
    text = raw_to_str(raw)
    if ftype == "text":
        return Typed(_limited(clean_text(text, multiline=True), TEXT_MAX, "text"))
    if ftype == "link":  # checked as typed: a hidden control character refuses the link
        text = text.strip()
        return Typed(parse_link(text) if text else "")
    text = clean_text(text)
    if not text:
        return Typed("")
    if ftype == "number":
        value = parse_number(text)
        shown = format(value.normalize(), "f")
        if shown in ("-0", "+0"):
            shown = "0"
        return Typed(shown, num=float(value))
    if ftype == "date":
        d = parse_date(text)
        return Typed(d.isoformat(), when=datetime(d.year, d.month, d.day, tzinfo=timezone.utc))
    if ftype == "bool":
        b = parse_bool(text)
        return Typed("yes" if b else "no", num=1.0 if b else 0.0)
    if ftype == "select":
        opts = list(options or [])
        if text in opts:
            return Typed(text)
        folded = {str(o).casefold(): str(o) for o in opts}
        if text.casefold() in folded:
            return Typed(folded[text.casefold()])
        raise CrmError(f"{text[:50]!r} is not one of the options: {', '.join(map(str, opts))}"[:500],
                       code="option", value=text[:50], options=", ".join(map(str, opts))[:400])
    raise CrmError(f"unknown field type {ftype!r}", code="field_type")


# --------------------------------------------------------------------------------------------
# fields (admin)
# --------------------------------------------------------------------------------------------
def _field_dict(f: CrmField) -> dict:
    return {"id": f.id, "key": f.key, "label": f.label, "type": f.type,
            "options": list(f.options or []), "position": f.position}


def _clean_options(ftype: str, options: Iterable[Any] | None) -> list[str]:
    if ftype != "select":
        return []
    out: list[str] = []
    seen: set[str] = set()
    for o in options or []:
        text = _limited(clean_text(o), OPTION_MAX, "option")
        if not text:
            continue
        if text.casefold() in seen:
            raise CrmError(f"option {text!r} is listed twice", code="option_twice", option=text)
        seen.add(text.casefold())
        out.append(text)
    if not out:
        raise CrmError("a select field needs at least one option", code="select_options")
    return out


def _clean_label(label: Any) -> str:
    text = _limited(clean_text(label), LABEL_MAX, "label")
    if not text:
        raise CrmError("a field needs a label", code="label_empty")
    return text


def _get_field(s: Session, ref: str | int) -> CrmField:
    if isinstance(ref, int):
        f = s.get(CrmField, ref)
    else:
        f = s.exec(select(CrmField).where(CrmField.key == ref)).first()
    if f is None:
        raise CrmError(f"no field {ref!r}", code="no_field")
    return f


def list_fields() -> list[dict]:
    """Every field in order: {id, key, label, type, options, position}."""
    with db.session() as s:
        rows = s.exec(select(CrmField).order_by(CrmField.position, CrmField.id)).all()
    return [_field_dict(f) for f in rows]


def create_field(key: str, label: str, type: str = "text", options: Iterable[Any] | None = None) -> dict:
    key = (key or "").strip()
    if not KEY_RE.fullmatch(key):
        raise CrmError("a key is 1-64 characters: lowercase latin letters, digits and _",
                       code="key_format")
    if key in RESERVED_KEYS:
        raise CrmError(f"{key!r} is a built-in column; choose another key", code="key_reserved", key=key)
    if type not in FIELD_TYPES:
        raise CrmError(f"type must be one of: {', '.join(FIELD_TYPES)}", code="field_type")
    label = _clean_label(label)
    opts = _clean_options(type, options)
    with db.session() as s:
        if s.exec(select(CrmField.id).where(CrmField.key == key)).first() is not None:
            raise CrmError(f"a field with key {key!r} already exists", code="key_exists", key=key)
        top = s.exec(select(func.max(CrmField.position))).one()
        f = CrmField(key=key, label=label, type=type, options=opts, position=(top or 0) + 1)
        s.add(f)
        s.commit()
        out = _field_dict(f)
    events.publish("crm_fields", reason="created", key=key)
    return out


def update_field(key: str | int, label: str | None = None, options: Iterable[Any] | None = None,
                 type: str | None = None) -> dict:
    """Change the label and/or the options of a select (values that are no longer an option
    are cleared). The type can change only while no client has a value. The key never
    changes: templates refer to it."""
    cleared = 0
    with db.session() as s:
        f = _get_field(s, key)
        if label is not None:
            f.label = _clean_label(label)
        if type is not None and type != f.type:
            if type not in FIELD_TYPES:
                raise CrmError(f"type must be one of: {', '.join(FIELD_TYPES)}", code="field_type")
            used = s.exec(select(func.count()).select_from(ContactValue)
                          .where(ContactValue.field_id == f.id)).one()
            if used:
                raise CrmError(f"{used} clients have a value in this field; its type cannot change",
                               code="type_locked", count=used)
            f.type = type
            if options is None:
                options = f.options
        if options is not None or type is not None:
            f.options = _clean_options(f.type, options)
            if f.type == "select":
                res = s.exec(delete(ContactValue).where(ContactValue.field_id == f.id,
                                                        ContactValue.value_text.not_in(f.options)))
                cleared = res.rowcount or 0
        s.add(f)
        s.commit()
        out = _field_dict(f)
    events.publish("crm_fields", reason="updated", key=out["key"])
    if cleared:
        events.publish("dialogs_bulk", reason="crm_field")
    return out


def delete_field(key: str | int) -> None:
    """Delete a field and every client's value of it."""
    with db.session() as s:
        f = _get_field(s, key)
        s.exec(delete(ContactValue).where(ContactValue.field_id == f.id))
        s.delete(f)
        s.commit()
        k = f.key
    events.publish("crm_fields", reason="deleted", key=k)
    events.publish("dialogs_bulk", reason="crm_field")


def reorder_fields(keys: list[str]) -> None:
    with db.session() as s:
        fields = {f.key: f for f in s.exec(select(CrmField)).all()}
        if sorted(keys) != sorted(fields):
            raise CrmError("the new order must list every field once", code="order")
        for pos, k in enumerate(keys, 1):
            fields[k].position = pos
            s.add(fields[k])
        s.commit()
    events.publish("crm_fields", reason="reordered")


# --------------------------------------------------------------------------------------------
# a client's card
# --------------------------------------------------------------------------------------------
def _contact(s: Session, contact_id: int) -> Contact:
    c = s.get(Contact, contact_id)
    if c is None:
        raise CrmError(f"client #{contact_id} not found", code="no_client")
    return c


def _card_event(contact_id: int, dialog_id: int, **extra: Any) -> None:
    events.publish("dialog", dialog_id=dialog_id, contact_id=contact_id, reason="card", **extra)


def _commit_card(s: Session, contact_id: int) -> int:
    """Make sure the client has its dialog, commit; return the dialog id for the event."""
    dialog_id = dialog_for(s, contact_id).id
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
        f = _get_field(s, key)
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
        dialog_id = _commit_card(s, contact_id)
    _card_event(contact_id, dialog_id, field=f.key)
    return typed.text


def set_name(contact_id: int, first: str, last: str) -> tuple[str, str]:
    first = _limited(clean_text(first), NAME_MAX, "first name")
    last = _limited(clean_text(last), NAME_MAX, "last name")
    with db.session() as s:
        c = _contact(s, contact_id)
        c.first_name, c.last_name = first, last
        s.add(c)
        dialog_id = _commit_card(s, contact_id)
    _card_event(contact_id, dialog_id)
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
    with db.session() as s:
        c = _contact(s, contact_id)
        if e164:
            owner = _phone_owner(s, e164, other_than=contact_id)
            if owner is not None:
                raise CrmError(f"phone {e164} already belongs to client #{owner}", code="phone_taken",
                               phone=e164, client=owner)
        c.phone, c.phone_raw, c.phone_digits = e164, raw[:64] if e164 else "", phones.digits(e164)
        s.add(c)
        dialog_id = _commit_card(s, contact_id)
    _card_event(contact_id, dialog_id)
    return e164


def set_tag1(contact_id: int, text: str) -> str:
    text = _limited(clean_text(text), TAG1_MAX, "Tag 1")
    with db.session() as s:
        c = _contact(s, contact_id)
        c.tag1 = text
        s.add(c)
        dialog_id = _commit_card(s, contact_id)
    _card_event(contact_id, dialog_id)
    return text


def set_tag2(contact_id: int, value: str) -> str:
    """One of the Tag 2 options (matched ignoring case), or "" to clear."""
    value = clean_text(value)
    with db.session() as s:
        c = _contact(s, contact_id)
        if value:
            value = _tag2_canonical(s, value)
        c.tag2 = value
        s.add(c)
        dialog_id = _commit_card(s, contact_id)
    _card_event(contact_id, dialog_id)
    return value


def set_blacklisted(contact_id: int, blacklisted: bool) -> bool:
    """R3: a blacklisted client can still write and be answered, but gets no mailing."""
    with db.session() as s:
        c = _contact(s, contact_id)
        c.blacklisted = bool(blacklisted)
        s.add(c)
        dialog_id = _commit_card(s, contact_id)
    _card_event(contact_id, dialog_id)
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
        s.commit()
        contact_id = d.contact_id
    _card_event(contact_id, dialog_id, bot_paused=bool(paused), by=by)
    return True


# --------------------------------------------------------------------------------------------
# new dialog (L6) and billed subscribers (B3)
# --------------------------------------------------------------------------------------------
def create_contact(phone: str, first_name: str = "", last_name: str = "") -> tuple[Contact, Dialog]:
    """L6: the client with this phone (existing: returned unchanged) or a new CRM contact with
    an empty dialog (L2). A new client is not a billed subscriber until its first message."""
    raw = clean_text(phone)
    try:
        e164 = phones.normalize(raw)
    except phones.InvalidPhone as e:
        raise CrmError(str(e), code=e.code, **e.params) from None
    first = _limited(clean_text(first_name), NAME_MAX, "first name")
    last = _limited(clean_text(last_name), NAME_MAX, "last name")
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
        s.commit()
    _card_event(contact.id, dialog.id, created=True)
    return contact, dialog


def billed_subscribers() -> int:
    """B3: clients that have exchanged at least one message."""
    with db.session() as s:
        return s.exec(select(func.count()).select_from(Contact)
                      .where(Contact.first_message_at.is_not(None))).one()


# --------------------------------------------------------------------------------------------
# Tag 2 options (R7)
# --------------------------------------------------------------------------------------------
def _tag2_canonical(s: Session, value: str) -> str:
    opts = s.exec(select(Tag2Option.value)).all()
    if value in opts:
        return value
    folded = {o.casefold(): o for o in opts}
    if value.casefold() in folded:
        return folded[value.casefold()]
    raise CrmError(f"{value[:50]!r} is not a Tag 2 option", code="tag2", value=value[:50])


def _clean_option(value: Any) -> str:
    text = _limited(clean_text(value), TAG2_MAX, "Tag 2 option")
    if not text:
        raise CrmError("a Tag 2 option cannot be empty", code="tag2_empty")
    return text


def list_tag2_options() -> list[str]:
    with db.session() as s:
        return list(s.exec(select(Tag2Option.value)
                           .order_by(Tag2Option.position, Tag2Option.id)).all())


def add_tag2_option(value: str) -> str:
    value = _clean_option(value)
    with db.session() as s:
        existing = s.exec(select(Tag2Option.value)).all()
        if value.casefold() in {o.casefold() for o in existing}:
            raise CrmError(f"Tag 2 option {value!r} already exists", code="tag2_exists", value=value)
        top = s.exec(select(func.max(Tag2Option.position))).one()
        s.add(Tag2Option(value=value, position=(top or 0) + 1))
        s.commit()
    events.publish("tag2_options", reason="added")
    return value


def rename_tag2_option(old: str, new: str) -> int:
    """Rename an option; clients that had it get the new value. Returns how many."""
    new = _clean_option(new)
    with db.session() as s:
        opt = s.exec(select(Tag2Option).where(Tag2Option.value == old)).first()
        if opt is None:
            raise CrmError(f"no Tag 2 option {old!r}", code="tag2", value=old)
        others = s.exec(select(Tag2Option.value).where(Tag2Option.id != opt.id)).all()
        if new.casefold() in {o.casefold() for o in others}:
            raise CrmError(f"Tag 2 option {new!r} already exists", code="tag2_exists", value=new)
        opt.value = new
        s.add(opt)
        res = s.exec(update(Contact).where(Contact.tag2 == old).values(tag2=new))
        s.commit()
        n = res.rowcount or 0
    events.publish("tag2_options", reason="renamed")
    if n:
        events.publish("dialogs_bulk", reason="tag2")
    return n


def delete_tag2_option(value: str) -> int:
    """Delete an option; clients that had it are left with no Tag 2. Returns how many."""
    with db.session() as s:
        opt = s.exec(select(Tag2Option).where(Tag2Option.value == value)).first()
        if opt is None:
            raise CrmError(f"no Tag 2 option {value!r}", code="tag2", value=value)
        res = s.exec(update(Contact).where(Contact.tag2 == value).values(tag2=""))
        s.delete(opt)
        s.commit()
        n = res.rowcount or 0
    events.publish("tag2_options", reason="deleted")
    if n:
        events.publish("dialogs_bulk", reason="tag2")
    return n


def reorder_tag2_options(values: list[str]) -> None:
    with db.session() as s:
        opts = {o.value: o for o in s.exec(select(Tag2Option)).all()}
        if len(values) != len(opts) or set(values) != set(opts):
            raise CrmError("the new order must list every Tag 2 option once", code="order")
        for pos, v in enumerate(values, 1):
            opts[v].position = pos
            s.add(opts[v])
        s.commit()
    events.publish("tag2_options", reason="reordered")
