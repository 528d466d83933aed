"""The event bus: in-process by default, Redis pub/sub across processes with REDIS_URL."""

import asyncio
import sys
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
        await asyncio.sleep(0.05)
        return q

    q = asyncio.run(scenario())
    assert q.qsize() == 1000
    assert q.get_nowait()["dialog_id"] == 500  # the oldest were dropped


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def test_redis_bus_joins_two_processes(redis_server):
    """An event published by another backend process reaches this one's subscribers."""
    bus = Bus(redis_server.url)
    code = ("import sys; from messenger_app.services.events import Bus; "
            "Bus(sys.argv[1]).publish('dialog', dialog_id=42, reason='inbound')")

    async def scenario():
        q = bus.subscribe()
        await asyncio.sleep(0.5)  # the listener subscribes to Redis
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, redis_server.url)
        assert await proc.wait() == 0
        ev = await asyncio.wait_for(q.get(), 5)
        bus._listener.cancel()
        return ev

    ev = asyncio.run(scenario())
    assert ev == {"kind": "dialog", "dialog_id": 42, "reason": "inbound"}


def test_redis_down_still_delivers_locally():
    bus = Bus("redis://127.0.0.1:1/0")  # nothing listens there

    async def scenario():
        q = bus.subscribe()
        bus.publish("dialog", dialog_id=1)
        ev = await asyncio.wait_for(q.get(), 5)
        bus._listener.cancel()
        return ev

    assert asyncio.run(scenario())["dialog_id"] == 1
