"""A filter as SQL (L5): `compile()` turns it into ONE SQLAlchemy boolean expression over
Dialog joined with Contact (EXISTS subqueries for channel identities, folders and CRM
variables): the database does all the filtering, never Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, exists, func, literal_column, not_, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from messenger_app.lib import phones
from messenger_app.models import (Channel, ChannelIdentity, Contact, ContactFolder, ContactValue, Dialog,
                                  Message)
from messenger_app.services.filters.model import (OPERATOR_FOLDER, UTC, FilterError, VarField, crm_fields,
                                                  instant_range, uses_variables, validate, zone)


def compile(filt: Any, crm: dict[str, VarField] | None = None, *,  # noqa: A001
            for_count: bool = False) -> ColumnElement[bool]:
    """The filter as one boolean SQL expression over Dialog JOIN Contact (validates first).

    Channels, folders and variables are tested with subqueries on Dialog.contact_id. By
    default they are correlated EXISTS: a page read in list order stops after `limit` rows.
    for_count=True makes them IN lists, built once: faster when every row is visited, as
    in a count. Both forms select exactly the same dialogs."""
    if crm is None:
        crm = crm_fields() if uses_variables(filt) else {}
    valid = validate(filt, crm)
    return _group_sql(valid, _Ctx(crm, for_count, zone(valid.get("tz"))))


@dataclass(frozen=True)
class _Ctx:
    crm: dict
    for_count: bool
    tz: ZoneInfo = UTC  # where the filter's days are (moments only: CRM dates are calendar days)


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


def _had_message(op: str, value: Any, ctx: _Ctx):
    """The dialog has a client or operator message (not a note) in that time (X9 click-through)."""
    cond = and_(Message.direction.in_(("in", "out")), _date_sql(Message.created_at, op, value, ctx.tz))
    if ctx.for_count:
        return Dialog.id.in_(select(Message.dialog_id).where(cond))
    return exists(select(Message.id).where(Message.dialog_id == Dialog.id, cond).correlate(Dialog))


def _has_identity(kinds: list[str] | None, ctx: _Ctx):
    q = select(ChannelIdentity.contact_id)
    if kinds is not None and ctx.for_count:  # every identity of these kinds, by channel
        q = q.join(Channel, Channel.id == ChannelIdentity.channel_id).where(Channel.kind.in_(kinds))
    elif kinds is not None:  # this client's identities (a few), of these kinds
        q = q.where(ChannelIdentity.channel_id.in_(select(Channel.id).where(Channel.kind.in_(kinds))))
    return _member(ChannelIdentity.contact_id, q, ctx)


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


def _date_sql(col, op: str, value: Any, tz: ZoneInfo = UTC):
    if op == "is_empty":
        return col.is_(None)
    if op == "is_not_empty":
        return col.is_not(None)
    if op == "between":
        a, _, _ = instant_range(value[0], tz)
        _, b_end, b_day = instant_range(value[1], tz)
        return and_(col >= a, col < b_end if b_day else col <= b_end)
    start, end, whole_day = instant_range(value, tz)
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
        return _date_sql(Contact.created_at, op, value, ctx.tz)
    if key == "last_message_at":
        return _date_sql(Dialog.last_message_at, op, value, ctx.tz)
    if key == "message_at":
        return _had_message(op, value, ctx)
    if key == "mailing":
        from messenger_app.services import mailing_report

        mailing_id, bucket = value.split(":", 1)
        return Dialog.contact_id.in_(mailing_report.contacts_in(int(mailing_id), bucket))
    bools = {"unread": unread(), "blacklisted": Contact.blacklisted == True,  # noqa: E712
             "bot_paused": Dialog.bot_paused == True}  # noqa: E712
    if key in bools:
        return bools[key] if op == "is_true" else not_(bools[key])
    raise FilterError(f'Unknown field "{key}".', code="filter_field")
