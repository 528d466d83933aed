"""Import a client base from CSV / XLSX (R6, L2) and export it back.

`preview()` reads the first rows and suggests which column goes where; `run()` imports:

* targets: "phone" (required), "first_name", "last_name", "tag1", "tag2", "var:<field key>",
  "" (ignore the column);
* a row with an empty / invalid phone or an invalid value is REJECTED with its row number and
  the reason, and nothing of it is written; the other rows still import;
* the same phone twice in the file: the later row is rejected ("duplicate of row N");
* a phone that a client already has: that client is updated with the row's non-empty mapped
  values (dedupe="update") or left alone (dedupe="skip");
* Tag 2 must be one of the existing options (matched ignoring case); an unknown value rejects
  the row — options are created deliberately in the settings, not by a typo in a file;
* ALL OR NOTHING: a file that cannot be read, a bad mapping or any unexpected error (also one
  raised by `on_progress`, which is how a caller cancels) writes nothing;
* every new client gets its empty Dialog so it shows in the list at once (L2); imported
  clients are not billed subscribers (B3) until they write.

Row numbers are the ones a spreadsheet shows: the header is row 1, blank lines count.
Speed: existing phones are loaded once into a dict, rows are written in chunks of CHUNK with
multi-row INSERTs / executemany, never a query per row.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Contact, ContactValue, CrmField, Dialog, Tag2Option
from messenger_app.services import crm, events, stats
from messenger_app.lib import phones
from messenger_app.lib.errors import DomainError, ErrorText

CHUNK = 1000  # rows per write batch and per progress report
SAMPLE_ROWS = 10
BUILTIN_TARGETS = ("phone", "first_name", "last_name", "tag1", "tag2")
_LIMITS = {"first_name": (crm.NAME_MAX, "first name"), "last_name": (crm.NAME_MAX, "last name"),
           "tag1": (crm.TAG1_MAX, "Tag 1"), "tag2": (crm.TAG2_MAX, "Tag 2")}
EXPORT_BASE = ["id", "phone", "first_name", "last_name", "tag1", "tag2", "blacklisted",
               "subscribed"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# header (casefolded, separators as spaces, ё -> е) -> target
_HEADER_ALIASES = {
    "phone": ["phone", "phone number", "telephone", "tel", "mobile", "mobile phone", "cell",
              "msisdn", "телефон", "номер телефона", "тел", "мобильный", "мобильный телефон",
              "моб телефон", "сотовый", "номер"],
    "first_name": ["first name", "firstname", "given name", "name", "full name", "имя", "фио",
                   "клиент", "имя клиента"],
    "last_name": ["last name", "lastname", "surname", "family name", "фамилия"],
    "tag1": ["tag1", "tag 1", "тег1", "тег 1", "метка 1", "метка1"],
    "tag2": ["tag2", "tag 2", "тег2", "тег 2", "метка 2", "метка2"],
}


class ClientImportError(DomainError):
    """The file or the mapping cannot be used at all; nothing was written."""

    code = "import"


@dataclass
class Preview:
    columns: list[str]  # header names, made unique ("Name (2)"), blanks -> "column N"
    sample_rows: list[list[str]]  # the first SAMPLE_ROWS non-empty data rows, as text
    detected_encoding: str  # "utf-8-sig" | "utf-8" | "cp1251" | "utf-16" | "xlsx"
    delimiter: str  # "," | ";" | "\t"; "" for XLSX
    suggested_mapping: dict[str, str]  # column -> target ("" = ignore) for every column


@dataclass
class Report:
    created: int = 0
    updated: int = 0  # rows that matched an existing client (dedupe="update")
    skipped: int = 0  # rows that matched an existing client (dedupe="skip")
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    total: int = 0  # non-empty data rows = created + updated + skipped + len(rejected)


# --------------------------------------------------------------------------------------------
# reading the file
# --------------------------------------------------------------------------------------------
@dataclass
class _Table:
    columns: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number, cells) of non-empty data rows
    encoding: str
    delimiter: str


def _cell(value: Any) -> str:
    text = crm.raw_to_str(value).strip()
    # undo the "'" that our export puts before =+-@ so Excel does not run a formula
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        text, enc = data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, enc = data.decode("utf-16", errors="replace"), "utf-16"
    else:
        try:
            text, enc = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, enc = data.decode("cp1251", errors="replace"), "cp1251"
    if "\x00" in text:
        raise ClientImportError("this is not a CSV text file (save it as CSV or XLSX)", code="file_unreadable")
    return text, enc


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text[:65536].splitlines() if ln.strip()][:50]
    if not lines:
        return ","

    def width(d: str) -> int:
        try:
            return len(next(csv.reader([lines[0]], delimiter=d)))
        except (csv.Error, StopIteration):
            return 0

    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = ""
    best = max((";", "\t", ","), key=width)  # ties: ";" first (Excel in RU), then tab
    if sniffed in (",", ";", "\t") and width(sniffed) >= width(best):
        return sniffed
    return best if width(best) > 1 else (sniffed or ",")


def _unique_columns(header: list[str]) -> list[str]:
    out: list[str] = []
    used: set[str] = set()
    for i, raw in enumerate(header):
        name = " ".join(crm.clean_text(raw).split()) or f"column {i + 1}"
        cand, k = name, 1
        while cand.casefold() in used:
            k += 1
            cand = f"{name} ({k})"
        used.add(cand.casefold())
        out.append(cand)
    return out


def _is_xlsx(data: bytes, filename: str) -> bool:
    return data[:4] == b"PK\x03\x04" or (filename or "").lower().endswith((".xlsx", ".xlsm"))


def _read(data: bytes, filename: str) -> _Table:
    if not data or not data.strip():
        raise ClientImportError("the file is empty", code="file_empty")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ClientImportError("old .xls files are not supported: save it as .xlsx or CSV", code="file_xls")
    if _is_xlsx(data, filename):
        raw_rows, enc, delim = _xlsx_rows(data), "xlsx", ""
    else:
        text, enc = _decode(data)
        delim = _sniff_delimiter(text)
        raw_rows = _csv_rows(text, delim)
    numbered = ((n, [_cell(v) for v in row]) for n, row in raw_rows)
    for n, cells in numbered:
        if any(cells):
            columns = _unique_columns(cells)
            break
    else:
        raise ClientImportError("the file has no header row", code="file_header")
    rows = ((n, cells) for n, cells in numbered if any(cells))
    return _Table(columns, rows, enc, delim)


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    n = 0
    try:
        for n, row in enumerate(reader, 1):
            yield n, row
    except csv.Error as e:
        raise ClientImportError(f"row {n + 1}: the CSV cannot be read ({e})", code="file_row",
                                row=n + 1) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as e:
        raise ClientImportError(f"this XLSX file cannot be read ({e.__class__.__name__})",
                                code="file_unreadable") from None
    try:
        sheets = [ws for ws in wb.worksheets if hasattr(ws, "iter_rows")]
        if not sheets:
            raise ClientImportError("the XLSX file has no sheet", code="file_unreadable")
        # read-only mode yields missing rows as empty ones, so enumerate() = the row number
        n = 0
        try:
            for n, row in enumerate(sheets[0].iter_rows(values_only=True), 1):
                yield n, list(row)
        except Exception as e:  # a broken sheet: nothing has been written yet
            raise ClientImportError(f"row {n + 1}: the XLSX sheet cannot be read "
                                    f"({e.__class__.__name__})", code="file_row", row=n + 1) from None
    finally:
        wb.close()


# --------------------------------------------------------------------------------------------
# preview and mapping
# --------------------------------------------------------------------------------------------
def _norm_header(name: str) -> str:
    s = name.casefold().replace("ё", "е")
    for ch in "-_.:/*#№()":
        s = s.replace(ch, " ")
    return " ".join(s.split())


def suggest_mapping(columns: list[str], fields: list[dict] | None = None) -> dict[str, str]:
    """Column -> target by its header (EN/RU names, CRM field keys and labels)."""
    if fields is None:
        fields = crm.list_fields()
    lookup: dict[str, str] = {}
    for target, names in _HEADER_ALIASES.items():
        for nm in names:
            lookup.setdefault(_norm_header(nm), target)
    for f in fields:
        lookup.setdefault(_norm_header(f["key"]), "var:" + f["key"])
        lookup.setdefault(_norm_header(f["label"]), "var:" + f["key"])
    out, used = {}, set()
    for col in columns:
        target = lookup.get(_norm_header(col), "")
        if target and target not in used:
            used.add(target)
            out[col] = target
        else:
            out[col] = ""
    return out


def preview(data: bytes, filename: str = "") -> Preview:
    table = _read(data, filename)
    width = len(table.columns)
    sample = []
    for _n, cells in table.rows:
        sample.append((cells + [""] * width)[:width])
        if len(sample) >= SAMPLE_ROWS:
            break
    return Preview(table.columns, sample, table.encoding, table.delimiter,
                   suggest_mapping(table.columns))


@dataclass
class _Plan:
    phone: int
    builtins: list[tuple[int, str, str]]  # (column index, target, column name)
    variables: list[tuple[int, CrmField, str]]


def _plan(columns: list[str], mapping: dict, fields: dict[str, CrmField]) -> _Plan:
    index = {name: i for i, name in enumerate(columns)}
    used: dict[str, str] = {}
    phone = -1
    builtins, variables = [], []
    for col, target in (mapping or {}).items():
        target = (target or "").strip()
        if not target:
            continue
        if isinstance(col, int) and not isinstance(col, bool):
            if not 0 <= col < len(columns):
                raise ClientImportError(f"no column number {col} in the file", code="import_column",
                                        column=col)
            i = col
        elif col in index:
            i = index[col]
        else:
            raise ClientImportError(f"no column {col!r} in the file", code="import_column", column=col)
        name = columns[i]
        if target in used:
            raise ClientImportError(f"{target} is mapped from two columns: {used[target]!r} "
                                    f"and {name!r}", code="import_twice", first=used[target],
                                    second=name)
        used[target] = name
        if target == "phone":
            phone = i
        elif target in BUILTIN_TARGETS:
            builtins.append((i, target, name))
        elif target.startswith("var:") and target[4:] in fields:
            variables.append((i, fields[target[4:]], name))
        else:
            raise ClientImportError(f"unknown target {target!r} for column {name!r}", code="import_target",
                                    column=name)
    if phone < 0:
        raise ClientImportError("map one column to the phone number", code="import_phone")
    return _Plan(phone, builtins, variables)


# --------------------------------------------------------------------------------------------
# import
# --------------------------------------------------------------------------------------------
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
        s.commit()
    if report.created or report.updated:
        events.publish("dialogs_bulk", reason="import", created=report.created,
                       updated=report.updated)
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


# --------------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------------
def _export_rows(filter_expr=None, chunk: int | None = None) -> Iterator[list[Any]]:
    """The header, then one list per client in id order: typed values (bool, datetime,
    float) that the CSV / XLSX writers format. Reads `chunk` clients per query."""
    chunk = chunk or CHUNK
    with db.session() as s:
        fields = s.exec(select(CrmField).order_by(CrmField.position, CrmField.id)).all()
        yield EXPORT_BASE + [f.key for f in fields]
        col_of = {f.id: i for i, f in enumerate(fields)}
        types = [f.type for f in fields]
        last = 0
        while True:
            q = (select(Contact.id, Contact.phone, Contact.first_name, Contact.last_name,
                        Contact.tag1, Contact.tag2, Contact.blacklisted, Contact.created_at)
                 .select_from(Contact)
                 # filters.compile() speaks about Dialog JOIN Contact (unread, bot state)
                 .outerjoin(Dialog, Dialog.contact_id == Contact.id)
                 .where(Contact.id > last).order_by(Contact.id).limit(chunk))
            if filter_expr is not None:
                q = q.where(filter_expr)
            batch = s.exec(q).all()
            if not batch:
                return
            ids = [r[0] for r in batch]
            extra: dict[int, list[Any]] = {cid: [None] * len(fields) for cid in ids}
            if fields:
                for cid, fid, text, num, when in s.exec(
                        select(ContactValue.contact_id, ContactValue.field_id,
                               ContactValue.value_text, ContactValue.value_num,
                               ContactValue.value_date).where(ContactValue.contact_id.in_(ids))):
                    i = col_of.get(fid)
                    if i is None:
                        continue
                    if types[i] == "number" and num is not None:
                        extra[cid][i] = int(num) if float(num).is_integer() else num
                    elif types[i] == "date" and when is not None:
                        extra[cid][i] = when.date()
                    else:
                        extra[cid][i] = text
            for r in batch:
                yield list(r) + extra[r[0]]
            if len(batch) < chunk:
                return
            last = ids[-1]


def _csv_text(value: Any, col: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (int, float)) or hasattr(value, "isoformat"):
        return crm.raw_to_str(value)
    text = str(value)
    if col != 1 and text.startswith(_FORMULA_START):  # col 1 = phone, E.164 "+7..."
        return "'" + text  # Excel must not run "=HYPERLINK(...)" typed by a client
    return text


def iter_export_csv(filter_expr=None, delimiter: str = ";") -> Iterator[bytes]:
    """CSV in pieces (UTF-8 with BOM, so Excel shows Cyrillic) for a streaming response."""
    if delimiter not in (",", ";", "\t"):
        raise ClientImportError("delimiter must be ',', ';' or a tab", code="import")
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    yield b"\xef\xbb\xbf"
    for n, row in enumerate(_export_rows(filter_expr), 1):
        writer.writerow([_csv_text(v, i) for i, v in enumerate(row)])
        if n % CHUNK == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def export_csv(filter_expr=None, delimiter: str = ";") -> bytes:
    """Every client (or those matching `filter_expr`, a SQLAlchemy condition over Contact
    and its Dialog, e.g. filters.compile(...)):
    id, phone, first_name, last_name, tag1, tag2, blacklisted, subscribed, every CRM field."""
    return b"".join(iter_export_csv(filter_expr, delimiter))


def export_xlsx(filter_expr=None) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Clients")
    for row in _export_rows(filter_expr):
        out: list[Any] = []
        for v in row:
            if isinstance(v, bool):
                out.append("yes" if v else "no")
            elif isinstance(v, datetime):
                out.append(v.replace(tzinfo=None, microsecond=0))
            elif isinstance(v, str):
                cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", v))
                cell.data_type = "s"  # never a formula, whatever the text starts with
                out.append(cell)
            else:
                out.append(v)
        ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["CHUNK", "ClientImportError", "Preview", "Report", "export_csv", "export_xlsx",
           "iter_export_csv", "preview", "run", "suggest_mapping"]
