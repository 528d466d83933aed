"""The fixtures a test module of one fake channel API declares: the module's one fake server
(started once, stopped after the module) and, for each test, that fake reset.

    server, fake = module_fake(lambda: FakeVkServer(token=TOKEN, group_id=GROUP))
"""

from __future__ import annotations

from typing import Callable

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


def reset_over_http(server) -> None:
    """Reset a fake through its /_fake/reset control route, as a test in another process would."""
    import httpx

    httpx.post(f"{server.url}/_fake/reset").raise_for_status()
