"""The caches of the webhook path (issue 11): the channel row every webhook request checks,
and the push notifier's "is anybody subscribed?". Each is dropped by its event, here
right after the commit and from another process through Redis."""

import asyncio
import sys

from sqlalchemy import event as sa_event
from starlette.testclient import TestClient

from messenger_app import api, db
from messenger_app.services import channels, events, push
from messenger_app.services.push.subscriptions import known_none, none_stored
from tests.fakes.push_browser import Browser
from tests.services import RedisServer


def _sms():
    return channels.add("sms", "SMS", config={"send_url": "http://127.0.0.1:9/send"})


class Queries:
    """Counts the statements the engine runs while in a `with` block."""

    def __enter__(self):
        self.n = 0
        sa_event.listen(db.engine(), "before_cursor_execute", self._count)
        return self

    def _count(self, *args):
        self.n += 1

    def __exit__(self, *exc):
        sa_event.remove(db.engine(), "before_cursor_execute", self._count)


def test_a_cached_channel_costs_no_query_and_a_change_drops_it(data_dir, published):
    """(`published` captures what goes to the bus: the cache hears the commit anyway.)"""
    ch = _sms()
    assert channels.cached(ch.id).enabled
    with Queries() as q:
        assert channels.cached(ch.id).webhook_secret == ch.webhook_secret
        assert channels.peek(ch.id) is not None
    assert q.n == 0
    channels.set_enabled(ch.id, False)  # its event after the commit drops the copy
    assert channels.peek(ch.id) is None
    assert published[-1] == {"kind": "channels", "channel_id": ch.id}
    assert channels.cached(ch.id).enabled is False
    assert channels.cached(10**9) is None and channels.peek(10**9) is None  # unknown: not cached


def test_a_disabled_channel_answers_404_at_once(data_dir):
    ch = _sms()
    url = f"/hooks/{ch.id}/{ch.webhook_secret}"
    with TestClient(api.build()) as client:
        assert client.post(url, data={"from": "+79990000001", "text": "a", "id": "1"}).status_code == 200
        assert channels.peek(ch.id) is not None  # the request filled the cache
        channels.set_enabled(ch.id, False)
        assert client.post(url, data={"from": "+79990000001", "text": "b", "id": "2"}).status_code == 404
        channels.set_enabled(ch.id, True)
        assert client.post(url, data={"from": "+79990000001", "text": "c", "id": "3"}).status_code == 200


def test_another_process_changing_a_channel_drops_the_copy_through_redis(data_dir, tmp_path):
    ch = _sms()
    channels.cached(ch.id)
    server = RedisServer(tmp_path)
    bus = events.Bus(server.url)
    code = ("import sys; from messenger_app.services.events import Bus; "
            "Bus(sys.argv[1]).publish('channels', channel_id=int(sys.argv[2]))")

    async def scenario():
        q = await bus.subscribe()
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, server.url, str(ch.id))
        assert await proc.wait() == 0
        ev = await asyncio.wait_for(q.get(), 5)
        bus._listener.cancel()
        return ev

    try:
        assert channels.peek(ch.id) is not None
        assert asyncio.run(scenario())["kind"] == "channels"
    finally:
        server.stop()
    assert channels.peek(ch.id) is None


def test_push_knows_nobody_is_subscribed_until_somebody_subscribes(data_dir):
    from tests import factories

    op = factories.operator()
    assert none_stored()
    with Queries() as q:
        assert known_none() and none_stored()
        assert push.notify_inbound(1, None) == 0
    assert q.n == 0  # with nobody subscribed, a push reads nothing (the notifier's loop then
    # skips inbound events without even a thread hop: known_none())
    push.subscribe(op.id, Browser("https://fcm.googleapis.com/fcm/send/abc").json, "UA")
    assert not known_none() and not none_stored()
    assert push.unsubscribe(op.id, "https://fcm.googleapis.com/fcm/send/abc")
    assert none_stored()
