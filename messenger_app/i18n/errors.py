"""A service's refusal in the operator's language, by its code (services/errors.py).

``error_text(exc, "ru")`` looks up ``"err_" + exc.code`` in the interface strings and fills
it with ``exc.params``; a parameter that is itself a DomainError (the reason inside
"<column>: <reason>" of the importer) is translated the same way. Without a code or a
translation English keeps the service's own message and other languages get the generic
"could not be done" text, so no English sentence reaches a Russian screen.
"""

from __future__ import annotations

import logging
from typing import Any

from messenger_app.i18n.strings import EN, LANGS
from messenger_app.lib.errors import DomainError, ErrorText

log = logging.getLogger(__name__)


class _Params(dict):
    def __missing__(self, key: str) -> str:  # a template naming an absent parameter
        return "…"


def error_text(exc: BaseException | str, lang: str) -> str:
    table = LANGS.get(lang, EN)
    if isinstance(exc, ErrorText):
        exc = exc.error
    if not isinstance(exc, DomainError):
        message = str(exc)
        if lang == "en":
            return message
        log.warning("untranslated error shown in %s: %s", lang, message)
        return table["err_generic"]
    template = table.get("err_" + exc.code) if exc.code else None
    if template is None:
        if lang == "en":
            return str(exc)
        log.warning("no %s translation for error code %r: %s", lang, exc.code, exc)
        return table["err_generic"]
    params = _Params({k: _param(v, lang) for k, v in exc.params.items()})
    return template.format_map(params)


def _param(value: Any, lang: str) -> str:
    if isinstance(value, DomainError):
        return error_text(value, lang)
    return str(value)
