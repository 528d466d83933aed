"""Web Push against web-push-testing (npm, tests/servers/webpush): a push service written by
others that checks the request like the real ones (VAPID JWT and key, aes128gcm body,
Content-Type, TTL) and decrypts what it accepts."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from messenger_app import db
from messenger_app.models.push import PushSubscription
from messenger_app.services import push
from tests.factories import operator_row as operator
from tests.factories import unread_dialog
from tests.services import WebPushTestingServer


@pytest.fixture(scope="module")
def service():
    server = WebPushTestingServer()
    yield server
    server.stop()


def browser(service, operator_id: int) -> str:
    """What push.js does in a browser: subscribe with our key, hand the subscription to us."""
    sub = service.subscribe(push.public_key_b64())
    push.subscribe(operator_id, {"endpoint": sub["endpoint"], "expirationTime": None,
                                 "keys": sub["keys"]}, "web-push-testing")
    return sub["clientHash"]


def test_push_is_accepted_and_decrypts_at_a_real_push_service(push_env, service):
    olga = operator("olga")
    client_hash = browser(service, olga)
    dlg, msg = unread_dialog("Анна", "Петрова", text="Здравствуйте! Where is my order?")

    assert push.notify_inbound(dlg, msg) == 1  # 201 from the service (was 400: no Content-Type)
    (received,) = service.notifications(client_hash)
    payload = json.loads(received)
    assert payload["title"] == "Анна Петрова"
    assert payload["body"] == "Здравствуйте! Where is my order?"
    assert payload["url"] == f"/?dialog={dlg}" and payload["message_id"] == msg
    with db.session() as s:
        (row,) = s.exec(select(PushSubscription)).all()
        assert row.last_success_at is not None


def test_headers_push_services_expect():
    h = push.push_headers("dialog-7")
    assert h["Content-Type"] == "application/octet-stream"
    assert h["Urgency"] == "high" and h["Topic"] == "dialog-7"


def test_an_expired_subscription_answers_410_and_is_removed(push_env, service):
    olga = operator("olga")
    gone, kept = browser(service, olga), browser(service, olga)
    service.expire(gone)
    dlg, msg = unread_dialog("Анна", "Петрова", text="hello")

    assert push.notify_inbound(dlg, msg) == 1  # the kept one
    with db.session() as s:
        endpoints = [r.endpoint for r in s.exec(select(PushSubscription)).all()]
    assert [e.rsplit("/", 1)[1] for e in endpoints] == [kept]
    assert len(service.notifications(kept)) == 1
