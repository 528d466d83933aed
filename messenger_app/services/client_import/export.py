"""The client base exported to CSV (streamed, with a formula guard) or XLSX."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Iterator

from sqlmodel import select

from messenger_app import db
from messenger_app.models import Contact, ContactValue, CrmField, Dialog
from messenger_app.services import crm
from messenger_app.services.client_import.importer import CHUNK
from messenger_app.services.client_import.reading import ClientImportError


EXPORT_BASE = ["id", "phone", "first_name", "last_name", "tag1", "tag2", "blacklisted",
               "subscribed"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
