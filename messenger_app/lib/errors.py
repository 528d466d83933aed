"""Refusals a person can act on, as a stable code with parameters (issue 20).

A service raises e.g. ``CrmError("not a number: 'abc'", code="number", value="abc")``: the
English message stays what it always was (logs, the HTTP API, older callers and tests read
it), and the interface shows ``strings["err_" + code]`` in the operator's language, filled
with the parameters (messenger_app/i18n/errors.py). Rewording a message never breaks a
translation, and a new code without a translation fails a unit test.
"""

from __future__ import annotations


class DomainError(ValueError):
    """Base of every refusal a service raises for the interface to show."""

    code: str = ""  # the class's default code: a generic translation for its kind of refusal

    def __init__(self, message: str = "", code: str = "", **params):
        super().__init__(message or code or self.code)
        if code:
            self.code = code
        self.params = params


class ErrorText(str):
    """The English message of a refusal that is kept as text (an importer's rejected row),
    still carrying the refusal so the interface can translate it."""

    error: DomainError

    def __new__(cls, error: DomainError) -> "ErrorText":
        obj = super().__new__(cls, str(error))
        obj.error = error
        return obj

    def __reduce__(self):  # pickles (Redis state) with its refusal
        return (ErrorText, (self.error,))
