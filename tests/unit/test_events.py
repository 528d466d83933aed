"""The event bus: in-process by default, Redis pub/sub across processes with REDIS_URL."""

import asyncio
import logging
import sys
import time
import threading

import pytest

from messenger_app.services.events import Bus
from tests.services import RedisServer


def test_in_process_bus_delivers_from_other_threads():
    bus = Bus()

    async def scenario():
        q1, q2 = bus.subscribe(), bus.subscribe()
        t = threading.Thread(target=bus.publish, args=("dialog",), kwargs={"dialog_id": 5})
        t.start()
        t.join()
        a = await asyncio.wait_for(q1.get(), 2)
        b = await asyncio.wait_for(q2.get(), 2)
        bus.unsubscribe(q1)
        bus.publish("dialog", dialog_id=6)
        assert (await asyncio.wait_for(q2.get(), 2))["dialog_id"] == 6
        assert q1.empty()
        return a, b

    a, b = asyncio.run(scenario())
    assert a == b == {"kind": "dialog", "dialog_id": 5}


def test_a_stuck_subscriber_does_not_grow_without_bound():
    bus = Bus()

    async def scenario():
        q = bus.subscribe()
        for i in range(1500):
            bus.publish("dialog", dialog_id=i)
        done = asyncio.get_running_loop().create_future()  # a sentinel behind the deliveries:
        asyncio.get_running_loop().call_soon_threadsafe(done.set_result, None)  # FIFO, so
        await done  # every event was handed to the queue by now
        return q

    q = asyncio.run(scenario())
    assert q.qsize() == 1000
    assert q.get_nowait()["dialog_id"] == 500  # the oldest were dropped


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


PUBLISH_42 = ("import sys; from messenger_app.services.events import Bus; "
              "Bus(sys.argv[1]).publish('dialog', dialog_id=42, reason='inbound')")


def test_redis_bus_joins_two_processes(redis_server):
    """An event published by another backend process reaches this one's subscribers."""
    bus = Bus(redis_server.url)
    code = ("import sys; from messenger_app.services.events import Bus; "
            "Bus(sys.argv[1]).publish('dialog', dialog_id=42, reason='inbound')")

    async def scenario():
        q = bus.subscribe()
        assert await bus.ready(10)  # Redis confirmed the SUBSCRIBE
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, redis_server.url)
        assert await proc.wait() == 0
        ev = await asyncio.wait_for(q.get(), 5)
        bus._listener.cancel()
        return ev

    ev = asyncio.run(scenario())
    assert ev == {"kind": "dialog", "dialog_id": 42, "reason": "inbound"}


def test_awaiting_subscribe_means_no_event_of_another_process_is_lost(redis_server):
    """`await bus.subscribe()` returns once Redis confirmed SUBSCRIBE: an event another
    process publishes right after reaches the subscriber (pub/sub keeps nothing for late
    subscribers, so returning earlier would lose it)."""
    bus = Bus(redis_server.url)

    async def scenario():
        q = await bus.subscribe()
        live = bus.subscribed.is_set()
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", PUBLISH_42, redis_server.url)
        assert await proc.wait() == 0
        ev = await asyncio.wait_for(q.get(), 5)
        bus._listener.cancel()
        return live, ev

    live, ev = asyncio.run(scenario())
    assert live and ev == {"kind": "dialog", "dialog_id": 42, "reason": "inbound"}


def test_own_events_before_the_subscription_is_live_still_reach_this_process(redis_server):
    """A write right after the first tab subscribed, before Redis confirmed SUBSCRIBE: the
    tab hears it (through Redis or directly), and once live an event arrives exactly once."""
    bus = Bus(redis_server.url)

    async def scenario():
        q = bus.subscribe()  # not awaited: the listener is still connecting
        bus.publish("dialog", dialog_id=1)
        first = await asyncio.wait_for(q.get(), 5)
        assert await bus.ready(10)
        while not q.empty():  # a copy of event 1 that also came back through Redis
            assert q.get_nowait()["dialog_id"] == 1
        bus.publish("dialog", dialog_id=2)
        bus.publish("dialog", dialog_id=3)  # a sentinel: once it is here, 2 had its chance twice
        got = [(await asyncio.wait_for(q.get(), 5))["dialog_id"] for _ in range(2)]
        bus._listener.cancel()
        return first, got, q.qsize()

    first, got, left = asyncio.run(scenario())
    assert first["dialog_id"] == 1 and got == [2, 3] and left == 0


def test_redis_down_still_delivers_locally():
    bus = Bus("redis://127.0.0.1:1/0")  # nothing listens there

    async def scenario():
        q = bus.subscribe()
        bus.publish("dialog", dialog_id=1)
        ev = await asyncio.wait_for(q.get(), 5)
        bus._listener.cancel()
        return ev

    assert asyncio.run(scenario())["dialog_id"] == 1


async def _until(condition, timeout: float = 15) -> None:
    """Wait for a condition the bus reports (polled; not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


def test_redis_outage_is_logged_once_and_tabs_are_told_to_refresh(redis_server, caplog):
    """Redis stops: publishes reach this process's tabs at once, one warning for the whole
    outage; Redis starts again on the same port: the listener resubscribes, tells every
    subscriber to refresh ("resync"), and events of other processes arrive again."""
    caplog.set_level(logging.INFO, logger="messenger_app.services.events")
    bus = Bus(redis_server.url)

    async def scenario():
        q = bus.subscribe()
        assert await bus.ready(10)
        redis_server.stop()
        tries = []
        real = bus._redis().publish
        bus._redis().publish = lambda *a: tries.append(a) or real(*a)
        for i in range(50):
            bus.publish("dialog", dialog_id=i)
        got = [(await asyncio.wait_for(q.get(), 5))["dialog_id"] for _ in range(50)]
        await _until(lambda: bus.listener_down)
        redis_server.start()
        resync = await asyncio.wait_for(q.get(), 20)
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", PUBLISH_42,
                                                    redis_server.url)
        assert await proc.wait() == 0
        after = await asyncio.wait_for(q.get(), 5)
        bus.publish("dialog", dialog_id=43)  # and this process publishes through Redis again
        again = await asyncio.wait_for(q.get(), 5)
        bus._listener.cancel()
        return got, len(tries), resync, after, again

    got, tries, resync, after, again = asyncio.run(scenario())
    assert got == list(range(50))
    assert tries < 50  # after a failure Redis is left alone a moment: no retry per write
    assert resync == {"kind": "resync"}
    assert after["dialog_id"] == 42 and again["dialog_id"] == 43
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" (")[0] for r in warnings] == [
        "redis publish failed", "redis subscription lost"], [r.getMessage() for r in warnings]
    assert not any(r.exc_info for r in caplog.records)  # no tracebacks


def test_inbound_is_stored_while_redis_is_down(data_dir, monkeypatch, tmp_path):
    from messenger_app import db, settings
    from messenger_app.models import Message
    from messenger_app.services import events, widget

    server = RedisServer(tmp_path)
    server.stop()
    monkeypatch.setenv("REDIS_URL", server.url)
    settings.reset()
    events.reset()
    got = widget.send(widget.new_visitor(), "while redis is down")
    assert got.created
    with db.session() as s:
        assert s.get(Message, got.message_id).text == "while redis is down"
