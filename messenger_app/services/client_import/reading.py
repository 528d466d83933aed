"""Reading a client file: CSV (its encoding and delimiter guessed) or XLSX, as numbered
non-empty rows under a header made unique."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any, Iterator

from messenger_app.services import crm
from messenger_app.lib.errors import DomainError


class ClientImportError(DomainError):
    """The file or the mapping cannot be used at all; nothing was written."""

    code = "import"


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
