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
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.runner import ThreadedServer


class FakePushService(ThreadedServer):
    name = "push"

    def __init__(self, host: str = "127.0.0.1"):
        self._lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.statuses: dict[str, int] = {}
        self.jitter = 0.0  # seconds: a random delay before a push is recorded and answered
        super().__init__(Starlette(routes=[Route("/push/{name}", self._push, methods=["POST"])]),
                         host)

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
