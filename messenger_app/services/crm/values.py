"""A client's CRM values as typed (R6): cleaning text, reading numbers / dates / yes-no /
links, and the typed form stored in ContactValue. Pure functions, shared with the importer
(services/client_import/); numbers and dates are read by lib/values.py, as the filters
read them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable
from urllib.parse import urlsplit

from messenger_app.lib import values
from messenger_app.lib.errors import DomainError

KEY_RE = re.compile(r"[a-z0-9_]{1,64}")
# Column names of the export and import targets: a field may not take one of them as its key.
RESERVED_KEYS = frozenset({"id", "phone", "first_name", "last_name", "tag1", "tag2",
                           "blacklisted", "subscribed"})
NAME_MAX = 200  # first / last name
TAG1_MAX = 200
TAG2_MAX = 100
LABEL_MAX = 200
OPTION_MAX = 200  # one option of a select field
TEXT_MAX = 2000  # a text value (ContactValue.value_text)

_TRUE = frozenset({"yes", "true", "1", "да", "y", "on", "д"})
_FALSE = frozenset({"no", "false", "0", "нет", "n", "off", "н"})
# Bidi embeddings/overrides/isolates can make a name display as something else.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_DOMAINISH = re.compile(r"^[\w-]+(\.[\w-]+)*\.[^\W\d_]{2,}(:\d{1,5})?([/?#]\S*)?$", re.UNICODE)


class CrmError(DomainError):
    """A value or request the CRM refuses; `code` + `params` say why (services/errors.py)."""

    code = "crm"


def clean_text(raw: Any, multiline: bool = False) -> str:
    """Drop control characters and bidi overrides; keep letters, emoji (incl. ZWJ sequences).
    `multiline` keeps line breaks and tabs (text values); otherwise they become spaces."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFC", str(raw))
    if text.isprintable():  # fast path: no controls, no format characters, no odd spaces
        return text.strip()
    text = text.replace("\r\n", "\n")
    out = []
    for ch in text:
        if ch in "\r\n\t":
            if multiline:
                out.append("\n" if ch == "\r" else ch)
            else:
                out.append(" ")
        elif ch in _BIDI or ch == "\ufeff":
            continue
        elif unicodedata.category(ch) in ("Cc", "Cs"):
            continue  # C0/C1 controls, lone surrogates (not storable as UTF-8)
        else:
            out.append(ch)
    text = "".join(out)
    if multiline:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def limited(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise CrmError(f"{what} is too long: {len(text)} characters, at most {limit}", code="too_long",
                       limit=limit, length=len(text))
    return text


def raw_to_str(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, datetime):
        if (raw.hour, raw.minute, raw.second, raw.microsecond) == (0, 0, 0, 0):
            return raw.date().isoformat()
        return raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    return str(raw)


def parse_number(text: str) -> Decimal:
    """'1 234,5' / '1234.5' / '1,234.5' / '1.234,5' / '-7' -> Decimal (lib/values.py)."""
    try:
        return values.parse_number(text)
    except values.BadValue as e:
        raise CrmError(str(e), code=e.code, **e.params) from None


def parse_date(text: str) -> date:
    """ISO '2026-11-25' (a time part is ignored) or '25.11.2026' (lib/values.py)."""
    try:
        return values.parse_date(text)
    except values.BadValue as e:
        raise CrmError(str(e), code=e.code, **e.params) from None


def parse_bool(text: str) -> bool:
    s = text.strip().casefold()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise CrmError(f"not yes/no: {text[:50]!r}", code="bool", value=text[:50])


def parse_link(text: str) -> str:
    """An http(s) URL. 'example.com/x' gets https:// in front; every other scheme
    (javascript:, data:, file:, ...) is refused."""
    s = text.strip()
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in s):
        raise CrmError("a link may not contain spaces or control characters", code="link")
    if "://" not in s and _DOMAINISH.match(s):
        s = "https://" + s
    try:
        parts = urlsplit(s)
    except ValueError:
        raise CrmError(f"not a link: {text[:50]!r}", code="link") from None
    if parts.scheme.lower() not in ("http", "https") or not s.lower().startswith(
            (parts.scheme.lower() + "://")):
        raise CrmError("only http:// and https:// links are allowed", code="link")
    if not parts.hostname:
        raise CrmError(f"the link has no host: {text[:50]!r}", code="link")
    return limited(s, TEXT_MAX, "link")


@dataclass(frozen=True)
class Typed:
    text: str  # normalised display form, "" = no value
    num: float | None = None
    when: datetime | None = None


def parse_value(ftype: str, options: Iterable[str], raw: Any) -> Typed:
    """Validate and normalise one value of a field of type `ftype`. Empty -> Typed("")."""
    text = raw_to_str(raw)
    if ftype == "text":
        return Typed(limited(clean_text(text, multiline=True), TEXT_MAX, "text"))
    if ftype == "link":  # checked as typed: a hidden control character refuses the link
        text = text.strip()
        return Typed(parse_link(text) if text else "")
    text = clean_text(text)
    if not text:
        return Typed("")
    if ftype == "number":
        value = parse_number(text)
        shown = format(value.normalize(), "f")
        if shown in ("-0", "+0"):
            shown = "0"
        return Typed(shown, num=float(value))
    if ftype == "date":
        d = parse_date(text)
        return Typed(d.isoformat(), when=datetime(d.year, d.month, d.day, tzinfo=timezone.utc))
    if ftype == "bool":
        b = parse_bool(text)
        return Typed("yes" if b else "no", num=1.0 if b else 0.0)
    if ftype == "select":
        opts = list(options or [])
        if text in opts:
            return Typed(text)
        folded = {str(o).casefold(): str(o) for o in opts}
        if text.casefold() in folded:
            return Typed(folded[text.casefold()])
        raise CrmError(f"{text[:50]!r} is not one of the options: {', '.join(map(str, opts))}"[:500],
                       code="option", value=text[:50], options=", ".join(map(str, opts))[:400])
    raise CrmError(f"unknown field type {ftype!r}", code="field_type")


def set_positions(s, rows: dict[str, Any], order: list[str], what: str) -> None:
    """Number `rows` (key -> a row with .position) 1, 2, ... in `order`, which must name
    every row once (admin lists: CRM fields, Tag 2 options); added to session `s`."""
    if sorted(order) != sorted(rows):
        raise CrmError(f"the new order must list every {what} once", code="order")
    for pos, key in enumerate(order, 1):
        rows[key].position = pos
        s.add(rows[key])
