"""Web Push (N1), sound rules (N2), presence and the push HTTP routes.

Pushes go to a local fake push service; the test plays the browser: it owns the
subscription's ECDH key pair and auth secret, decrypts the aes128gcm body and checks the
VAPID Authorization header the way a real push service does.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlmodel import select

from messenger_app import db, settings
from messenger_app.models import Dialog, Folder, Message
from messenger_app.models.app_secret import AppSecret
from messenger_app.models.push import PushSubscription
from messenger_app.services import app_secrets, events, presence, push
from messenger_app.services.push import notifier as push_notifier
from tests.factories import operator_row as operator
from tests.factories import unread_dialog as dialog
from tests.fakes.push_browser import Browser, b64u, unb64u
from tests.fakes.push_service import FakePushService
from tests.services import RedisServer, free_port
from tests.waits import until


# -- helpers ---------------------------------------------------------------------------
@pytest.fixture
def fake():
    with FakePushService() as f:
        yield f


def folder(name: str, push_on: bool = True, sound_on: bool = True) -> int:
    with db.session() as s:
        f = Folder(name=name, push=push_on, sound=sound_on)
        s.add(f)
        s.commit()
        return f.id


def inbound(dialog_id: int, message_id: int) -> dict:
    return {"kind": "dialog", "dialog_id": dialog_id, "contact_id": 0, "reason": "inbound",
            "message_id": message_id}


def rows() -> list[PushSubscription]:
    with db.session() as s:
        return list(s.exec(select(PushSubscription).order_by(PushSubscription.id)).all())


def check_vapid(headers: dict, audience: str) -> dict:
    """Verify the Authorization header like a push service (RFC 8292); returns the claims."""
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == push.public_key_b64()
    head_b64, claims_b64, sig_b64 = parts["t"].split(".")
    assert json.loads(unb64u(head_b64))["alg"] == "ES256"
    claims = json.loads(unb64u(claims_b64))
    sig = unb64u(sig_b64)
    assert len(sig) == 64  # JWS ES256: raw r || s
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64u(parts["k"]))
    public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):  # and the check really checks
        public.verify(der, f"{head_b64}.{claims_b64}x".encode(), ec.ECDSA(hashes.SHA256()))
    assert claims["aud"] == audience
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    return claims


# -- VAPID keys ---------------------------------------------------------------------------
def _stored_pem() -> bytes:
    with db.session() as s:
        return s.get(AppSecret, push.VAPID_SECRET).value.encode()


def test_vapid_key_is_created_in_the_database_and_reused(push_env):
    key = push.public_key_b64()
    raw = unb64u(key)
    assert len(raw) == 65 and raw[0] == 4 and "=" not in key
    assert not (push_env / "vapid_private.pem").exists()  # nothing host-local
    # the row holds the private half of exactly this public key
    private = serialization.load_pem_private_key(_stored_pem(), password=None)
    assert private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint) == raw
    pem = _stored_pem()
    push.reset()  # a restart: read back, not regenerated
    assert push.public_key_b64() == key and _stored_pem() == pem


def test_racing_creators_agree_on_the_first_key(push_env, monkeypatch):
    first = app_secrets.get_or_create("k", lambda: "first")
    real_get = app_secrets.get
    calls = []

    def not_yet(name):  # the second creator looked before the first one committed
        calls.append(name)
        return None if len(calls) == 1 else real_get(name)

    monkeypatch.setattr(app_secrets, "get", not_yet)
    assert app_secrets.get_or_create("k", lambda: "second") == first == "first"
    assert real_get("k") == "first"


def test_a_key_file_of_an_older_install_is_imported(push_env):
    old = ec.generate_private_key(ec.SECP256R1())
    (push_env / "vapid_private.pem").write_bytes(old.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    raw = old.public_key().public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    assert unb64u(push.public_key_b64()) == raw  # old subscriptions stay valid


def test_vapid_key_of_another_database_is_another_key(push_env, tmp_path, monkeypatch):
    first = push.public_key_b64()
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "other"))
    settings.reset()
    db.reset_engine()
    db.migrate()
    assert push.public_key_b64() != first


def test_two_hosts_with_one_database_give_the_same_key(push_env, tmp_path):
    """Two processes, each with its own DATA_DIR (two hosts), one database."""
    shared = dict(os.environ, DATABASE_URL=settings.get().database_url)
    keys = set()
    for name in ("host-a", "host-b"):
        out = subprocess.run([sys.executable, "-c",
                              "from messenger_app.services import push; print(push.public_key_b64())"],
                             capture_output=True, text=True, check=True,
                             env={**shared, "DATA_DIR": str(tmp_path / name)})
        keys.add(out.stdout.strip())
        assert not (tmp_path / name / "vapid_private.pem").exists()
    assert keys == {push.public_key_b64()}


# -- subscriptions --------------------------------------------------------------------------
GOOD = Browser("https://fcm.googleapis.com/fcm/send/abc123").json


def with_(**changes):
    data = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for p in parents:
            target = target[p]
        if value is ...:
            target.pop(last, None)
        else:
            target[last] = value
    return data


@pytest.mark.parametrize("data, message", [
    (None, "JSON object"),
    ([GOOD], "JSON object"),
    ("https://fcm.googleapis.com/x", "JSON object"),
    (with_(endpoint=...), "endpoint"),
    (with_(endpoint=42), "endpoint"),
    (with_(endpoint="javascript:alert(1)"), "https"),
    (with_(endpoint="JavaScript://fcm.googleapis.com/%0aalert(1)"), "https"),
    (with_(endpoint="data:text/html,<script>alert(1)</script>"), "https"),
    (with_(endpoint="ftp://push.example.com/x"), "https"),
    (with_(endpoint="http://push.example.com/x"), "https"),
    (with_(endpoint="https:///no-host"), "host"),
    (with_(endpoint="https://user:pw@push.example.com/x"), "credentials"),
    (with_(endpoint="https://push.example.com/x y"), "spaces"),
    (with_(endpoint="https://push.example.com/x\nHost: evil"), "spaces"),
    (with_(endpoint="https://push.example.com:99999/x"), "valid URL"),
    (with_(endpoint="https://push.example.com/" + "a" * 2000), "longer"),
    (with_(keys=...), "keys"),
    (with_(keys="p256dh"), "keys"),
    (with_(keys__p256dh=...), "p256dh"),
    (with_(keys__p256dh=b64u(b"\x04" + b"\x01" * 32)), "65 bytes"),
    (with_(keys__p256dh=b64u(b"\x04" + b"\xff" * 64)), "P-256"),
    (with_(keys__p256dh="a+b/" * 22), "base64url"),
    (with_(keys__p256dh="A" * 100_000), "base64url"),
    (with_(keys__auth=...), "auth"),
    (with_(keys__auth=b64u(b"x" * 15)), "16 bytes"),
    (with_(keys__auth="<script>"), "base64url"),
    (with_(expirationTime="tomorrow"), "expirationTime"),
])
def test_subscribe_refuses_bad_subscriptions(push_env, data, message):
    op = operator("olga")
    with pytest.raises(push.PushError, match=message):
        push.subscribe(op, data, "UA")
    assert rows() == []


def test_subscribe_upserts_by_endpoint_and_unsubscribe_is_per_operator(push_env):
    olga, ivan = operator("olga"), operator("ivan")
    push.subscribe(olga, GOOD, "Firefox")
    again = Browser(GOOD["endpoint"]).json  # same endpoint, fresh keys, now ivan's browser
    push.subscribe(ivan, again, "Chrome " + "x" * 1000)
    (row,) = rows()
    assert row.operator_id == ivan and row.p256dh == again["keys"]["p256dh"]
    assert row.auth == again["keys"]["auth"] and row.user_agent.startswith("Chrome")
    assert len(row.user_agent) == 300
    local = Browser("http://127.0.0.1:9/push/x").json  # loopback http: local push services
    push.subscribe(olga, local)
    assert len(rows()) == 2
    assert push.unsubscribe(olga, GOOD["endpoint"]) is False  # not hers any more
    assert push.unsubscribe(ivan, GOOD["endpoint"]) is True
    assert [r.endpoint for r in rows()] == [local["endpoint"]]


def test_one_operator_keeps_a_bounded_number_of_subscriptions(push_env):
    olga = operator("olga")
    for i in range(push.MAX_PER_OPERATOR + 5):
        push.subscribe(olga, Browser(f"https://push.example.com/{i}").json)
    kept = [r.endpoint for r in rows()]
    assert len(kept) == push.MAX_PER_OPERATOR
    assert f"https://push.example.com/{push.MAX_PER_OPERATOR + 4}" in kept
    assert "https://push.example.com/0" not in kept


# -- rules ----------------------------------------------------------------------------------
def test_folder_rules_for_push_and_sound(push_env, monkeypatch):
    loud = folder("VIP", push_on=True, sound_on=True)
    quiet = folder("Archive", push_on=False, sound_on=False)
    sound_only = folder("Shop", push_on=False, sound_on=True)
    vip, _ = dialog(folders=(loud,))
    archived, _ = dialog(folders=(quiet,))
    shop, _ = dialog(folders=(sound_only,))
    both, _ = dialog(folders=(quiet, loud))
    unfiled, _ = dialog()
    assert push.targets_for(vip) and push.sound_for(vip)
    assert not push.targets_for(archived) and not push.sound_for(archived)
    assert not push.targets_for(shop) and push.sound_for(shop)
    assert push.targets_for(both) and push.sound_for(both)  # one folder with push on is enough
    # a live update asks for its whole batch at once (states/inbox_live.read_sounds)
    assert push.ringing([vip, archived, shop, both, unfiled, 999_999]) == {vip, shop, both, unfiled}
    # only in "All chats": on by default, off by the instance settings
    assert push.targets_for(unfiled) and push.sound_for(unfiled)
    monkeypatch.setenv("PUSH_ALL_CHATS", "0")
    settings.reset()
    assert not push.targets_for(unfiled) and push.sound_for(unfiled)
    monkeypatch.setenv("SOUND_ALL_CHATS", "0")
    settings.reset()
    assert not push.sound_for(unfiled)
    assert push.ringing([vip, unfiled, shop]) == {vip, shop}
    assert push.targets_for(vip)  # folders still decide for their clients
    assert not push.targets_for(999_999) and not push.sound_for(999_999)


# -- sending ----------------------------------------------------------------------------------
def test_push_is_encrypted_signed_and_sent_once_per_subscription(push_env, fake):
    olga = operator("olga")
    phone, laptop = Browser(fake.endpoint("phone")), Browser(fake.endpoint("laptop"))
    push.subscribe(olga, phone.json, "Android")
    push.subscribe(olga, laptop.json, "Linux")
    a, b = folder("VIP"), folder("Wholesale")
    long_text = "Здравствуйте!  Хочу\nзаказать " + "очень " * 40 + "много"
    dlg, msg = dialog("Анна", "Петрова", folders=(a, b), text=long_text)

    assert push.notify_for_event(inbound(dlg, msg)) == 2
    got = list(fake.received)  # final: notify_* returns once every push was answered
    assert sorted(r["name"] for r in fake.received) == ["laptop", "phone"]  # in 2 folders: once
    for browser, name in ((phone, "phone"), (laptop, "laptop")):
        (req,) = [r for r in got if r["name"] == name]
        payload = browser.decrypt(req["body"])
        assert payload["title"] == "Анна Петрова"
        assert payload["tag"] == f"dialog-{dlg}" and payload["url"] == f"/?dialog={dlg}"
        assert payload["dialog_id"] == dlg and payload["message_id"] == msg
        assert payload["body"].startswith("Здравствуйте! Хочу заказать очень")
        assert len(payload["body"]) <= push.BODY_CHARS and payload["body"].endswith("…")
        h = req["headers"]
        assert h["content-encoding"] == "aes128gcm" and h["ttl"] == str(24 * 3600)
        assert h["urgency"] == "high" and h["topic"] == f"dialog-{dlg}"
        claims = check_vapid(h, fake.url)
        assert claims["sub"] == "mailto:admin@localhost"
        with pytest.raises(Exception):  # another browser's keys cannot read it
            (laptop if browser is phone else phone).decrypt(req["body"])
    assert all(r.last_success_at is not None for r in rows())


def test_vapid_subject_comes_from_the_environment(push_env, fake, monkeypatch):
    monkeypatch.setenv("VAPID_SUBJECT", "mailto:ops@example.com")
    settings.reset()
    push.subscribe(operator("olga"), Browser(fake.endpoint("a")).json)
    dlg, msg = dialog()
    assert push.notify_inbound(dlg, msg) == 1
    assert check_vapid(fake.wait_for(1)[0]["headers"], fake.url)["sub"] == "mailto:ops@example.com"


def test_folder_with_push_off_sends_nothing(push_env, fake):
    push.subscribe(operator("olga"), Browser(fake.endpoint("a")).json)
    dlg, msg = dialog(folders=(folder("Archive", push_on=False),))
    assert push.notify_for_event(inbound(dlg, msg)) == 0
    other = dict(inbound(dlg, msg), reason="read")
    assert push.notify_for_event(other) == 0
    assert fake.received == []  # notify_* returns once every push was answered: none went


def test_operator_looking_at_the_dialog_gets_no_push(push_env, fake, monkeypatch):
    olga, ivan, gone = operator("olga"), operator("ivan"), operator("fired", active=False)
    push.subscribe(olga, Browser(fake.endpoint("olga")).json)
    push.subscribe(ivan, Browser(fake.endpoint("ivan")).json)
    push.subscribe(gone, Browser(fake.endpoint("fired")).json)
    dlg, msg = dialog()
    other, _ = dialog("Boris")
    presence.viewing(olga, dlg, "olga-tab-1")
    presence.viewing(ivan, other, "ivan-tab-1")  # ivan looks at another dialog
    assert push.notify_for_event(inbound(dlg, msg)) == 1
    assert [r["name"] for r in fake.received] == ["ivan"]  # never the inactive operator

    presence.left("olga-tab-1")
    assert push.notify_for_event(inbound(dlg, msg)) == 2
    presence.viewing(olga, dlg, "olga-tab-1")
    real_now = presence._now
    monkeypatch.setattr(presence, "_now", lambda: real_now() + presence.TTL + 1)
    assert push.notify_for_event(inbound(dlg, msg)) == 2  # a silent tab stops counting


def test_gone_subscriptions_are_deleted_and_failures_never_raise(push_env, fake):
    olga = operator("olga")
    for name, status in (("gone410", 410), ("gone404", 404), ("busy500", 500), ("slow429", 429)):
        fake.fail(name, status)
        push.subscribe(olga, Browser(fake.endpoint(name)).json)
    push.subscribe(olga, Browser(f"http://127.0.0.1:{free_port()}/push/nobody-listens").json)
    push.subscribe(olga, Browser(fake.endpoint("ok")).json)
    dlg, msg = dialog()
    assert push.notify_inbound(dlg, msg) == 1
    kept = sorted(r.endpoint.rsplit("/", 1)[1] for r in rows())
    assert kept == ["busy500", "nobody-listens", "ok", "slow429"]
    assert push.notify_inbound(987654, None) == 0  # no such dialog: nothing, no error


class NotifierSpy:
    """Signals from the notifier instead of guessed sleeps: `subscribed` is set once it has
    subscribed to the bus (events published from then on reach it), and `handled` lists each
    event it finished pushing (whatever the push service answered)."""

    def __init__(self, monkeypatch):
        self.subscribed = asyncio.Event()
        self.handled: list[dict] = []
        bus, real_subscribe = events.bus(), events.bus().subscribe
        real_notify = push_notifier.notify_for_event

        def subscribe():
            queue = real_subscribe()
            self.subscribed.set()
            return queue

        def notify(event):
            try:
                return real_notify(event)
            finally:
                self.handled.append(event)

        monkeypatch.setattr(bus, "subscribe", subscribe)
        monkeypatch.setattr(push_notifier, "notify_for_event", notify)

    async def start(self) -> asyncio.Task:
        task = asyncio.create_task(push.run_notifier())
        await asyncio.wait_for(self.subscribed.wait(), 10)
        return task


def test_notifier_listens_to_the_bus(push_env, fake, monkeypatch):
    push.subscribe(operator("olga"), Browser(fake.endpoint("olga")).json)
    quiet, q_msg = dialog("Quiet", folders=(folder("Archive", push_on=False),))
    dlg, msg = dialog("Vera", text="first")

    async def scenario():
        spy = NotifierSpy(monkeypatch)
        task = await spy.start()
        events.bus().publish("dialog", dialog_id=dlg, contact_id=0, reason="read")
        events.bus().publish("dialog", dialog_id=quiet, contact_id=0, reason="inbound", message_id=q_msg)
        events.bus().publish("dialog", dialog_id=dlg, contact_id=0, reason="inbound", message_id=msg)
        await until(lambda: len(spy.handled) >= 2)  # both inbound events pushed (or not)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert len(fake.received) == 1  # the read event and the push-off folder sent nothing
    assert fake.received[0]["name"] == "olga"


def test_notifier_keeps_the_order_of_one_dialog(push_env, fake, monkeypatch):
    """Pushes of one dialog go out one after another (the last one shown must be the newest
    message), even when the push service answers slowly and unevenly."""
    fake.jitter = 0.15
    browser = Browser(fake.endpoint("olga"))
    push.subscribe(operator("olga"), browser.json)
    dlg, _ = dialog("Vera")
    with db.session() as s:
        ids = []
        for i in range(8):
            m = Message(dialog_id=dlg, contact_id=s.get(Dialog, dlg).contact_id, direction="in",
                        sender_kind="client", text=f"message {i}")
            s.add(m)
            s.commit()
            ids.append(m.id)

    async def scenario():
        task = await NotifierSpy(monkeypatch).start()
        for mid in ids:
            events.bus().publish("dialog", dialog_id=dlg, contact_id=0, reason="inbound", message_id=mid)
        await asyncio.to_thread(fake.wait_for, 8)
        task.cancel()

    asyncio.run(scenario())
    bodies = [browser.decrypt(r["body"])["body"] for r in fake.received]
    assert bodies == [f"message {i}" for i in range(8)]


# -- presence ---------------------------------------------------------------------------------
def check_presence_rules(monkeypatch):
    presence.viewing(1, 10, "tab-a")
    presence.viewing(1, 10, "tab-b")  # two tabs of one operator
    presence.viewing(2, 11, "tab-c")
    assert presence.operators_viewing(10) == {1}
    assert presence.operators_viewing(11) == {2}
    presence.viewing(2, 10, "tab-c")  # switched dialogs
    assert presence.operators_viewing(10) == {1, 2}
    assert presence.operators_viewing(11) == set()
    presence.left("tab-a")
    assert presence.operators_viewing(10) == {1, 2}  # tab-b still shows it
    presence.viewing(1, None, "tab-b")  # closed the dialog
    assert presence.operators_viewing(10) == {2}
    real_now = presence._now
    monkeypatch.setattr(presence, "_now", lambda: real_now() + presence.TTL + 1)
    assert presence.operators_viewing(10) == set()  # not refreshed: ignored
    presence.viewing(2, 10, "tab-c")  # refreshed
    assert presence.operators_viewing(10) == {2}
    with pytest.raises(ValueError):
        presence.viewing(1, 10, "")
    with pytest.raises(ValueError):
        presence.viewing(1, 10, "x" * 1000)


def test_presence_in_process(push_env, monkeypatch):
    check_presence_rules(monkeypatch)


@pytest.fixture
def redis_url(push_env, tmp_path, monkeypatch):
    server = RedisServer(tmp_path)
    monkeypatch.setenv("REDIS_URL", server.url)
    settings.reset()
    presence.reset()
    yield server.url
    presence.reset()
    server.stop()


def test_presence_in_redis(redis_url, monkeypatch):
    check_presence_rules(monkeypatch)
    assert presence._tabs == {}  # nothing was kept in this process


def test_presence_in_redis_is_shared_by_processes(redis_url):
    code = ("import sys; from messenger_app.services import presence; "
            "presence.viewing(7, 70, 'other-process-tab'); "
            "print(sorted(presence.operators_viewing(71)))")
    presence.viewing(8, 71, "this-process-tab")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ))
    assert out.stdout.strip() == "[8]"  # the other process sees this one's tab
    assert presence.operators_viewing(70) == {7}  # and this one sees theirs
    left = "from messenger_app.services import presence; presence.left('other-process-tab')"
    subprocess.run([sys.executable, "-c", left], check=True, env=dict(os.environ))
    assert presence.operators_viewing(70) == set()


def test_presence_falls_back_to_memory_when_redis_is_down(push_env, monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    settings.reset()
    presence.reset()
    presence.viewing(3, 30, "tab")
    assert presence.operators_viewing(30) == {3}
    presence.left("tab")
    assert presence.operators_viewing(30) == set()


# -- HTTP routes ------------------------------------------------------------------------------
@pytest.fixture
def client(push_env):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from messenger_app.push_routes import ROUTES

    with TestClient(Starlette(routes=ROUTES), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def signed_in(client):
    from messenger_app.push_routes import SESSION_COOKIE
    from messenger_app.services import auth

    op = auth.create_operator("olga", "password-123")
    client.cookies.set(SESSION_COOKIE, auth.login("olga", "password-123"))
    return op


def test_routes_need_a_session(client):
    from messenger_app.push_routes import SESSION_COOKIE

    for cookies in ({}, {SESSION_COOKIE: "forged-token"}):
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value)
        assert client.get("/api/push/key").status_code == 401
        r = client.post("/api/push/subscribe", json=GOOD)
        assert r.status_code == 401 and r.json() == {"error": "sign in first"}
        assert client.post("/api/push/unsubscribe", json={"endpoint": "x"}).status_code == 401
    assert rows() == []


def test_route_cookie_name_is_the_apps(client):
    from messenger_app.push_routes import SESSION_COOKIE
    from messenger_app.states.auth import SESSION_COOKIE as APP_COOKIE

    assert SESSION_COOKIE == APP_COOKIE


def test_subscribe_and_unsubscribe_routes(client, signed_in):
    r = client.get("/api/push/key")
    assert r.status_code == 200 and r.json() == {"key": push.public_key_b64()}
    assert r.headers["cache-control"] == "no-store"
    r = client.post("/api/push/subscribe", json=GOOD, headers={"User-Agent": "Pixel 8"})
    assert r.status_code == 200 and r.json() == {"ok": True}
    (row,) = rows()
    assert (row.operator_id, row.endpoint, row.user_agent) == (signed_in.id, GOOD["endpoint"], "Pixel 8")
    r = client.post("/api/push/unsubscribe", json={"endpoint": GOOD["endpoint"]})
    assert r.status_code == 200 and r.json() == {"ok": True, "removed": True}
    assert rows() == []
    r = client.post("/api/push/unsubscribe", json=GOOD)  # the whole toJSON() works too
    assert r.status_code == 200 and r.json()["removed"] is False


def test_subscribe_route_refuses_bad_bodies(client, signed_in):
    bad = client.post("/api/push/subscribe", json=with_(endpoint="javascript:alert(1)"))
    assert bad.status_code == 400 and "https" in bad.json()["error"]
    bad = client.post("/api/push/subscribe", json=with_(keys__auth="AAAA"))
    assert bad.status_code == 400 and "auth" in bad.json()["error"]
    r = client.post("/api/push/subscribe", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    r = client.post("/api/push/subscribe", content=b"\xff\xfe",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = client.post("/api/push/subscribe", data={"endpoint": GOOD["endpoint"]})  # a form post
    assert r.status_code == 415
    huge = with_(padding="x" * 5000)
    r = client.post("/api/push/subscribe", json=huge)
    assert r.status_code == 413 and "4096" in r.json()["error"]

    def chunks():  # no Content-Length: the limit still holds
        yield b'{"endpoint": "https://push.example.com/x", "pad": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    r = client.post("/api/push/subscribe", content=chunks(),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    r = client.post("/api/push/unsubscribe", json={"nope": 1})
    assert r.status_code == 400 and "endpoint" in r.json()["error"]
    r = client.post("/api/push/unsubscribe", json=["x"])
    assert r.status_code == 400
    assert rows() == []
