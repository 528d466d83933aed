"""Strings that every database can store: no lone UTF-16 surrogates (SQLite's UTF-8 encoder
and PostgreSQL refuse them) and no NUL (PostgreSQL refuses it). JSON from outside can carry
both ("\\ud800", "\\u0000"); a valid surrogate pair written as two escapes becomes the one
character it stands for."""

from __future__ import annotations

from typing import Any

REPLACEMENT = "\ufffd"


def text(value: Any) -> str:
    """`value` as a storable str (None → ""). Lone surrogates become U+FFFD, NUL is dropped."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value.replace("\x00", "") if "\x00" in value else value


def value(data: Any, depth: int = 0) -> Any:
    """A JSON-like value with every string (keys too) made storable. Deeper than 64 levels
    (never from our parsers) is cut off as None rather than recursing further."""
    if isinstance(data, str):
        return text(data)
    if depth > 64:
        return None
    if isinstance(data, dict):
        return {text(k): value(v, depth + 1) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [value(v, depth + 1) for v in data]
    return data
