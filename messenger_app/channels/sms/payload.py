"""Reading and filling a gateway's payloads: the request template with its placeholders,
a form from it, JSON paths into a response ("messages.0.id", "data[0].sid"), an error
field's text and whether it means "no error", and which values look like secrets."""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from messenger_app.channels.base import PermanentError

PLACEHOLDERS = ("to", "text", "sender", "message_id")
_PLACEHOLDER_RE = re.compile(r"\{(to|text|sender|message_id)\}")
_EMPTY_ERROR_VALUES = ("", "0", "false", "ok", "success", "none", "null")
_SECRET_NAME_RE = re.compile(r"key|token|secret|pass|pwd|auth|sign|api_?id|login", re.I)


def _fill(template: Any, values: Mapping[str, str]) -> Any:
    if isinstance(template, str):
        return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], template)
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


def _flat(filled: Any) -> dict[str, str]:
    if not isinstance(filled, dict):
        raise PermanentError("sms: a form or query template must be a flat object")
    out = {}
    for key, value in filled.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None:
            value = ""
        out[str(key)] = str(value)
    return out


def _secret_values(template: Any, key: str = "") -> list[str]:
    if isinstance(template, dict):
        return [s for k, v in template.items() for s in _secret_values(v, str(k))]
    if isinstance(template, list):
        return [s for v in template for s in _secret_values(v, key)]
    if isinstance(template, str) and key and _SECRET_NAME_RE.search(key):
        return [template]
    return []


_PATH_TOKEN = re.compile(r"[^.\[\]]+|\[(\d+)\]")


def _get_path(data: Any, path: str) -> Any:
    """'messages.0.id', 'messages[0].id', 'result.sid'. Missing -> None."""
    if not path:
        return None
    current = data
    for match in _PATH_TOKEN.finditer(path):
        key = match.group(1) if match.group(1) is not None else match.group(0)
        if isinstance(current, list):
            try:
                current = current[int(key)]
            except (ValueError, IndexError):
                return None
        elif isinstance(current, dict):
            if key not in current:
                return None
            current = current[key]
        else:
            return None
    return current


def _field(item: Mapping[str, Any], name: str) -> Any:
    if not name:
        return None
    if name in item:
        return item[name]
    return _get_path(item, name) if ("." in name or "[" in name) else None


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else ""
    return value


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        if isinstance(value, dict):
            for key in ("message", "description", "text", "error", "detail"):
                if isinstance(value.get(key), (str, int)):
                    return str(value[key])
        return json.dumps(value, ensure_ascii=False)[:300]
    return str(value)


def _is_empty_error(value: Any) -> bool:
    if value is None or value is False or value == 0:
        return True
    if isinstance(value, (dict, list)):
        return not value
    return str(value).strip().lower() in _EMPTY_ERROR_VALUES


def _norm_word(word: str) -> str:
    return re.sub(r"[\s-]+", "_", str(word).strip().lower())


def _charset(content_type: str) -> str:
    match = re.search(r"charset=\"?([\w.:-]+)", content_type or "", re.I)
    return match.group(1) if match else "utf-8"


def _header(headers: Mapping[str, Any], name: str) -> Any:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, val in headers.items():
            if str(key).lower() == lowered:
                return val
    return value
