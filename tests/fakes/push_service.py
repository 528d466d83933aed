"""A local fake Web Push service (what FCM / Mozilla autopush are to real browsers).

    with FakePushService() as fake:
        endpoint = fake.endpoint("abc")       # http://127.0.0.1:<port>/push/abc
        fake.fail("abc", 410)                 # the next pushes to "abc" answer 410
        ... send ...
        fake.received                         # [{"name", "headers", "body"}] as posted
        fake.jitter = 0.2                     # answer each push after a random 0..0.2 s

Every POST /push/<name> is recorded (headers lower-cased, raw encrypted body) and answered
201 Created, like real push services, unless a status was set for that name.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class FakePushService:
    def __init__(self, host: str = "127.0.0.1"):
        import uvicorn

        self._lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.statuses: dict[str, int] = {}
        self.jitter = 0.0  # seconds: a random delay before a push is recorded and answered
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self.host, self.port = self._sock.getsockname()[:2]
        app = Starlette(routes=[Route("/push/{name}", self._push, methods=["POST"])])
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def endpoint(self, name: str) -> str:
        return f"{self.url}/push/{name}"

    def fail(self, name: str, status: int) -> None:
        with self._lock:
            self.statuses[name] = status

    def requests_for(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.received if r["name"] == name]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} pushes, got {len(self.received)}")
            time.sleep(0.02)

    async def _push(self, request: Request) -> Response:
        name = request.path_params["name"]
        body = await request.body()
        if self.jitter:
            await asyncio.sleep(random.uniform(0, self.jitter))
        with self._lock:
            self.received.append({"name": name, "headers": {k.lower(): v for k, v in request.headers.items()},
                                  "body": body})
            status = self.statuses.get(name, 201)
        headers = {"Location": f"{self.url}/message/{len(self.received)}"} if status == 201 else {}
        return Response(b"" if status == 201 else b"push service says no", status_code=status,
                        headers=headers)

    def start(self, timeout: float = 10.0) -> "FakePushService":
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._sock])),
            name="fake-push", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("fake push service did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> "FakePushService":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
