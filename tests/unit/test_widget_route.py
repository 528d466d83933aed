"""POST /api/widget/messages: the widget's send over plain HTTP (stored with the database
only; Redis may be down)."""

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from messenger_app import db, settings
from messenger_app.models import Message
from messenger_app.services import events, widget
from tests.services import free_port

VISITOR = "v" * 32


@pytest.fixture
def client(data_dir):
    from messenger_app import api

    return TestClient(api.build())


def _texts() -> list[str]:
    with db.session() as s:
        return [m.text for m in s.exec(select(Message).order_by(Message.id)).all()]


def test_stored_and_in_the_visitors_history(client):
    got = client.post("/api/widget/messages", json={"visitor": VISITOR, "text": " Hello \x07"})
    assert got.status_code == 200 and got.json()["ok"] is True
    assert got.headers["cache-control"] == "no-store"
    [m] = widget.history(VISITOR)
    assert m.id == got.json()["id"] and m.text == "Hello"


@pytest.mark.parametrize("body, status, code", [
    ({"visitor": "short", "text": "hi"}, 400, "invalid"),
    ({"visitor": VISITOR + "<", "text": "hi"}, 400, "invalid"),
    ({"visitor": 5, "text": "hi"}, 400, "invalid"),
    ({"text": "hi"}, 400, "invalid"),
    ({"visitor": VISITOR, "text": ["hi"]}, 400, "invalid"),
    ({"visitor": VISITOR, "text": "   "}, 400, "empty"),
    ({"visitor": VISITOR, "text": "x" * 2001}, 400, "too_long"),
    (["not", "an", "object"], 400, "invalid"),
])
def test_bad_input_is_refused_and_stores_nothing(client, body, status, code):
    got = client.post("/api/widget/messages", json=body)
    assert (got.status_code, got.json()["code"]) == (status, code)
    assert _texts() == []


def test_not_json_and_too_big(client):
    got = client.post("/api/widget/messages", content=b"visitor=x&text=y",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert got.status_code == 415
    got = client.post("/api/widget/messages", content=b"{" + b" " * 5000 + b"}",
                      headers={"Content-Type": "application/json"})
    assert got.status_code == 413
    got = client.post("/api/widget/messages", content=b"{nope",
                      headers={"Content-Type": "application/json"})
    assert got.status_code == 400
    assert _texts() == []


def test_rate_limit_is_429(client, monkeypatch):
    monkeypatch.setenv("WIDGET_RATE_PER_MIN", "2")
    settings.reset()
    visitor = "r" * 30
    codes = [client.post("/api/widget/messages", json={"visitor": visitor, "text": f"m{i}"})
             .status_code for i in range(3)]
    assert codes == [200, 200, 429]
    assert _texts() == ["m0", "m1"]


def test_stored_while_redis_is_down(client, monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing there
    settings.reset()
    events.reset()
    got = client.post("/api/widget/messages", json={"visitor": VISITOR, "text": "still here"})
    assert got.status_code == 200 and _texts() == ["still here"]


def test_database_down_is_503_and_says_try_again(client, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://x@127.0.0.1:{free_port()}/x")
    settings.reset()
    db.reset_engine()
    got = client.post("/api/widget/messages", json={"visitor": VISITOR, "text": "hello"})
    assert got.status_code == 503 and got.json()["code"] == "unavailable"
