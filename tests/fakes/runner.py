"""Runs a fake provider's Starlette app in a background thread on 127.0.0.1 (a free port by
default). Every fake server of tests/fakes/ is one of these."""

from __future__ import annotations

import argparse
import asyncio
import socket
import threading
import time
from typing import Any, Callable


class Startable:
    """`with server:` starts it and stops it after; the subclass has start() (returning
    self) and stop()."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def login_server_args(description: str, default_port: int, default_user: str | None,
                      default_password: str | None, argv: list[str] | None) -> argparse.Namespace:
    """--host, --port, --user, --password of a fake mail server run as a process."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--user", default=default_user)
    parser.add_argument("--password", default=default_password)
    return parser.parse_args(argv)


def serve_until_interrupted(server: Startable, banner: Callable[[], str]) -> None:
    """Start `server`, print banner(), and run until Ctrl-C (then stop it)."""
    server.start()
    print(banner(), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


class ThreadedServer(Startable):
    name = "fake"

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        import uvicorn

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))  # bound before start: no port race
        self.host, self.port = self._sock.getsockname()[:2]
        self._server = uvicorn.Server(uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off",
            timeout_graceful_shutdown=1))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0):
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._sock])),
            name=f"fake-{self.name}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"fake {self.name} server did not start")
            time.sleep(0.01)
        return self

    def _before_stop(self) -> None:
        """Wake long polls and the like so the server can exit at once."""

    def stop(self) -> None:
        self._server.should_exit = True
        self._before_stop()
        if self._thread:
            self._thread.join(timeout=5)
        self._sock.close()

class FailureRules:
    """Failure injection shared by the fake APIs: "the next N calls of METHOD fail like
    this". The state using it has `_lock` and a `failures` dict."""

    def _add_rule(self, method: str, rule: dict) -> None:
        with self._lock:
            self.failures.setdefault(method, []).append(rule)

    def take_failure(self, method: str) -> dict | None:
        with self._lock:
            rules = self.failures.get(method) or []
            if not rules:
                return None
            rule = rules[0]
            rule["times"] -= 1
            if rule["times"] <= 0:
                rules.pop(0)
            return dict(rule)
