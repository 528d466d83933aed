"""Operators, passwords and sessions (X1)."""

import pytest

from messenger_app.services import auth


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


def test_bruteforce_is_throttled(data_dir):
    auth.create_operator("petr", "right-password")
    for _ in range(auth.MAX_FAILURES_PER_MIN):
        with pytest.raises(auth.AuthError, match="wrong"):
            auth.login("petr", "nope")
    with pytest.raises(auth.AuthError, match="too many"):
        auth.login("petr", "right-password")


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
