"""A tab's listener survives its state store (Redis) going away: states/live.apply retries
and, once the store answers again, hands the state a resync event so it refreshes fully."""

import asyncio
from types import SimpleNamespace

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from messenger_app.services import events
from messenger_app.states import live


class FlakyState:
    """Stands in for a background task's state proxy: `async with` fails `down` times."""

    def __init__(self, down: int, token: str = "tok-123456"):
        self.down = down
        self.entered = 0
        self.router = SimpleNamespace(session=SimpleNamespace(client_token=token))

    async def __aenter__(self):
        if self.down:
            self.down -= 1
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379")
        self.entered += 1
        return self

    async def __aexit__(self, *exc):
        return False


@pytest.fixture(autouse=True)
def fast_retry(monkeypatch):
    monkeypatch.setattr(live, "RETRY", (0,))


def test_the_store_comes_back_and_the_state_resyncs(monkeypatch, caplog):
    monkeypatch.setattr(live, "_connected", lambda token: True)
    state, seen = FlakyState(down=3), []
    result = asyncio.run(live.apply(state, "tok-123456", [{"kind": "dialog", "dialog_id": 1}],
                                    lambda batch: seen.append(batch) or "done"))
    assert result == "done" and state.entered == 1
    assert seen == [[{"kind": "dialog", "dialog_id": 1}, {"kind": events.RESYNC}]]
    assert len([r for r in caplog.records if "state store unavailable" in r.getMessage()]) == 1


def test_no_outage_no_resync(monkeypatch):
    state, seen = FlakyState(down=0), []
    asyncio.run(live.apply(state, "tok", [{"kind": "dialog"}], seen.append))
    assert seen == [[{"kind": "dialog"}]]


def test_a_tab_closed_during_the_outage_stops_its_listener(monkeypatch):
    monkeypatch.setattr(live, "_connected", lambda token: False)
    state = FlakyState(down=100)
    assert asyncio.run(live.apply(state, "tok", [], lambda b: "never")) is False
    assert state.entered == 0


def test_other_errors_are_not_swallowed():
    class Broken(FlakyState):
        async def __aenter__(self):
            raise KeyError("a bug")

    with pytest.raises(KeyError):
        asyncio.run(live.apply(Broken(0), "tok", [], lambda b: None))


def test_a_store_that_lost_the_tabs_state_asks_for_a_page_reload(monkeypatch):
    """Redis restarted without persistence: the state comes back blank (no router data)."""
    monkeypatch.setattr(live, "_connected", lambda token: True)
    state, seen = FlakyState(down=2, token=""), []
    assert asyncio.run(live.apply(state, "tok", [{"kind": "dialog"}], seen.append)) == live.RELOAD
    assert seen == []  # nothing is applied to a blank state
