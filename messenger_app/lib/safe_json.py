"""A total JSON loader for bodies from outside (webhooks): any bytes give either the decoded
value or `BadJson` with a short reason — never RecursionError, never a huge integer parse,
never NaN/Infinity, never a value nested deeper than `max_depth`.

Python's json module recurses per nesting level: 100,000 `[` raise RecursionError (caught
here), and a value nested 900 deep parses but breaks recursive consumers after it, so the
parsed value's depth is checked too (iteratively, linear in the number of containers).
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32  # real webhooks nest about 8 deep (WhatsApp: entry/changes/value/messages/...)


class BadJson(ValueError):
    """The text is not JSON we accept. The message is safe to show to the sender."""


def _constant(name: str) -> Any:
    raise BadJson(f"{name} is not allowed")


def too_deep(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """True when lists/dicts inside `value` nest deeper than `max_depth` (a scalar is 0)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


def loads(body: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Decode UTF-8 JSON from outside. Raises BadJson (a ValueError) for anything else."""
    if isinstance(body, (bytes, bytearray)):
        try:
            text = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadJson("not UTF-8") from None
    elif isinstance(body, str):
        text = body
    else:
        raise BadJson("not text")
    try:
        data = json.loads(text, parse_constant=_constant)
    except BadJson:
        raise
    except RecursionError:
        raise BadJson(f"nested deeper than {max_depth} levels") from None
    except ValueError as e:  # JSONDecodeError, "exceeds the limit for integer string conversion"
        raise BadJson(f"not JSON ({e.__class__.__name__})") from None
    if too_deep(data, max_depth):
        raise BadJson(f"nested deeper than {max_depth} levels")
    return data


def loads_object(body: bytes | str, max_depth: int = MAX_DEPTH) -> dict:
    data = loads(body, max_depth)
    if not isinstance(data, dict):
        raise BadJson("not a JSON object")
    return data
