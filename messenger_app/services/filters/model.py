"""The filter model (L5): what a filter is, its fields and operators, and its validation.

A filter is plain JSON with explicit grouping, so its meaning is never ambiguous:

    {"join": "or", "conditions": [
        {"join": "and", "conditions": [
            {"field": "tag1", "op": "contains", "value": "vip"},
            {"field": "channel", "op": "equals", "value": "telegram"}]},
        {"field": "unread", "op": "is_true"}],
     "tz": "Europe/Moscow"}

"tz" (optional) is the time zone its days are read in: the operator's, set by the filter
builder. Values are read as the CRM reads them (lib/values.py): "1 234,5", "25.11.2026".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import select as sm_select

from messenger_app import db
from messenger_app.lib import phones, values
from messenger_app.lib.errors import DomainError
from messenger_app.models import CrmField

MAX_DEPTH = 3  # the top group is level 1
MAX_CONDITIONS = 30
MAX_TEXT = 500
MAX_LIST = 100
MAX_URL = 8000
KNOWN_KINDS = ("telegram", "whatsapp", "vk", "viber", "sms", "email", "widget")
KIND_LABELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "vk": "VK", "viber": "Viber",
               "sms": "SMS", "email": "E-mail", "widget": "Website chat"}
OPERATOR_FOLDER = "operator"
UTC = ZoneInfo("UTC")
INSTANT_FIELDS = ("created_at", "last_message_at", "message_at")  # moments; CRM dates are calendar days


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

# fields made by links, not offered in the builder: "mailing" = "<mailing id>:<bucket>", the
# recipients of a mailing in one bucket of its report (services/mailing_report.py)
HIDDEN: dict[str, tuple[str, tuple[str, ...]]] = {"mailing": ("mailing", ("equals",))}
_MAILING_VALUE = re.compile(r"(\d{1,12}):(pending|queued|sent|delivered|read|started|failed|cancelled"
                            r"|skipped(?::[a-z_]{1,32})?)")
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
    if key in HIDDEN:
        return HIDDEN[key]
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
    tz = filt.get("tz") if isinstance(filt, dict) else None
    if tz not in (None, "", "UTC"):
        zone(tz)
        out["tz"] = tz
    return out


def zone(name: Any) -> ZoneInfo:
    """The time zone a filter's days are read in ("UTC" when it names none)."""
    if name in (None, "", "UTC"):
        return ZoneInfo("UTC")
    if isinstance(name, str) and len(name) <= 64:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise FilterError(f"{str(name)[:64]!r} is not a time zone.")


def with_zone(filt: dict, tz: str) -> dict:
    """The filter with the operator's time zone `tz` when it compares moments (the
    subscription date, the last message date): "2024-03-01" is then that day where the
    operator is. Filters without such a condition stay as they are (shorter links)."""
    if tz in (None, "", "UTC") or not any(leaf.get("field") in INSTANT_FIELDS for leaf in _leaves(filt)):
        return filt
    return {**filt, "tz": tz}


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
        return instant_range(v)[0]
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
    if ftype == "mailing":
        if not isinstance(v, str) or not _MAILING_VALUE.fullmatch(v.strip()):
            raise FilterError(f'mailing: {v!r} is not "<mailing id>:<status>".')
        return v.strip()
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
    """A number as the CRM reads it (lib/values.py): "1,234.5", "1 234,5", "22,5", 30."""
    if isinstance(v, bool) or v is None:
        raise FilterError(f'"{key}": {v!r} is not a number.', code="filter_number")
    if isinstance(v, str):
        try:
            v = float(values.parse_number(v))
        except values.BadValue:
            raise FilterError(f'"{key}": {v.strip()[:50]!r} is not a number.', code="filter_number") from None
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        raise FilterError(f'"{key}": {v!r} is not a number.', code="filter_number")
    return int(v) if float(v).is_integer() and abs(v) < 2 ** 53 else float(v)


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_text(key: str, v: Any) -> str:
    """A day as the CRM reads it ("2024-05-01", "01.05.2024"; kept as "2024-05-01"), or an ISO
    date-time (an instant)."""
    if isinstance(v, (datetime, date)):
        v = v.isoformat()
    if not isinstance(v, str) or not v.strip():
        raise FilterError(f'"{key}": {v!r} is not a date (use YYYY-MM-DD or DD.MM.YYYY).', code="filter_date")
    text = v.strip()
    try:
        if values.is_day(text):
            return values.parse_date(text).isoformat()
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, values.BadValue):
        raise FilterError(f'"{key}": {text[:50]!r} is not a date (use YYYY-MM-DD or DD.MM.YYYY).',
                          code="filter_date") from None
    return text


def instant_range(text: str, tz: ZoneInfo = UTC) -> tuple[datetime, datetime, bool]:
    """(start, end, whole_day) in UTC: a day is [00:00, next 00:00) in `tz`; a date-time is
    one instant (one without an offset is read in `tz`)."""
    if _DAY.fullmatch(text):
        day = date.fromisoformat(text)
        start = datetime.combine(day, time(), tzinfo=tz)
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc), True
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    t = t.astimezone(timezone.utc)
    return t, t, False
