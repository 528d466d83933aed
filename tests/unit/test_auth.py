"""Operators, passwords and sessions (X1)."""

import re

import pytest

from messenger_app.services import auth


@pytest.fixture
def cheap_hasher(monkeypatch):
    """Argon2id with small costs: these tests count attempts, not hashing time."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(auth, "_dummy_hash", None)


def test_login_logout_cycle(data_dir):
    auth.create_operator("Olga", "correct horse", display_name="Olga")
    with pytest.raises(auth.AuthError):
        auth.login("olga", "wrong password")
    token = auth.login("OLGA ", "correct horse")
    op = auth.operator_for(token)
    assert op is not None and op.username == "olga"
    auth.logout(token)
    assert auth.operator_for(token) is None


def test_password_is_hashed_with_argon2(data_dir):
    op = auth.create_operator("ivan", "secret-password")
    assert op.password_hash.startswith("$argon2id$") and "secret-password" not in op.password_hash


def test_garbage_tokens_are_refused(data_dir):
    for token in ["", "x", "a" * 500, None, 42]:
        assert auth.operator_for(token) is None


def test_bruteforce_is_throttled_per_username_and_address(data_dir, cheap_hasher):
    auth.create_operator("petr", "right-password")
    for _ in range(5):  # LOGIN_LIMITS default: 5/minute for one username from one address
        with pytest.raises(auth.AuthError, match="wrong"):
            auth.login("petr", "nope", "10.0.0.66")
    with pytest.raises(auth.AuthError, match=r"too many attempts, try again in \d+ s"):
        auth.login("petr", "right-password", "10.0.0.66")
    assert auth.login("petr", "right-password", "10.0.0.1")  # the owner, elsewhere, gets in


def test_hundred_wrong_tries_from_one_address_never_lock_the_owner_out(data_dir, cheap_hasher):
    """Issue 15: ten wrong passwords for admin locked the right one out from everywhere."""
    auth.create_operator("admin2", "right-password")
    refused = 0
    for i in range(100):
        with pytest.raises(auth.AuthError) as info:
            auth.login("admin2" if i % 2 else f"guess{i}", "wrong", "203.0.113.9")
        refused += "too many" in str(info.value)
    assert refused >= 60  # the attacker's address is slowed down (per address, any username)
    assert auth.operator_for(auth.login("admin2", "right-password", "198.51.100.7")).username == "admin2"


def test_growing_delays_by_tier(data_dir, cheap_hasher, monkeypatch):
    import time

    from messenger_app import settings

    monkeypatch.setenv("LOGIN_LIMITS", "2/minute;3/hour")
    settings.reset()
    auth.create_operator("ira", "right-password")
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])  # the limits' clock, moved by hand

    def wait_after_wrong(times):
        for _ in range(times):
            with pytest.raises(auth.AuthError, match="wrong"):
                auth.login("ira", "nope", "a")
        with pytest.raises(auth.AuthError, match="too many") as info:
            auth.login("ira", "right-password", "a")
        return int(re.search(r"in (\d+) s", str(info.value)).group(1))

    first = wait_after_wrong(2)
    assert 0 < first <= 60  # two wrong: a minute at most
    clock[0] += first + 1
    second = wait_after_wrong(1)
    assert second > 60 * 50  # the third within the hour: most of an hour
    clock[0] += second + 1
    assert auth.login("ira", "right-password", "a")  # a delay, never a lock


class CountingHasher:
    """Stands in for Argon2: counts the expensive calls a login makes."""

    def __init__(self, real):
        self.real, self.verifies = real, 0

    def hash(self, password):
        return self.real.hash(password)

    def verify(self, hashed, password):
        self.verifies += 1
        return self.real.verify(hashed, password)


def test_unknown_usernames_cost_the_same_hash_work(data_dir, cheap_hasher, monkeypatch):
    auth.create_operator("known", "right-password")
    auth.create_operator("gone", "right-password")
    from messenger_app.models import Operator
    from messenger_app import db
    from sqlmodel import select

    with db.session() as s:
        op = s.exec(select(Operator).where(Operator.username == "gone")).one()
        op.active = False
        s.add(op)
        s.commit()
    counting = CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", counting)
    for name, addr in (("known", "1"), ("nobody-here", "2"), ("gone", "3")):
        before = counting.verifies
        with pytest.raises(auth.AuthError, match="wrong"):
            auth.login(name, "wrong-password", addr)
        assert counting.verifies - before == 1, name  # one Argon2 verification each
    with pytest.raises(auth.AuthError, match="wrong"):  # a disabled operator with the right one
        auth.login("gone", "right-password", "4")


def test_login_time_does_not_tell_which_usernames_exist(data_dir):
    """A ratio of medians, measured interleaved in the same run (not a wall-clock bound)."""
    import statistics
    import time

    auth.create_operator("real", "right-password")
    known, unknown = [], []
    for i in range(4):
        for name, out in (("real", known), (f"ghost{i}", unknown)):
            t = time.perf_counter()
            with pytest.raises(auth.AuthError):
                auth.login(name, "wrong", f"addr{i}")
            out.append(time.perf_counter() - t)
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.5 < ratio < 2, ratio


def test_first_admin_created_once(data_dir, monkeypatch):
    from messenger_app import settings

    monkeypatch.delenv("ADMIN_PASSWORD")
    settings.reset()
    generated = auth.ensure_admin()
    assert generated and len(generated) >= 12
    assert auth.login("admin", generated)
    assert auth.ensure_admin() is None  # never again once an operator exists


def test_short_password_and_duplicate_refused(data_dir):
    with pytest.raises(auth.AuthError):
        auth.create_operator("a", "short")
    auth.create_operator("a", "long enough")
    with pytest.raises(auth.AuthError, match="taken"):
        auth.create_operator("A", "long enough")
