"""Filters inside search (L5): the filter model, its validation, text, URL form and SQL.

A filter is plain JSON with explicit grouping, so its meaning is never ambiguous:

    {"join": "or", "conditions": [
        {"join": "and", "conditions": [
            {"field": "tag1", "op": "contains", "value": "vip"},
            {"field": "channel", "op": "equals", "value": "telegram"}]},
        {"field": "unread", "op": "is_true"}]}

    describe() -> (Tag 1 contains "vip" AND channel is telegram) OR unread

`compile()` turns it into ONE SQLAlchemy boolean expression over Dialog joined with Contact
(EXISTS subqueries for channel identities, folders and CRM variables): the database does
all the filtering, never Python.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Integer, and_, exists, func, literal_column, not_, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import select as sm_select

from messenger_app import db
from messenger_app.models import (Channel, ChannelIdentity, Contact, ContactFolder, ContactValue,
                                  CrmField, Dialog, Folder, Message, Tag2Option)
from messenger_app.lib import phones
from messenger_app.lib.errors import DomainError

MAX_DEPTH = 3  # the top group is level 1
MAX_CONDITIONS = 30
MAX_TEXT = 500
MAX_LIST = 100
MAX_URL = 8000
KNOWN_KINDS = ("telegram", "whatsapp", "vk", "viber", "sms", "email", "widget")
KIND_LABELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "vk": "VK", "viber": "Viber",
               "sms": "SMS", "email": "E-mail", "widget": "Website chat"}
OPERATOR_FOLDER = "operator"


class FilterError(DomainError):
    """A filter that can't be used; the message says why (for logs and the API), the
    interface shows the generic "err_filter" in the operator's language."""

    code = "filter"


def empty() -> dict:
    return {"join": "and", "conditions": []}


# -- operators per type ------------------------------------------------------------------

TEXT_OPS = ("equals", "not_equals", "contains", "not_contains", "starts_with", "is_empty",
            "is_not_empty", "in_list")
PHONE_OPS = ("contains", "not_contains", "starts_with", "equals", "not_equals", "is_empty",
             "is_not_empty")
CHOICE_OPS = ("equals", "not_equals", "in_list", "is_empty", "is_not_empty")
NUMBER_OPS = ("equals", "not_equals", "gt", "gte", "lt", "lte", "between", "is_empty",
              "is_not_empty")
DATE_OPS = ("equals", "before", "after", "between", "is_empty", "is_not_empty")
BOOL_OPS = ("is_true", "is_false")
NO_VALUE = {"is_empty", "is_not_empty", "is_true", "is_false"}
ALL_OPS = set(TEXT_OPS) | set(PHONE_OPS) | set(NUMBER_OPS) | set(DATE_OPS) | set(BOOL_OPS)

# field type -> operators; "select" is text with a list of options, "choice" a closed set
TYPE_OPS = {"text": TEXT_OPS, "link": TEXT_OPS, "select": TEXT_OPS, "phone": PHONE_OPS,
            "choice": CHOICE_OPS, "number": NUMBER_OPS, "date": DATE_OPS, "bool": BOOL_OPS}

# built-in fields: key -> (type, operators)
BUILTIN: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("text", TEXT_OPS),
    "phone": ("phone", PHONE_OPS),
    "channel": ("choice", CHOICE_OPS),
    "last_channel": ("choice", CHOICE_OPS),
    "folder": ("choice", CHOICE_OPS),
    "unread": ("bool", BOOL_OPS),
    "blacklisted": ("bool", BOOL_OPS),
    "bot_paused": ("bool", BOOL_OPS),
    "tag1": ("text", TEXT_OPS),
    "tag2": ("select", TEXT_OPS),
    "created_at": ("date", ("equals", "before", "after", "between")),  # always set
    "last_message_at": ("date", DATE_OPS),
    "message_at": ("date", ("equals", "before", "after", "between")),  # any message then (X9)
}

LABELS = {
    "en": {"name": "Name", "phone": "Phone", "channel": "Channel",
           "last_channel": "Channel of the last message", "folder": "Folder", "unread": "Unread",
           "blacklisted": "Blacklisted", "bot_paused": "Bot paused", "tag1": "Tag 1",
           "tag2": "Tag 2", "created_at": "Subscription date", "last_message_at": "Last message date",
           "message_at": "Had a message on"},
    "ru": {"name": "Имя", "phone": "Телефон", "channel": "Канал",
           "last_channel": "Канал последнего сообщения", "folder": "Папка",
           "unread": "Непрочитанные", "blacklisted": "В чёрном списке", "bot_paused": "Бот на паузе",
           "tag1": "Тег 1", "tag2": "Тег 2", "created_at": "Дата подписки",
           "last_message_at": "Дата последнего сообщения", "message_at": "Было сообщение"},
}
# how describe() names the fields inside a sentence
TEXT_NAMES = {
    "en": {"name": "name", "phone": "phone", "channel": "channel", "last_channel": "last channel",
           "folder": "folder", "unread": "unread", "blacklisted": "blacklisted",
           "bot_paused": "bot paused", "tag1": "Tag 1", "tag2": "Tag 2",
           "created_at": "subscription date", "last_message_at": "last message date",
           "message_at": "a message"},
    "ru": {"name": "имя", "phone": "телефон", "channel": "канал", "last_channel": "последний канал",
           "folder": "папка", "unread": "непрочитанные", "blacklisted": "в чёрном списке",
           "bot_paused": "бот на паузе", "tag1": "Тег 1", "tag2": "Тег 2",
           "created_at": "дата подписки", "last_message_at": "дата последнего сообщения",
           "message_at": "сообщение"},
}
OP_LABELS = {
    "en": {"equals": "is", "not_equals": "is not", "contains": "contains",
           "not_contains": "does not contain", "starts_with": "starts with", "is_empty": "is empty",
           "is_not_empty": "is not empty", "in_list": "is one of", "gt": ">", "gte": "≥", "lt": "<",
           "lte": "≤", "before": "before", "after": "after", "between": "between",
           "is_true": "yes", "is_false": "no"},
    "ru": {"equals": "равно", "not_equals": "не равно", "contains": "содержит",
           "not_contains": "не содержит", "starts_with": "начинается с", "is_empty": "пусто",
           "is_not_empty": "не пусто", "in_list": "одно из", "gt": ">", "gte": "≥", "lt": "<",
           "lte": "≤", "before": "до", "after": "после", "between": "между",
           "is_true": "да", "is_false": "нет"},
}
WORDS = {"en": {"and": "AND", "or": "OR", "not": "NOT", "range": "and", "all": "everything",
                "operator": "With operator"},
         "ru": {"and": "И", "or": "ИЛИ", "not": "НЕ", "range": "и", "all": "все",
                "operator": "С оператором"}}


def _lang(lang: str) -> str:
    return lang if lang in LABELS else "en"


# -- CRM fields (variables, R6) ------------------------------------------------------------

@dataclass(frozen=True)
class VarField:
    id: int
    key: str
    label: str
    type: str
    options: tuple = dc_field(default=())


def crm_fields() -> dict[str, VarField]:
    """key -> the CRM field definition (one query)."""
    with db.session() as s:
        rows = s.exec(_crm_select()).all()
    return {f.key: VarField(f.id, f.key, f.label, f.type if f.type in TYPE_OPS else "text",
                            tuple(f.options or ())) for f in rows}


def _crm_select():
    return sm_select(CrmField).order_by(CrmField.position, CrmField.id)


def uses_variables(filt: Any) -> bool:
    return any(str(leaf.get("field", "")).startswith("var:") for leaf in _leaves(filt))


def _leaves(filt: Any):
    if not isinstance(filt, dict):
        return
    for item in filt.get("conditions") or []:
        if isinstance(item, dict) and "conditions" in item:
            yield from _leaves(item)
        elif isinstance(item, dict):
            yield item


def count_conditions(filt: Any) -> int:
    """How many conditions (leaves) the filter has: the search box shows it (L5)."""
    return sum(1 for _ in _leaves(filt))


def _field_type(key: str, crm: dict[str, VarField]) -> tuple[str, tuple[str, ...]]:
    if key in BUILTIN:
        return BUILTIN[key]
    if key.startswith("var:"):
        var = crm.get(key[4:])
        if var is None:
            raise FilterError(f'Unknown variable "{key[4:]}" (deleted from the CRM fields?).', code="filter_field")
        return var.type, TYPE_OPS[var.type]
    raise FilterError(f'Unknown field "{key}".', code="filter_field")


# -- validation ----------------------------------------------------------------------------

def validate(filt: Any, crm: dict[str, VarField] | None = None) -> dict:
    """Check a filter and return its normalised copy (values coerced: "12" -> 12 for numbers,
    folder ids as int). Raises FilterError with a clear message. `crm` is the result of
    crm_fields(); it is loaded (one query) when the filter uses variables and it is None."""
    if filt is None:
        return empty()
    if crm is None:
        crm = crm_fields() if uses_variables(filt) else {}
    counter = [0]
    out = _validate_group(filt, 1, crm, counter)
    return out


def _validate_group(group: Any, depth: int, crm, counter) -> dict:
    if not isinstance(group, dict):
        raise FilterError("A filter group must be an object with \"join\" and \"conditions\".")
    if depth > MAX_DEPTH:
        raise FilterError(f"Groups are nested too deep (at most {MAX_DEPTH} levels).")
    join = group.get("join", "and")
    if join not in ("and", "or"):
        raise FilterError(f'A group joins its conditions with "and" or "or", not {join!r}.')
    items = group.get("conditions")
    if not isinstance(items, list):
        raise FilterError('A filter group needs a list of "conditions".')
    if not items and depth > 1:
        raise FilterError("A group inside the filter has no conditions.")
    out = []
    for item in items:
        if isinstance(item, dict) and "conditions" in item:
            out.append(_validate_group(item, depth + 1, crm, counter))
        else:
            counter[0] += 1
            if counter[0] > MAX_CONDITIONS:
                raise FilterError(f"Too many conditions (at most {MAX_CONDITIONS}).")
            out.append(_validate_leaf(item, crm))
    return {"join": join, "conditions": out}


def _validate_leaf(leaf: Any, crm) -> dict:
    if not isinstance(leaf, dict):
        raise FilterError("A condition must be an object with field, op and value.")
    key, op = leaf.get("field"), leaf.get("op")
    if not isinstance(key, str) or not key:
        raise FilterError("A condition has no field.")
    ftype, ops = _field_type(key, crm)
    if op not in ops:
        name = key[4:] if key.startswith("var:") else key
        if op not in ALL_OPS:
            raise FilterError(f'Unknown operator {op!r}.')
        raise FilterError(f'The operator "{op}" does not apply to "{name}" ({ftype}); '
                          f'use one of: {", ".join(ops)}.')
    if op in NO_VALUE:
        return {"field": key, "op": op}
    value = leaf.get("value")
    return {"field": key, "op": op, "value": _value(key, ftype, op, value)}


def _value(key: str, ftype: str, op: str, value: Any) -> Any:
    if op == "in_list":
        if isinstance(value, str):  # typed as "a, b, c"
            value = [v for v in (p.strip() for p in value.split(",")) if v]
        if not isinstance(value, list) or not value:
            raise FilterError(f'"{key}" is one of: give a non-empty list of values.')
        if len(value) > MAX_LIST:
            raise FilterError(f"A list can have at most {MAX_LIST} values.")
        out = []
        for v in value:
            one = _scalar(key, ftype, v)
            if one not in out:
                out.append(one)
        return out
    if op == "between":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise FilterError(f'"{key}" between: give two values [from, to].')
        a, b = _scalar(key, ftype, value[0]), _scalar(key, ftype, value[1])
        if _sort_key(ftype, a) > _sort_key(ftype, b):
            raise FilterError(f'"{key}" between: the first value must not be after the second.', code="filter_order")
        return [a, b]
    return _scalar(key, ftype, value, op)


def _sort_key(ftype: str, v: Any):
    if ftype == "date":
        return _instant_range(v)[0]
    return v


def _scalar(key: str, ftype: str, v: Any, op: str = "") -> Any:
    if ftype == "number":
        return _number(key, v)
    if ftype == "date":
        return _date_text(key, v)
    if key == "folder":
        if v == OPERATOR_FOLDER:
            return v
        if isinstance(v, int) and not isinstance(v, bool) and v > 0:
            return v
        if isinstance(v, str) and v.strip().isdigit() and int(v) > 0:
            return int(v.strip())
        raise FilterError(f'Folder: {v!r} is not a folder.')
    if ftype == "choice":  # channel kinds
        if not isinstance(v, str) or not re.fullmatch(r"[a-z0-9_\-]{1,32}", v.strip().lower()):
            raise FilterError(f'{key}: {v!r} is not a channel.')
        return v.strip().lower()
    if isinstance(v, bool) or v is None or isinstance(v, (list, dict)):
        raise FilterError(f'"{key}": give a text value.')
    text = str(v).strip()
    if not text:
        raise FilterError(f'"{key}": the value is empty (use "is empty" to find empty ones).')
    if len(text) > MAX_TEXT:
        raise FilterError(f'"{key}": the value is too long (at most {MAX_TEXT} characters).')
    if ftype == "phone":
        if not phones.search_variants(text):
            raise FilterError(f'Phone: {text!r} has no digits.')
    return text


def _number(key: str, v: Any) -> float | int:
    if isinstance(v, bool) or v is None:
        raise FilterError(f'"{key}": {v!r} is not a number.', code="filter_number")
    if isinstance(v, str):
        s = v.strip().replace(" ", "").replace(",", ".")
        try:
            v = float(s)
        except ValueError:
            raise FilterError(f'"{key}": {s!r} is not a number.', code="filter_number") from None
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        raise FilterError(f'"{key}": {v!r} is not a number.', code="filter_number")
    return int(v) if float(v).is_integer() and abs(v) < 2 ** 53 else float(v)


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_text(key: str, v: Any) -> str:
    """A day "2024-05-01" (a whole UTC day) or an ISO date-time (an instant)."""
    if isinstance(v, datetime):
        v = v.isoformat()
    elif isinstance(v, date):
        v = v.isoformat()
    if not isinstance(v, str) or not v.strip():
        raise FilterError(f'"{key}": {v!r} is not a date (use YYYY-MM-DD).', code="filter_date")
    text = v.strip()
    try:
        if _DAY.fullmatch(text):
            date.fromisoformat(text)
        else:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f'"{key}": {text!r} is not a date (use YYYY-MM-DD).', code="filter_date") from None
    return text


def _instant_range(text: str) -> tuple[datetime, datetime, bool]:
    """(start, end, whole_day): a day is [00:00, next 00:00) UTC; a date-time is one instant."""
    if _DAY.fullmatch(text):
        start = datetime.combine(date.fromisoformat(text), time(), tzinfo=timezone.utc)
        return start, start + timedelta(days=1), True
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t, t, False


# -- SQL ---------------------------------------------------------------------------------

def compile(filt: Any, crm: dict[str, VarField] | None = None, *,  # noqa: A001
            for_count: bool = False) -> ColumnElement[bool]:
    """The filter as one boolean SQL expression over Dialog JOIN Contact (validates first).

    Channels, folders and variables are tested with subqueries on Dialog.contact_id. By
    default they are correlated EXISTS: a page read in list order stops after `limit` rows.
    for_count=True makes them IN lists, built once: faster when every row is visited, as
    in a count. Both forms select exactly the same dialogs."""
    if crm is None:
        crm = crm_fields() if uses_variables(filt) else {}
    return _group_sql(validate(filt, crm), _Ctx(crm, for_count))


@dataclass(frozen=True)
class _Ctx:
    crm: dict
    for_count: bool


def _group_sql(group: dict, ctx: _Ctx):
    parts = [(_group_sql(i, ctx) if "conditions" in i else _leaf_sql(i, ctx))
             for i in group["conditions"]]
    if not parts:
        return true()
    if len(parts) == 1:
        return parts[0]
    return and_(*parts) if group["join"] == "and" else or_(*parts)


def _case_variants(value: str) -> list[str]:
    """SQLite's lower()/LIKE fold ASCII only, and so does PostgreSQL's lower() in a "C"
    locale: for other letters (Cyrillic) also try the usual spellings as typed."""
    if value.isascii():
        return []
    out = []
    for v in (value, value.lower(), value.upper(), value.capitalize(), value.title()):
        if v not in out:
            out.append(v)
    return out


def _text_sql(col, op: str, value: Any):
    if op == "is_empty":
        return col == ""
    if op == "is_not_empty":
        return col != ""
    if op in ("not_equals", "not_contains"):
        return not_(_text_sql(col, op[4:], value))
    if op == "in_list":
        return or_(*[_text_sql(col, "equals", v) for v in value])
    variants = _case_variants(value)
    if op == "equals":
        return or_(func.lower(col) == value.lower(), *[col == v for v in variants])
    if op == "contains":
        return or_(col.icontains(value, autoescape=True),
                   *[col.contains(v, autoescape=True) for v in variants])
    if op == "starts_with":
        return or_(col.istartswith(value, autoescape=True),
                   *[col.startswith(v, autoescape=True) for v in variants])
    raise FilterError(f"Unknown operator {op!r}.")


def unread() -> ColumnElement[bool]:
    """Dialog.unread_count > 0 with a literal 0, so the partial index ix_dialog_unread
    (WHERE unread_count > 0) is usable on SQLite and in PostgreSQL's generic plans too."""
    return Dialog.unread_count > literal_column("0", Integer)


SHORT_PHONE = 3  # digits: up to this, so many numbers match that reading in list order wins


def phone_contains(query: str) -> ColumnElement[bool] | None:
    """Any part of a phone, typed in any format (L4); None when the query has no digits.

    A part of 4+ digits matches few clients: they are found first, by a scan of the small
    phone_digits index, and then sorted (an IN list). A shorter part matches many, and the
    list scanned in its order fills a page at once."""
    variants = phones.search_variants(query)
    if not variants:
        return None
    if min(len(v) for v in variants) <= SHORT_PHONE:
        return or_(*[Contact.phone_digits.contains(v) for v in variants])
    c = aliased(Contact)
    return Dialog.contact_id.in_(select(c.id).where(or_(*[c.phone_digits.contains(v) for v in variants])))


def _phone_sql(op: str, value: Any):
    if op == "is_empty":
        return Contact.phone == ""
    if op == "is_not_empty":
        return Contact.phone != ""
    if op in ("not_equals", "not_contains"):
        return not_(_phone_sql(op[4:], value))
    if op == "contains":
        return phone_contains(value)
    c = aliased(Contact)
    if op == "equals":
        e164 = phones.try_normalize(value)
        cond = c.phone == e164 if e164 else c.phone_digits == phones.digits(value)
    elif op == "starts_with":  # a range, not LIKE: it uses the phone_digits index
        cond = or_(*[and_(c.phone_digits >= v, c.phone_digits < v[:-1] + chr(ord(v[-1]) + 1))
                     for v in phones.search_variants(value)])
    else:
        raise FilterError(f"Unknown operator {op!r}.")
    return Dialog.contact_id.in_(select(c.id).where(cond))


# The subqueries are on Dialog.contact_id: a query that needs no column of Contact (a count
# over folders, channels, variables) does not have to join it.

def _member(contact_col, q, ctx: _Ctx):
    """Dialog.contact_id is among `q`'s contact ids: a correlated EXISTS, or an IN list."""
    if ctx.for_count:
        return Dialog.contact_id.in_(q)
    return exists(q.where(contact_col == Dialog.contact_id).correlate(Dialog))


def _has_identity(kinds: list[str] | None, ctx: _Ctx):
    q = select(ChannelIdentity.contact_id)
    if kinds is not None and ctx.for_count:  # every identity of these kinds, by channel
        q = q.join(Channel, Channel.id == ChannelIdentity.channel_id).where(Channel.kind.in_(kinds))
    elif kinds is not None:  # this client's identities (a few), of these kinds
        q = q.where(ChannelIdentity.channel_id.in_(select(Channel.id).where(Channel.kind.in_(kinds))))
    return _member(ChannelIdentity.contact_id, q, ctx)


def _had_message(op: str, value: Any, ctx: _Ctx):
    """The dialog has a client or operator message (not a note) in that time (X9 click-through)."""
    cond = and_(Message.direction.in_(("in", "out")), _date_sql(Message.created_at, op, value))
    if ctx.for_count:
        return Dialog.id.in_(select(Message.dialog_id).where(cond))
    return exists(select(Message.id).where(Message.dialog_id == Dialog.id, cond).correlate(Dialog))


def _in_folder(ids: list[int] | None, ctx: _Ctx):
    q = select(ContactFolder.contact_id)
    if ids is not None:
        q = q.where(ContactFolder.folder_id.in_(ids))
    return _member(ContactFolder.contact_id, q, ctx)


def _folder_sql(op: str, value: Any, ctx: _Ctx):
    if op == "is_empty":
        return not_(_in_folder(None, ctx))
    if op == "is_not_empty":
        return _in_folder(None, ctx)
    if op == "not_equals":
        return not_(_folder_sql("equals", value, ctx))
    values = value if op == "in_list" else [value]
    ids = [v for v in values if v != OPERATOR_FOLDER]
    parts = []
    if OPERATOR_FOLDER in values:
        parts.append(Dialog.bot_paused == True)  # noqa: E712
    if ids:
        parts.append(_in_folder(ids, ctx))
    return or_(*parts) if len(parts) > 1 else parts[0]


def _choice_sql(col, op: str, value: Any):
    if op == "is_empty":
        return col == ""
    if op == "is_not_empty":
        return col != ""
    if op == "equals":
        return col == value
    if op == "not_equals":
        return col != value
    return col.in_(value)


def _channel_sql(op: str, value: Any, ctx: _Ctx):
    if op == "is_empty":
        return not_(_has_identity(None, ctx))
    if op == "is_not_empty":
        return _has_identity(None, ctx)
    if op == "not_equals":
        return not_(_has_identity([value], ctx))
    return _has_identity(value if op == "in_list" else [value], ctx)


def _date_sql(col, op: str, value: Any):
    if op == "is_empty":
        return col.is_(None)
    if op == "is_not_empty":
        return col.is_not(None)
    if op == "between":
        a, _, _ = _instant_range(value[0])
        _, b_end, b_day = _instant_range(value[1])
        return and_(col >= a, col < b_end if b_day else col <= b_end)
    start, end, whole_day = _instant_range(value)
    if op == "equals":
        return and_(col >= start, col < end) if whole_day else col == start
    if op == "before":
        return col < start
    if op == "after":
        return col >= end if whole_day else col > start
    raise FilterError(f"Unknown operator {op!r}.")


def _number_sql(col, op: str, value: Any):
    if op == "is_empty":
        return col.is_(None)
    if op == "is_not_empty":
        return col.is_not(None)
    if op == "between":
        return col.between(value[0], value[1])
    return {"equals": col == value, "not_equals": col != value, "gt": col > value,
            "gte": col >= value, "lt": col < value, "lte": col <= value}[op]


def _var_sql(var: VarField, op: str, value: Any, ctx: _Ctx):
    def has(cond):
        return _member(ContactValue.contact_id, select(ContactValue.contact_id)
                       .where(ContactValue.field_id == var.id, cond), ctx)

    if var.type == "bool":
        yes = has(and_(ContactValue.value_num.is_not(None), ContactValue.value_num != 0))
        return yes if op == "is_true" else not_(yes)
    if var.type == "number":
        col = ContactValue.value_num
        if op in ("is_empty", "not_equals"):
            return not_(has(_number_sql(col, "is_not_empty" if op == "is_empty" else "equals", value)))
        return has(_number_sql(col, op, value))
    if var.type == "date":
        col = ContactValue.value_date
        if op == "is_empty":
            return not_(has(col.is_not(None)))
        return has(_date_sql(col, op, value))
    col = ContactValue.value_text
    if op in ("is_empty", "not_equals", "not_contains"):
        positive = {"is_empty": "is_not_empty", "not_equals": "equals", "not_contains": "contains"}[op]
        return not_(has(_text_sql(col, positive, value)))
    return has(_text_sql(col, op, value))


def _name_col():
    return func.trim(Contact.first_name + " " + Contact.last_name)


def _leaf_sql(leaf: dict, ctx: _Ctx):
    key, op, value = leaf["field"], leaf["op"], leaf.get("value")
    if key.startswith("var:"):
        return _var_sql(ctx.crm[key[4:]], op, value, ctx)
    if key == "name":
        return _text_sql(_name_col(), op, value)
    if key in ("tag1", "tag2"):
        return _text_sql(getattr(Contact, key), op, value)
    if key == "phone":
        return _phone_sql(op, value)
    if key == "channel":
        return _channel_sql(op, value, ctx)
    if key == "last_channel":
        return _choice_sql(Dialog.last_channel_kind, op, value)
    if key == "folder":
        return _folder_sql(op, value, ctx)
    if key == "created_at":
        return _date_sql(Contact.created_at, op, value)
    if key == "last_message_at":
        return _date_sql(Dialog.last_message_at, op, value)
    if key == "message_at":
        return _had_message(op, value, ctx)
    bools = {"unread": unread(), "blacklisted": Contact.blacklisted == True,  # noqa: E712
             "bot_paused": Dialog.bot_paused == True}  # noqa: E712
    if key in bools:
        return bools[key] if op == "is_true" else not_(bools[key])
    raise FilterError(f'Unknown field "{key}".', code="filter_field")


# -- text --------------------------------------------------------------------------------

def describe(filt: Any, lang: str = "en", crm: dict[str, VarField] | None = None,
             folder_names: dict[int, str] | None = None) -> str:
    """The filter as one line, groups in brackets:
    (Tag 1 contains "vip" AND channel is telegram) OR unread"""
    lang = _lang(lang)
    if not count_conditions(filt):
        return ""
    if crm is None:
        crm = crm_fields() if uses_variables(filt) else {}
    if folder_names is None:
        folder_names = _folder_names() if any(l.get("field") == "folder" for l in _leaves(filt)) else {}
    return _describe_group(filt, lang, crm, folder_names, top=True)


def _folder_names() -> dict[int, str]:
    with db.session() as s:
        return dict(s.exec(sm_select(Folder.id, Folder.name)).all())


def _describe_group(group: dict, lang, crm, folders, top: bool) -> str:
    word = f' {WORDS[lang][group.get("join", "and")]} '
    parts = [(_describe_group(i, lang, crm, folders, top=False) if "conditions" in i
              else _describe_leaf(i, lang, crm, folders)) for i in group.get("conditions", [])]
    text = word.join(parts)
    return text if top else f"({text})"


def _show(key: str, value: Any, lang: str, folders: dict) -> str:
    if key == "folder":
        if value == OPERATOR_FOLDER:
            return f'"{WORDS[lang]["operator"]}"'
        try:
            return f'"{folders.get(int(value), "#" + str(value))}"'
        except (TypeError, ValueError):
            return str(value)
    if key in ("channel", "last_channel"):
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _describe_leaf(leaf: dict, lang: str, crm, folders) -> str:
    key, op, value = leaf.get("field", ""), leaf.get("op", ""), leaf.get("value")
    if key.startswith("var:"):
        var = crm.get(key[4:])
        name = var.label if var else key[4:]
        kind = var.type if var else "text"
    else:
        name = TEXT_NAMES[lang].get(key, key)
        kind = BUILTIN.get(key, ("text",))[0]
    if op == "is_true":
        return name
    if op == "is_false":
        return f'{WORDS[lang]["not"]} {name}'
    op_text = OP_LABELS[lang].get(op, op)
    if op in ("is_empty", "is_not_empty"):
        return f"{name} {op_text}"
    if op == "in_list" and isinstance(value, list):
        return f'{name} {op_text} ({", ".join(_show(key, v, lang, folders) for v in value)})'
    if op == "between" and isinstance(value, list) and len(value) == 2:
        a, b = (_show(key, v, lang, folders) if kind != "date" else str(v) for v in value)
        return f'{name} {op_text} {a} {WORDS[lang]["range"]} {b}'
    shown = str(value) if kind == "date" else _show(key, value, lang, folders)
    return f"{name} {op_text} {shown}"


# -- URL ---------------------------------------------------------------------------------
# Compact form: a group is ["a"|"o", [items]], a condition [field, op] or [field, op, value].

def _pack(group: dict) -> list:
    items = []
    for i in group.get("conditions", []):
        if "conditions" in i:
            items.append(_pack(i))
        elif "value" in i:
            items.append([i["field"], i["op"], i["value"]])
        else:
            items.append([i["field"], i["op"]])
    return ["o" if group.get("join") == "or" else "a", items]


def _unpack(packed: Any, depth: int = 1) -> dict:
    if depth > MAX_DEPTH + 1 or not isinstance(packed, list) or len(packed) != 2 \
            or packed[0] not in ("a", "o") or not isinstance(packed[1], list):
        raise ValueError("bad group")
    out = []
    for item in packed[1]:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[1], list):
            out.append(_unpack(item, depth + 1))
        elif isinstance(item, list) and len(item) in (2, 3) and isinstance(item[0], str):
            leaf = {"field": item[0], "op": item[1]}
            if len(item) == 3:
                leaf["value"] = item[2]
            out.append(leaf)
        else:
            raise ValueError("bad condition")
    return {"join": "or" if packed[0] == "o" else "and", "conditions": out}


def to_url(filt: dict) -> str:
    """A short URL-safe string (base64url of compact JSON) to bookmark a view; "" for none."""
    if not count_conditions(filt):
        return ""
    raw = json.dumps(_pack(filt), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def from_url(text: str, crm: dict[str, VarField] | None = None) -> dict:
    """The filter from to_url(); validated. Garbage raises FilterError; "" is no filter."""
    if text is None or not str(text).strip():
        return empty()
    text = str(text).strip()
    if len(text) > MAX_URL or not re.fullmatch(r"[A-Za-z0-9_\-]+", text):
        raise FilterError("This filter link is damaged.", code="filter_link")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        filt = _unpack(json.loads(raw.decode("utf-8")))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise FilterError("This filter link is damaged.", code="filter_link") from None
    return validate(filt, crm)


# -- catalog for the UI ---------------------------------------------------------------------

def _value_kind(ftype: str, op: str, has_options: bool) -> str:
    """What the value input looks like: none | text | number | date | choice | choices |
    list | number_range | date_range."""
    if op in NO_VALUE:
        return "none"
    if op == "between":
        return "date_range" if ftype == "date" else "number_range"
    if op == "in_list":
        return "choices" if has_options else "list"
    if ftype in ("number", "date"):
        return ftype
    if has_options and op in ("equals", "not_equals"):
        return "choice"
    return "text"


def _entry(key: str, label: str, ftype: str, ops, options: list[dict], lang: str) -> dict:
    return {"field": key, "label": label, "type": ftype, "options": options,
            "ops": [{"op": op, "label": OP_LABELS[lang][op],
                     "value": _value_kind(ftype, op, bool(options))} for op in ops]}


def fields_catalog(lang: str = "en") -> list[dict]:
    """Every field a condition can use, with its type, operators and options (for the UI).
    Option values are strings (folder ids too); validate() turns them into what it needs."""
    lang = _lang(lang)
    with db.session() as s:
        kinds = list(s.exec(sm_select(Channel.kind).distinct()).all())
        folders = s.exec(sm_select(Folder.id, Folder.name).order_by(Folder.position, Folder.id)).all()
        tag2 = s.exec(sm_select(Tag2Option.value).order_by(Tag2Option.position, Tag2Option.id)).all()
        crm = s.exec(_crm_select()).all()
    kinds = list(KNOWN_KINDS) + sorted(k for k in set(kinds) if k not in KNOWN_KINDS)
    kind_opts = [{"value": k, "label": KIND_LABELS.get(k, k)} for k in kinds]
    folder_opts = ([{"value": OPERATOR_FOLDER, "label": WORDS[lang]["operator"]}]
                   + [{"value": str(fid), "label": name} for fid, name in folders])
    options = {"channel": kind_opts, "last_channel": kind_opts, "folder": folder_opts,
               "tag2": [{"value": v, "label": v} for v in tag2]}
    out = [_entry(key, LABELS[lang][key], ftype, ops, options.get(key, []), lang)
           for key, (ftype, ops) in BUILTIN.items()]
    for f in crm:
        ftype = f.type if f.type in TYPE_OPS else "text"
        opts = []
        if ftype == "select":
            for o in f.options or []:
                if isinstance(o, dict):
                    v = str(o.get("value", o.get("label", "")))
                    opts.append({"value": v, "label": str(o.get("label", v))})
                else:
                    opts.append({"value": str(o), "label": str(o)})
        out.append(_entry(f"var:{f.key}", f.label or f.key, ftype, TYPE_OPS[ftype], opts, lang))
    return out
