"""Concurrent webhook requests of one channel stored together (messenger_app/intake.py):
one transaction for what is waiting, each request its own results, a bad message only
its own, a database outage every request of that batch."""

import asyncio

import pytest
from sqlalchemy.exc import OperationalError

from messenger_app import intake
from messenger_app.channels.base import InboundMessage
from messenger_app.services import channels, dialogs, inbox


@pytest.fixture
def sms(data_dir):
    return channels.add("sms", "SMS", config={"send_url": "http://127.0.0.1:9/send"})


def _msg(i, **kw):
    return InboundMessage(external_id=f"m{i}", identity_external_id=f"+7999000{i:04d}",
                          text=f"text {i}", **kw)


def test_waiting_requests_share_one_transaction_and_keep_their_own_results(sms, receive_many_calls):
    calls = receive_many_calls
    requests = [[_msg(i)] for i in range(7)] + [[_msg(7), _msg(8, problem="unreadable")]]

    async def scenario():
        return await asyncio.gather(*(intake.store(sms, r) for r in requests))

    answers = asyncio.run(scenario())
    assert calls == [[f"m{i}" for i in range(8)]]  # one transaction for the eight requests
    for i, got in enumerate(answers[:7]):
        assert len(got) == 1 and got[0].created
        assert [m.text for m in dialogs.messages(got[0].dialog_id)] == [f"text {i}"]
    ok, bad = answers[7]
    assert ok.created and isinstance(bad, inbox.Rejected) and "unreadable" in str(bad)


def test_a_database_outage_fails_every_request_of_the_batch(sms, monkeypatch):
    real = inbox.receive_many

    def down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    async def scenario():
        monkeypatch.setattr(inbox, "receive_many", down)
        failed = await asyncio.gather(*(intake.store(sms, [_msg(i)]) for i in range(3)),
                                      return_exceptions=True)
        monkeypatch.setattr(inbox, "receive_many", real)  # the database is back
        return failed, await intake.store(sms, [_msg(1)])

    failed, later = asyncio.run(scenario())
    assert all(isinstance(g, OperationalError) for g in failed)
    assert later[0].created  # the same lane goes on after an outage


def test_a_batch_waits_for_a_request_still_being_read_and_not_for_one_that_fails(sms, receive_many_calls):
    calls = receive_many_calls

    async def request(i, parses=True):
        with intake.arriving(sms.id):  # what webhooks do while reading and parsing the body
            await asyncio.sleep(0)
            if not parses:
                return None  # a 400: nothing to store
        return await intake.store(sms, [_msg(i)])

    async def scenario():
        late = asyncio.create_task(request(2))  # being read when the first request queues
        bad = asyncio.create_task(request(3, parses=False))
        await asyncio.sleep(0)
        first = await intake.store(sms, [_msg(1)])
        return first, await late, await bad

    first, late, bad = asyncio.run(scenario())
    assert calls == [["m1", "m2"]] and first[0].created and late[0].created and bad is None


def test_a_request_that_stays_arriving_delays_a_batch_by_max_wait_only(sms, receive_many_calls):
    async def scenario():
        with intake.arriving(sms.id):  # e.g. a slow upload of the same channel
            return await asyncio.wait_for(intake.store(sms, [_msg(1)]), timeout=30)

    assert asyncio.run(scenario())[0].created and receive_many_calls == [["m1"]]
