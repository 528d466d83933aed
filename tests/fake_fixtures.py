"""What tests do with the fake channel APIs (tests/fakes/): the fixtures a test module of one
fake declares (the module's one fake server, started once and stopped after the module, and
for each test that fake reset), several fakes started together, and calls of a fake's
/_fake/ control routes as a test in another process makes them.

    server, fake = module_fake(lambda: FakeVkServer(token=TOKEN, group_id=GROUP))
    control(fake, "user_message", {"user_id": 42, "text": "hi"})
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import pytest


def reset_state(server) -> None:
    """What most fakes' per-test fixture does: forget what earlier tests did."""
    server.state.reset()


def module_fake(make: Callable[[], object], reset: Callable[[object], None] = reset_state,
                name: str = "fake", server_name: str = "server"):
    """(server fixture, per-test fixture), to be bound in the test module under any names;
    pytest knows them as `server_name` and `name`."""

    @pytest.fixture(scope="module", name=server_name)
    def server_fixture():
        with make() as server:
            yield server

    @pytest.fixture(name=name)
    def fresh(request):
        server = request.getfixturevalue(server_name)
        reset(server)
        return server

    return server_fixture, fresh


def control(fake, path: str, body: dict | None = None):
    """GET (no body) or POST (a JSON body) the fake's /_fake/<path>; its JSON answer. An
    HTTP error status raises."""
    import httpx

    url = f"{fake.url}/_fake/{path}"
    response = httpx.get(url, timeout=5) if body is None else httpx.post(url, json=body, timeout=5)
    response.raise_for_status()
    return response.json()


def reset_over_http(server) -> None:
    """Reset a fake through its /_fake/reset control route, as a test in another process would."""
    control(server, "reset", {})


@contextlib.contextmanager
def all_started(servers: dict[str, object]) -> Iterator[dict[str, object]]:
    """Start every server of `servers` (name -> fake) and yield them; stop the ones that
    started, also when a later one did not."""
    started = []
    try:
        for server in servers.values():
            server.start()
            started.append(server)
        yield servers
    finally:
        for server in started:
            server.stop()
