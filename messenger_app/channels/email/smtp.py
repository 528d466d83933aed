"""SMTP out: connect with the configured security (implicit TLS, required STARTTLS, or plain),
AUTH when a user is set, send one message; errors mapped to the channel's kinds: 4xx,
connection errors and timeouts -> TransientError; recipient refused 550/551/553 ->
UnreachableError; auth failure (535) and other 5xx -> PermanentError. Each carries a reason
(problems.py); passwords never appear in a message."""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from typing import Any, Callable

from messenger_app.channels.base import ChannelError, UnreachableError
from messenger_app.channels.email import tls
from messenger_app.channels.email.config import EmailConfig
from messenger_app.channels.email.problems import fail

UNREACHABLE = (550, 551, 553)


def _decode(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


class SmtpClient:
    def __init__(self, cfg: EmailConfig, scrub: Callable[[Any], str]):
        self.cfg, self.scrub = cfg, scrub

    def connect(self, verify: bool = True) -> smtplib.SMTP:
        cfg = self.cfg
        ctx = tls.context(cfg, verify) if cfg.smtp_security != "none" else None
        if cfg.smtp_security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port,
                                                  timeout=cfg.timeout, context=ctx)
        else:
            smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout)
        try:
            smtp.ehlo()
            if cfg.smtp_security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise fail("smtp: the server does not offer STARTTLS", "no_starttls",
                               host=cfg.smtp_host, port=cfg.smtp_port)
                smtp.starttls(context=ctx)
                smtp.ehlo()
            if ctx is not None and verify:
                tls.check_peer(smtp.sock, cfg)
            if cfg.smtp_user and verify:
                smtp.login(cfg.smtp_user, cfg.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, to: str, message: EmailMessage) -> None:
        self._session(lambda smtp: smtp.send_message(message, from_addr=self.cfg.from_address,
                                                     to_addrs=[to]))

    def check(self) -> None:
        self._session(lambda smtp: smtp.noop())

    def _session(self, work) -> None:
        smtp = None
        try:
            smtp = self.connect()
            work(smtp)
        except Exception as exc:  # noqa: BLE001 — mapped, never leaked raw
            raise self._error(exc) from None
        finally:
            if smtp is not None:
                try:
                    smtp.quit()  # the mail is accepted already: a failing QUIT changes nothing
                except Exception:  # noqa: BLE001
                    smtp.close()

    def _untrusted_fingerprint(self) -> str:
        try:
            smtp = self.connect(verify=False)
        except Exception:  # noqa: BLE001 — only a hint for the person
            return ""
        try:
            return tls.pretty(tls.fingerprint(smtp.sock.getpeercert(True)))
        finally:
            smtp.close()

    def _error(self, exc: BaseException) -> Exception:
        cfg = self.cfg
        where = {"host": cfg.smtp_host, "port": cfg.smtp_port}
        if isinstance(exc, ChannelError):
            return exc
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return fail(f"smtp login failed for {cfg.smtp_user!r} ({exc.smtp_code}; "
                        "check user and password)", "login", user=cfg.smtp_user)
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, text = next(iter(exc.recipients.values()), (0, b""))
            detail = f"smtp: recipient refused ({code} {self.scrub(_decode(text))})"
            if code in UNREACHABLE:
                return UnreachableError(detail)
            return fail(detail, "server", transient=400 <= code < 500)
        if isinstance(exc, smtplib.SMTPResponseException):  # sender / data / helo / connect
            code = exc.smtp_code
            detail = f"smtp: {code} {self.scrub(_decode(exc.smtp_error))}"
            transient = isinstance(exc, smtplib.SMTPConnectError) or 400 <= code < 500 or code < 0
            return fail(detail, "server", transient=transient, detail=detail)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return fail(f"smtp: the server does not support it: {self.scrub(exc)}", "server",
                        transient=False)
        if isinstance(exc, ssl.SSLError):
            reason = tls.classify(exc)
            if reason == "tls_untrusted":
                return fail("smtp: the server's TLS certificate is not trusted", reason,
                            fingerprint=self._untrusted_fingerprint(), **where)
            return fail(f"smtp: TLS failed ({self.scrub(exc)})", reason, **where)
        if isinstance(exc, UnicodeEncodeError):
            return fail("smtp: only ASCII user names and passwords are supported", "login",
                        user=cfg.smtp_user)
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return fail("smtp: timed out", "timeout", **where)
        if isinstance(exc, smtplib.SMTPServerDisconnected) and cfg.smtp_security == "none":
            return fail(f"smtp: {self.scrub(exc)}", "connect", **where)
        if isinstance(exc, (smtplib.SMTPException, OSError)):
            return fail(f"smtp: {self.scrub(exc) or type(exc).__name__}", "connect", **where)
        return fail(f"smtp: {type(exc).__name__}: {self.scrub(exc)}", "server", transient=False)
