"""A local SMTP server (aiosmtpd in a thread) that records what it receives.

In a test:
    with FakeSmtpServer(user="support@example.com", password="pw") as smtp:
        smtp.host, smtp.port                    # plain SMTP, AUTH PLAIN/LOGIN without TLS
        smtp.messages                           # [{"mail_from", "rcpt_tos", "data", "message", "login"}]
        smtp.refuse("nobody@example.com")       # RCPT answers 550 5.1.1 (code/text adjustable)
        smtp.fail_auth(times=1)                 # next session's AUTH: 535 even with the right password
        smtp.temp_fail(421, stage="MAIL")       # next MAIL (or RCPT / DATA) answers 421
        smtp.reset()

With user=None the server offers no AUTH. `message` is the parsed EmailMessage (policy.default).

As a process: python -m tests.fakes.smtp_server --port 1025
"""

from __future__ import annotations

import socket
import threading
import time
from email import policy
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.fakes.runner import Startable, login_server_args, serve_until_interrupted


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, fake: "FakeSmtpServer"):
        self.fake = fake

    def _take(self, stage: str) -> str | None:
        with self.fake.lock:
            rules = self.fake.temp_failures
            for rule in rules:
                if rule["stage"] == stage:
                    rule["times"] -= 1
                    if rule["times"] <= 0:
                        rules.remove(rule)
                    return f"{rule['code']} {rule['text']}"
        return None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        fail = self._take("MAIL")
        if fail:
            return fail
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        fail = self._take("RCPT")
        if fail:
            return fail
        with self.fake.lock:
            refused = self.fake.refused.get(address.lower())
        if refused:
            return f"{refused[0]} {refused[1]}"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fail = self._take("DATA")
        if fail:
            return fail
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        record = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                  "data": data, "message": BytesParser(policy=policy.default).parsebytes(data),
                  "login": login, "at": time.time()}
        with self.fake.lock:
            self.fake._messages.append(record)
        return "250 Message accepted for delivery"


class FakeSmtpServer(Startable):
    def __init__(self, user: str | None = None, password: str | None = None,
                 host: str = "127.0.0.1", port: int = 0):
        self.user, self.password = user, password
        self.host = host
        self.port = port or _free_port(host)
        self.lock = threading.RLock()
        self.reset()
        kwargs: dict[str, Any] = {}
        if user is not None:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        self._controller = Controller(_Handler(self), hostname=host, port=self.port,
                                      server_hostname="fake-smtp.local", ready_timeout=5.0,
                                      **kwargs)

    # -- control ------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self._messages: list[dict[str, Any]] = []
            self.refused: dict[str, tuple[int, str]] = {}
            self.auth_failures = 0
            self.temp_failures: list[dict[str, Any]] = []
            self.auth_attempts = 0
            self._failing_sessions: set[int] = set()

    @property
    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._messages)

    def refuse(self, address: str, code: int = 550, text: str = "5.1.1 <{addr}>: User unknown") -> None:
        with self.lock:
            self.refused[address.lower()] = (int(code), text.format(addr=address))

    def fail_auth(self, times: int = 1) -> None:
        """The next `times` SMTP sessions get 535 for every AUTH attempt."""
        with self.lock:
            self.auth_failures += int(times)

    def temp_fail(self, code: int = 421, stage: str = "MAIL", times: int = 1,
                  text: str = "4.7.0 Service not available, try again later") -> None:
        with self.lock:
            self.temp_failures.append({"code": int(code), "stage": stage.upper(),
                                       "times": int(times), "text": text})

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        with self.lock:
            self.auth_attempts += 1
            # a failing session refuses every mechanism the client tries (smtplib falls
            # back from PLAIN to LOGIN on its own)
            if id(session) in self._failing_sessions:
                return AuthResult(success=False, handled=False)
            if self.auth_failures > 0:
                self.auth_failures -= 1
                self._failing_sessions.add(id(session))
                return AuthResult(success=False, handled=False)
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> "FakeSmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def main(argv: list[str] | None = None) -> None:
    args = login_server_args("Fake SMTP server (records messages)", 1025, None, None, argv)
    server = FakeSmtpServer(args.user, args.password, args.host, args.port)
    serve_until_interrupted(server, lambda: f"fake SMTP on {args.host}:{args.port}")


if __name__ == "__main__":
    main()
