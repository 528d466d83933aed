"""The import itself: every row checked (rejected with its row number and the reason), then
written in chunks of CHUNK in one transaction: all or nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Contact, ContactValue, CrmField, Dialog, Tag2Option
from messenger_app.services import crm, events, stats
from messenger_app.services.event_types import DialogsBulkChanged
from messenger_app.lib import phones
from messenger_app.lib.errors import DomainError, ErrorText
from messenger_app.services.client_import.mapping import _Plan, _plan
from messenger_app.services.client_import.reading import ClientImportError, _read


CHUNK = 1000  # rows per write batch and per progress report
_LIMITS = {"first_name": (crm.NAME_MAX, "first name"), "last_name": (crm.NAME_MAX, "last name"),
           "tag1": (crm.TAG1_MAX, "Tag 1"), "tag2": (crm.TAG2_MAX, "Tag 2")}


@dataclass
class Report:
    created: int = 0
    updated: int = 0  # rows that matched an existing client (dedupe="update")
    skipped: int = 0  # rows that matched an existing client (dedupe="skip")
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    total: int = 0  # non-empty data rows = created + updated + skipped + len(rejected)


class _Reject(DomainError):
    code = "import_row"


@dataclass
class _Batch:
    """One chunk of checked rows, ready to write."""
    new_contacts: list[dict] = field(default_factory=list)
    new_values: dict[str, list[tuple[int, crm.Typed]]] = field(default_factory=dict)
    updates: dict[tuple[str, ...], list[dict]] = field(default_factory=lambda: defaultdict(list))
    old_values: list[tuple[int, int, crm.Typed]] = field(default_factory=list)


def run(data: bytes, filename: str, mapping: dict,
        on_progress: Callable[[int, int], Any] | None = None, dedupe: str = "update") -> Report:
    """Import; see the module doc. `mapping` is {column name (or 0-based index): target}.
    `on_progress(done, total)` is called about every CHUNK rows; done/total is the fraction
    finished (checking the rows is the first half, writing them the second); raising from it
    cancels the import and nothing is written."""
    if dedupe not in ("update", "skip"):
        raise ClientImportError("dedupe must be 'update' or 'skip'", code="import")
    table = _read(data, filename)
    rows = list(table.rows)  # parse the whole file before writing anything
    total = len(rows)
    report = Report(total=total)

    def progress(done: int) -> None:
        if on_progress is not None:
            on_progress(min(done, total), total)

    with db.session() as s:
        # Phase 1, reads only: check every row. On SQLite no lock is held yet, so inbound
        # messages keep flowing while a big file is checked.
        fields = {f.key: f for f in s.exec(select(CrmField)).all()}
        plan = _plan(table.columns, mapping, fields)
        tag2 = {o.casefold(): o for o in s.exec(select(Tag2Option.value)).all()}
        existing: dict[str, int] = {}
        for cid, phone in s.exec(select(Contact.id, Contact.phone)
                                 .where(Contact.phone != "").order_by(Contact.id.desc())):
            existing[phone] = cid  # several clients with one phone: the oldest wins
        seen: dict[str, int] = {}  # phone -> row number of the accepted row in this file
        now = utcnow()
        batches: list[_Batch] = []
        for start in range(0, total, CHUNK):
            b = _Batch()
            for rownum, cells in rows[start:start + CHUNK]:
                try:
                    e164, raw_phone, built, vals = _row(cells, plan, tag2, seen)
                except _Reject as e:
                    report.rejected.append((rownum, ErrorText(e)))
                    continue
                seen[e164] = rownum
                cid = existing.get(e164)
                if cid is None:
                    b.new_contacts.append({
                        "first_name": built.get("first_name", ""),
                        "last_name": built.get("last_name", ""),
                        "phone": e164, "phone_raw": raw_phone[:64],
                        "phone_digits": phones.digits(e164), "avatar": "", "blacklisted": False,
                        "created_at": now, "first_message_at": None,
                        "tag1": built.get("tag1", ""), "tag2": built.get("tag2", "")})
                    b.new_values[e164] = vals
                    report.created += 1
                elif dedupe == "skip":
                    report.skipped += 1
                else:
                    changed = {k: v for k, v in built.items() if v}
                    if changed:
                        b.updates[tuple(sorted(changed))].append(
                            {"_id": cid, **{"v_" + k: v for k, v in changed.items()}})
                    b.old_values.extend((cid, fid, typed) for fid, typed in vals)
                    report.updated += 1
            batches.append(b)
            progress((start + CHUNK) // 2)
        # Phase 2: write, chunk by chunk, in ONE transaction.
        conn = s.connection()
        ct, dt, vt = Contact.__table__, Dialog.__table__, ContactValue.__table__
        for i, b in enumerate(batches):
            _write_chunk(conn, ct, dt, vt, now, b)
            batches[i] = None  # type: ignore[call-overload]  # let it go
            progress((total + (i + 1) * CHUNK) // 2)
        stats.contacts_created(conn, now, report.created)
        if report.created or report.updated:
            events.on_commit(s, DialogsBulkChanged(reason="import", created=report.created,
                                                   updated=report.updated))
        s.commit()
    return report


def _row(cells: list[str], plan: _Plan, tag2: dict[str, str], seen: dict[str, int]):
    def get(i: int) -> str:
        return cells[i] if i < len(cells) else ""

    raw_phone = crm.clean_text(get(plan.phone))
    if not raw_phone:
        raise _Reject("no phone number", code="no_phone")
    try:
        e164 = phones.normalize(raw_phone)
    except phones.InvalidPhone:
        raise _Reject(f"invalid phone number {raw_phone[:40]!r}", code="phone") from None
    if e164 in seen:
        raise _Reject(f"duplicate of row {seen[e164]}", code="duplicate", row=seen[e164])
    built: dict[str, str] = {}
    for i, target, name in plan.builtins:
        value = crm.clean_text(get(i))
        limit, what = _LIMITS[target]
        if len(value) > limit:
            raise _Reject(f"{name}: {what} is too long ({len(value)} characters, at most {limit})",
                          code="in_column", column=name,
                          reason=crm.CrmError("too long", code="too_long", limit=limit))
        if target == "tag2" and value:
            if value.casefold() not in tag2:
                raise _Reject(f"{name}: {value[:50]!r} is not a Tag 2 option", code="in_column", column=name,
                              reason=crm.CrmError("not a Tag 2 option", code="tag2",
                                                  value=value[:50]))
            value = tag2[value.casefold()]
        built[target] = value
    vals: list[tuple[int, crm.Typed]] = []
    for i, f, name in plan.variables:
        try:
            typed = crm.parse_value(f.type, f.options, get(i))
        except crm.CrmError as e:
            raise _Reject(f"{name}: {e}", code="in_column", column=name, reason=e) from None
        if typed.text:
            vals.append((f.id, typed))
    return e164, raw_phone, built, vals


def _value_row(cid: int, fid: int, t: crm.Typed) -> dict:
    return {"contact_id": cid, "field_id": fid, "value_text": t.text, "value_num": t.num,
            "value_date": t.when}


def _write_chunk(conn, ct, dt, vt, now: datetime, b: _Batch) -> None:
    new_contacts, new_values, updates, old_values = (b.new_contacts, b.new_values, b.updates,
                                                     b.old_values)
    value_rows: list[dict] = []
    if new_contacts:
        # a multi-row INSERT ... RETURNING; rows come back in any order, so map by phone
        # (unique inside the file)
        res = conn.execute(insert(ct).returning(ct.c.id, ct.c.phone), new_contacts)
        ids = {phone: cid for cid, phone in res.all()}
        conn.execute(insert(dt), [
            {"contact_id": ids[c["phone"]], "activity_at": now, "last_message_at": None,
             "last_preview": "", "last_channel_kind": "", "last_direction": "",
             "unread_count": 0, "bot_paused": False, "created_at": now}
            for c in new_contacts])
        for phone, vals in new_values.items():
            value_rows.extend(_value_row(ids[phone], fid, t) for fid, t in vals)
    for keys, params in updates.items():
        stmt = (update(ct).where(ct.c.id == bindparam("_id"))
                .values({k: bindparam("v_" + k) for k in keys}))
        conn.execute(stmt, params)
    if old_values:
        conn.execute(delete(vt).where(vt.c.contact_id == bindparam("_c"),
                                      vt.c.field_id == bindparam("_f")),
                     [{"_c": cid, "_f": fid} for cid, fid, _t in old_values])
        value_rows.extend(_value_row(cid, fid, t) for cid, fid, t in old_values)
    if value_rows:
        conn.execute(insert(vt), value_rows)
