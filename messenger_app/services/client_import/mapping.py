"""Which column goes where: the preview of a file with a suggested mapping (known header
names in English and Russian), and the checked plan `run()` follows."""

from __future__ import annotations

from dataclasses import dataclass

from messenger_app.models import CrmField
from messenger_app.services import crm
from messenger_app.services.client_import.reading import ClientImportError, _read


SAMPLE_ROWS = 10
BUILTIN_TARGETS = ("phone", "first_name", "last_name", "tag1", "tag2")


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


@dataclass
class Preview:
    columns: list[str]  # header names, made unique ("Name (2)"), blanks -> "column N"
    sample_rows: list[list[str]]  # the first SAMPLE_ROWS non-empty data rows, as text
    detected_encoding: str  # "utf-8-sig" | "utf-8" | "cp1251" | "utf-16" | "xlsx"
    delimiter: str  # "," | ";" | "\t"; "" for XLSX
    suggested_mapping: dict[str, str]  # column -> target ("" = ignore) for every column


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
