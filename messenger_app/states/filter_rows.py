"""The filter builder's rows as the screen shows them (a condition, a block of them) and the
text typed into them: dates as dd.mm.yyyy, numbers as lib/values.py reads them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from messenger_app.lib import values


RANGES = ("number_range", "date_range")
DATES = ("date", "date_range")
# Dates are typed as dd.mm.yyyy in both languages (what the app writes), whatever the
# browser's locale (a native date input shows mm/dd/yyyy in an en-US Chrome): the field is a
# text input, its digits get their dots as they are typed, and the filter gets YYYY-MM-DD.
_DAY_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_SHOWN = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


def shown_date(value: str) -> str:
    """A filter's day (YYYY-MM-DD) as the field shows it (dd.mm.yyyy); other text as it is."""
    m = _DAY_ISO.fullmatch(value.strip())
    return f"{m[3]}.{m[2]}.{m[1]}" if m else value


def iso_date(text: str) -> str:
    """What was typed (dd.mm.yyyy, d.m.yyyy, dd/mm/yyyy) as the filter's YYYY-MM-DD; anything
    else goes as it is, and the filter's check says it is not a date."""
    m = _DAY_SHOWN.fullmatch(text.strip())
    return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}" if m else text.strip()


def masked_date(text: str) -> str:
    """While typing: 01052024 → 01.05.2024, 0105 → 01.05, 01.052024 → 01.05.2024. Text with
    other characters (an ISO date pasted, a typo) is left for the check to judge."""
    t = text.strip()
    if re.fullmatch(r"\d{3,8}", t):
        digits = t
    elif re.fullmatch(r"\d{2}\.\d{3,6}", t):
        digits = t.replace(".", "")
    else:
        return text
    parts = [digits[:2], digits[2:4], digits[4:8]]
    return ".".join(p for p in parts if p)


@dataclass
class Cond:
    id: str = ""
    field: str = ""
    op: str = ""
    kind: str = "none"  # none | text | number | date | choice | choices | list | number_range | date_range
    value: str = ""
    value2: str = ""
    picked: list[str] = dc_field(default_factory=list)  # "choices": the options picked
    error: str = ""


@dataclass
class Block:
    id: str = ""
    group: bool = False
    join: str = "or"  # a group's own join
    conds: list[Cond] = dc_field(default_factory=list)


def _number(text: str):
    """The draft's number as the CRM and the filters read it (lib/values.py); as typed when
    it is not one yet."""
    try:
        n = float(values.parse_number(text))
    except values.BadValue:
        return text
    return int(n) if n.is_integer() and abs(n) < 2 ** 53 else n


def _new_cond(cid: str) -> dict:
    return {"id": cid, "field": "", "op": "", "value": "", "value2": "", "values": [], "error": ""}
