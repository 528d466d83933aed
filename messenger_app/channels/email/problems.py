"""Why an e-mail server could not be used, as a reason code a person can act on.

IMAP and SMTP errors are TransientError / PermanentError like every channel's; they also carry
`reason` and `params`, so "Test connection" on /settings can say in the operator's language
what failed (`ConnectionProblem`: code "email_<reason>", translated as "err_email_<reason>").

Reasons: connect (nothing answers / refused), timeout, tls_version (TLS spoken to a plain
port or the other way round: choose another security), no_starttls (the server offers no
STARTTLS), tls_untrusted (the certificate is not signed by a trusted CA: give a CA file or
trust its fingerprint), ca_file (the CA file cannot be read), login (user or password
refused), folder (no such IMAP folder), server (any other answer of the server).
"""

from __future__ import annotations

from messenger_app.channels.base import ChannelError, PermanentError, TransientError
from messenger_app.lib.errors import DomainError

PERMANENT_REASONS = {"tls_version", "no_starttls", "tls_untrusted", "ca_file", "login", "folder"}


def fail(message: str, reason: str, transient: bool | None = None, **params) -> ChannelError:
    """A channel error with a reason (transient unless the reason says retrying cannot help)."""
    if transient is None:
        transient = reason not in PERMANENT_REASONS
    exc: ChannelError = TransientError(message) if transient else PermanentError(message)
    exc.reason = reason  # type: ignore[attr-defined]
    exc.params = {k: str(v) for k, v in params.items()}  # type: ignore[attr-defined]
    return exc


class ConnectionProblem(DomainError):
    """What "Test connection" found, for the interface (server: "IMAP" or "SMTP")."""

    code = "email_server"


def as_problem(server: str, exc: BaseException) -> ConnectionProblem:
    reason = getattr(exc, "reason", "") or "server"
    params = dict(getattr(exc, "params", {}) or {})
    params.setdefault("detail", str(exc)[:300])
    return ConnectionProblem(f"{server}: {exc}", code=f"email_{reason}", server=server, **params)
