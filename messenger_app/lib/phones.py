"""Phone numbers: parse with `phonenumbers`, store E.164 and a digits-only copy for search."""

from __future__ import annotations

import functools
import re

import phonenumbers

from messenger_app.lib.errors import DomainError

DEFAULT_REGION = "RU"


class InvalidPhone(DomainError):
    code = "phone"


def normalize(raw: str, region: str = DEFAULT_REGION) -> str:
    """'+7 (999) 123-45-67', '89991234567', '79991234567' -> '+79991234567'."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("empty phone number", code="phone_empty")
    digits = re.sub(r"\D", "", text)
    if not digits or len(digits) > 17:
        raise InvalidPhone(f"not a phone number: {raw!r}")
    candidates = [text]
    if not text.startswith("+"):
        candidates.append("+" + digits)  # 79991234567 typed without the plus
    for cand in candidates:
        try:
            num = phonenumbers.parse(cand, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidPhone(f"not a valid phone number: {raw!r}")


@functools.lru_cache(maxsize=8192)
def try_normalize(raw: str) -> str:
    """normalize(), or "" for what is not a phone number. Cached: every SMS webhook and
    every inbound message with a phone parses its sender's number, mostly the same few, and
    parsing one costs more than the rest of the SMS parser."""
    try:
        return normalize(raw)
    except InvalidPhone:
        return ""


def digits(e164: str) -> str:
    return re.sub(r"\D", "", e164 or "")


def search_variants(query: str) -> list[str]:
    """Digit strings to look for inside stored numbers: '8999123' also as '7999123'."""
    d = re.sub(r"\D", "", query or "")
    if not d:
        return []
    out = [d]
    if d.startswith("8") and len(d) >= 4:
        out.append("7" + d[1:])
    return out


def display(e164: str) -> str:
    """'+79991234567' -> '+7 999 123-45-67' (international format)."""
    if not e164:
        return ""
    try:
        num = phonenumbers.parse(e164, None)
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
