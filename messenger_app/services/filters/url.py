"""A filter in a URL (L5), to bookmark a view. Compact form: a group is ["a"|"o", [items]]
(the top one may add the time zone as a third item), a condition [field, op] or
[field, op, value]; then base64url of that compact JSON."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from messenger_app.services.filters.model import (MAX_DEPTH, MAX_URL, FilterError, VarField,
                                                  count_conditions, empty, validate)

# Compact form: a group is ["a"|"o", [items]], a condition [field, op] or [field, op, value].

def _pack(group: dict) -> list:
    items = []
    for i in group.get("conditions", []):
        if "conditions" in i:
            items.append(_pack(i))
        elif "value" in i:
            items.append([i["field"], i["op"], i["value"]])
        else:
            items.append([i["field"], i["op"]])
    return ["o" if group.get("join") == "or" else "a", items]


def _unpack(packed: Any, depth: int = 1) -> dict:
    tz = None
    if depth == 1 and isinstance(packed, list) and len(packed) == 3 and isinstance(packed[2], str):
        packed, tz = packed[:2], packed[2]  # the top group may carry the time zone
    if depth > MAX_DEPTH + 1 or not isinstance(packed, list) or len(packed) != 2 \
            or packed[0] not in ("a", "o") or not isinstance(packed[1], list):
        raise ValueError("bad group")
    out = []
    for item in packed[1]:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[1], list):
            out.append(_unpack(item, depth + 1))
        elif isinstance(item, list) and len(item) in (2, 3) and isinstance(item[0], str):
            leaf = {"field": item[0], "op": item[1]}
            if len(item) == 3:
                leaf["value"] = item[2]
            out.append(leaf)
        else:
            raise ValueError("bad condition")
    group = {"join": "or" if packed[0] == "o" else "and", "conditions": out}
    if tz is not None:
        group["tz"] = tz
    return group


def to_url(filt: dict) -> str:
    """A short URL-safe string (base64url of compact JSON) to bookmark a view; "" for none."""
    if not count_conditions(filt):
        return ""
    packed = _pack(filt)
    if filt.get("tz"):
        packed.append(filt["tz"])
    raw = json.dumps(packed, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def from_url(text: str, crm: dict[str, VarField] | None = None) -> dict:
    """The filter from to_url(); validated. Garbage raises FilterError; "" is no filter."""
    if text is None or not str(text).strip():
        return empty()
    text = str(text).strip()
    if len(text) > MAX_URL or not re.fullmatch(r"[A-Za-z0-9_\-]+", text):
        raise FilterError("This filter link is damaged.", code="filter_link")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        filt = _unpack(json.loads(raw.decode("utf-8")))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise FilterError("This filter link is damaged.", code="filter_link") from None
    return validate(filt, crm)
