"""How people type a number or a date, read the same way everywhere: the CRM card, the client
import, the filters and the filter builder. A value the CRM accepts can be filtered by the
same text.

Numbers follow both conventions the product is used with (English and Russian):
"1234.5", "1,234.5", "1 234,5" (space, no-break space, thin space or ' groups), "1.234,5",
"0,25", "−7" (the minus sign). A single comma is a decimal comma; a separator used more than
once groups thousands; with both, the last one is the decimal mark. Exponents, "inf", "nan"
and hex are refused.

Dates: ISO "2026-11-25" (a time part is ignored) and the Russian "25.11.2026".

Babel's parse_decimal/parse_date were considered: they need the locale of whoever typed the
value (an import or an API call has none), and in either locale refuse half of the forms
above ("0,25" in English, "1 234,5" with a plain space in Russian), so they do not fit.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from messenger_app.lib.errors import DomainError

NUMBER_MAX_ABS = Decimal("1e15")  # beyond this a float stops being exact for integers

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009\u200a']")  # inside a number: 1 234 / 1'234
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.+\-Z]*)?")
_DOTTED_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


class BadValue(DomainError):
    """A text that is not a number / a date; `code` is "number", "number_large" or "date",
    `params["value"]` the text (cut to 50 characters). Callers re-raise it as their own
    error (CrmError, FilterError) so their codes stay theirs."""


def parse_number(text: str) -> Decimal:
    """'1 234,5' / '1234.5' / '1,234.5' / '1.234,5' / '-7' -> Decimal."""
    text = str(text)
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
    if not _PLAIN.fullmatch(s):
        raise BadValue(f"not a number: {text[:50]!r}", code="number", value=text[:50])
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regex already ruled it out
        raise BadValue(f"not a number: {text[:50]!r}", code="number", value=text[:50]) from None
    if abs(value) >= NUMBER_MAX_ABS:
        raise BadValue(f"number is too large: {text[:50]!r}", code="number_large", value=text[:50])
    return value


def parse_date(text: str) -> date:
    """ISO '2026-11-25' (a time part is ignored) or '25.11.2026'."""
    text = str(text)
    s = text.strip()
    m = _ISO_DAY.fullmatch(s)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DOTTED_DAY.fullmatch(s)
        if not m:
            raise BadValue(f"not a date (use 2026-11-25 or 25.11.2026): {text[:50]!r}", code="date",
                              value=text[:50])
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        return date(y, mo, d)
    except ValueError:
        raise BadValue(f"no such date: {text[:50]!r}", code="date", value=text[:50]) from None


def is_day(text: str) -> bool:
    """A calendar day with no time part: '2026-11-25' or '25.11.2026'."""
    s = str(text).strip()
    return bool(_DOTTED_DAY.fullmatch(s) or re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", s))
