"""Hostile bodies against the real webhook routes (WhatsApp, Viber, SMS) and the widget's
service: random bytes, truncated and deeply nested JSON, wrong types at any place of a
real payload, odd Unicode (lone surrogates, NUL, RTL marks), valid signatures on garbage.

Each example checks: never a 5xx, never the route's catch-all guard (every refusal comes
from a parser's own clear error), and a refused body (4xx) writes no message. The number of
examples is bounded (FUZZ_EXAMPLES, default 150 per kind) so the file runs in well under a
minute; set FUZZ_EXAMPLES=5000 for a long run."""

from __future__ import annotations

import copy
import json
import logging
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from starlette.testclient import TestClient

from messenger_app import api
from messenger_app.models import Message
from messenger_app.services import channels, widget
from tests import factories
from tests.factories import count
from tests.fakes.viber_server import FakeViberServer
from tests.fakes.whatsapp_server import FakeWhatsAppServer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 150)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# -- strategies -----------------------------------------------------------------------------

# every code point, lone surrogates and NUL included (st.text() leaves surrogates out)
odd_char = st.one_of(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None),
                     st.sampled_from(["\ud800", "\udfff", "\x00", "\u202e", "\ufeff", "\U0001F600"]))
odd_text = st.text(alphabet=odd_char, max_size=40)
scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                   st.floats(allow_nan=False, allow_infinity=False), odd_text)
json_value = st.recursive(scalar, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(odd_text, kids, max_size=4)), max_leaves=12)


def _dumps(value) -> bytes:
    # ensure_ascii writes lone surrogates as \ud800 escapes, as a hostile sender would
    return json.dumps(value).encode()


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated(draw, good: dict):
    """A real payload with one to three places replaced by any JSON value (or removed)."""
    body = copy.deepcopy(good)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(body) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_value)
    return _dumps(body)


def nested(depth: int, balanced: bool) -> bytes:
    return b'{"a":' * depth + b"1" + (b"}" * depth if balanced else b"")


def bodies(good: list[dict]):
    """Raw bodies of every kind the issue lists."""
    return st.one_of(
        st.binary(max_size=300),
        json_value.map(_dumps),
        st.builds(nested, st.integers(1, 3000), st.booleans()),
        st.integers(1, 5000).map(lambda n: b"[" * n),
        st.tuples(st.sampled_from(good), st.floats(0, 1)).map(
            lambda t: _dumps(t[0])[:int(len(_dumps(t[0])) * t[1])]),  # truncated
        st.sampled_from(good).flatmap(mutated),
        st.sampled_from(good).flatmap(mutated),
    )


# -- the routes -----------------------------------------------------------------------------


class Probe:
    """Posts one body and checks the answer and what it wrote."""

    def __init__(self, client, caplog):
        self.client, self.caplog = client, caplog

    def post(self, url, body: bytes, headers: dict) -> int:
        before = count(Message)
        self.caplog.clear()
        r = self.client.post(url, content=body, headers=headers)
        assert r.status_code < 500, (r.status_code, body[:200])
        guard = [rec.getMessage() for rec in self.caplog.records if "refused (" in rec.getMessage()]
        assert not guard, (guard, body[:200])  # a parser bug that only the catch-all stopped
        assert not [rec for rec in self.caplog.records if rec.exc_info], body[:200]  # no traceback
        if r.status_code >= 400:
            assert count(Message) == before, (r.status_code, body[:200])
        return r.status_code


@pytest.fixture
def probe(data_dir, caplog):
    caplog.set_level(logging.WARNING)
    with TestClient(api.build()) as client:
        yield Probe(client, caplog)


def test_whatsapp_webhook_fuzz(probe):
    with FakeWhatsAppServer() as fake:
        ch = factories.whatsapp_channel(fake)
        url = f"/hooks/{ch.id}/{ch.webhook_secret}"
        good = [fake.state.text_message("79991234567", "hi", "Anna"),
                fake.state.status_webhook("wamid.X", "79991234567", "failed", 131047),
                fake.state.envelope({"contacts": [{"wa_id": "1", "profile": {"name": "B"}}],
                                     "messages": [{"from": "1", "id": "m1", "type": "location",
                                                   "location": {"latitude": 1, "longitude": 2}},
                                                  {"from": "1", "id": "m2", "type": "contacts",
                                                   "contacts": [{"name": {"formatted_name": "C"},
                                                                 "phones": [{"phone": "+1"}]}]}]})]
        seen = set()

        @FUZZ
        @given(body=bodies(good), signed=st.booleans())
        def run(body, signed):
            _, sig = fake.state.sign(body)
            seen.add(probe.post(url, body, {"X-Hub-Signature-256": sig if signed else "sha256=00"}))

        run()
        assert {200, 400, 403} <= seen  # the fuzz reached the parser and the store


def test_viber_webhook_fuzz(probe):
    with FakeViberServer() as fake:
        ch = channels.add("viber", "Viber", token=fake.state.token, base_url=fake.api_url)
        url = f"/hooks/{ch.id}/{ch.webhook_secret}"
        good = [fake.state.message_event("u1==", "hello", name="Olga"),
                fake.state.subscribed_event("u2==", name="P"), fake.state.unsubscribed_event("u2=="),
                {"event": "delivered", "timestamp": 1, "message_token": 5, "user_id": "u1=="},
                fake.state.message_event("u3==", "", type="location",
                                         location={"lat": 1.5, "lon": 2.5}),
                fake.state.message_event("u4==", "", type="contact",
                                         contact={"name": "Z", "phone_number": "+1"})]
        seen = set()

        @FUZZ
        @given(body=bodies(good), signed=st.booleans())
        def run(body, signed):
            _, sig = fake.state.sign(body)
            seen.add(probe.post(url, body, {"X-Viber-Content-Signature": sig if signed else "00"}))

        run()
        assert {200, 400, 403} <= seen


def test_sms_webhook_fuzz(probe):
    ch = channels.add("sms", "SMS", config={"send_url": "http://127.0.0.1:9/send",
                                            "webhook_secret": "s3cret-value",
                                            "inbound_fields": {"date": "date"}})
    url = f"/hooks/{ch.id}/{ch.webhook_secret}"
    good = [{"from": "+79991112233", "text": "hi", "id": "s1", "date": "2026-01-01T10:00:00Z"},
            [{"from": "BANK", "text": "code", "id": 7}, {"from": "89990001122", "text": "x"}]]
    ctypes = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "",
                              "text/plain; charset=idna", "application/json; charset=rot13",
                              "multipart/form-data", "application/json; charset=utf-16"])
    seen = set()

    @FUZZ
    @given(body=st.one_of(bodies(good), st.binary(max_size=100).map(lambda b: b"from=1&text=" + b)),
           ctype=ctypes, secret=st.booleans(), status=st.booleans())
    def run(body, ctype, secret, status):
        query = ("?secret=s3cret-value" if secret else "?") + ("&type=status" if status else "")
        seen.add(probe.post(url + query, body, {"Content-Type": ctype}))

    run()
    assert {200, 400, 403} <= seen


def test_widget_fuzz(data_dir, monkeypatch):
    """The widget's send (what WidgetState.send calls): any token, text and name are either
    stored or refused with WidgetRefused; a refusal writes nothing."""
    from messenger_app import settings as app_settings

    monkeypatch.setenv("WIDGET_RATE_PER_MIN", "1000000")  # this fuzz is about content;
    monkeypatch.setenv("WIDGET_ADDRESS_RATE_PER_MIN", "1000000")  # the limits have own tests
    monkeypatch.setenv("WIDGET_NEW_VISITORS_PER_HOUR", "1000000")
    app_settings.reset()
    tokens = st.one_of(st.just(widget.new_visitor()), odd_text, st.binary(max_size=30).map(repr))

    @FUZZ
    @given(token=tokens, text=st.one_of(odd_text, st.text(min_size=1900, max_size=2100)),
           name=odd_text)
    def run(token, text, name):
        before = count(Message)
        try:
            got = widget.send(token, text, name, "192.0.2.1")
        except widget.WidgetRefused:
            assert count(Message) == before
        else:
            assert got.created and count(Message) == before + 1

    run()
