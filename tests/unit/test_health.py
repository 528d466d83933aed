"""/api/health: database, Redis (ok / degraded / not configured), the workers' leases."""

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from messenger_app import db, settings
from messenger_app.clock import utcnow
from messenger_app.models import WorkerLease
from messenger_app.services import auth, health
from tests.services import RedisServer, free_port


def _get(token: str = ""):
    from messenger_app import api

    client = TestClient(api.build())
    if token:
        client.cookies.set("msg_session", token)
    return client.get("/api/health")


def test_single_host_without_redis(data_dir):
    with db.session() as s:
        s.add(WorkerLease(name="workers", holder="host-a:12:abcd",
                          expires_at=utcnow() + timedelta(seconds=15)))
        s.commit()
    got = _get()
    assert got.status_code == 200 and got.headers["cache-control"] == "no-store"
    body = got.json()
    assert body["ok"] is True and body["db"] == "ok" and body["redis"] == "not configured"
    assert body["storage"] == "local"
    [lease] = body["workers"]
    assert lease["name"] == "workers" and lease["held"] is True and 0 < lease["expires_in"] <= 15
    assert "holder" not in lease and "host-a" not in got.text  # anonymous: no process ids
    auth.create_operator("op", "password-123")
    lease = _get(auth.login("op", "password-123")).json()["workers"][0]
    assert lease["holder"] == "host-a:12:abcd"


def test_expired_lease_is_not_held(data_dir):
    with db.session() as s:
        s.add(WorkerLease(name="workers", holder="gone", expires_at=utcnow() - timedelta(seconds=5)))
        s.commit()
    assert _get().json()["workers"][0]["held"] is False


def test_redis_ok_then_degraded_when_it_stops(data_dir, tmp_path, monkeypatch):
    server = RedisServer(tmp_path)
    try:
        monkeypatch.setenv("REDIS_URL", server.url)
        settings.reset()
        assert _get().json()["redis"] == "ok"
    finally:
        server.stop()
    got = _get()
    assert got.status_code == 200 and got.json()["redis"] == "degraded"
    assert server.url not in got.text and str(server.port) not in got.text


def test_database_down_is_503(data_dir, monkeypatch):
    url = f"postgresql+psycopg://messenger:pw-secret@127.0.0.1:{free_port()}/messenger"
    monkeypatch.setenv("DATABASE_URL", url)
    settings.reset()
    db.reset_engine()
    got = _get("forged-token")
    assert got.status_code == 503
    assert got.json() == {"db": "down", "redis": "not configured", "storage": "local", "ok": False}
    assert "pw-secret" not in got.text


@pytest.mark.parametrize("state", ["ok", "down"])
def test_report_status_follows_the_database(data_dir, monkeypatch, state):
    monkeypatch.setattr(health, "database", lambda: state)
    status, body = health.report()
    assert (status, body["ok"]) == ((200, True) if state == "ok" else (503, False))
