"""Operators and their sessions (X1). Passwords are hashed with Argon2id (argon2-cffi)."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import select

from messenger_app import db, settings
from messenger_app.clock import utcnow
from messenger_app.models import Operator, OperatorSession
from messenger_app.lib.errors import DomainError
from messenger_app.models.operator import ADMIN, OPERATOR
from messenger_app.services import rate_limits

SESSION_DAYS = 30
_hasher = PasswordHasher()
_dummy_hash: str | None = None  # verified for unknown usernames: the same work as a real one


class AuthError(DomainError):
    code = "auth"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_operator(username: str, password: str, role: str = OPERATOR,
                    display_name: str = "") -> Operator:
    username = username.strip().lower()
    if not username or len(username) > 100:
        raise AuthError("username is required (at most 100 characters)", code="auth_username")
    if len(password) < 8:
        raise AuthError("password must have at least 8 characters", code="auth_password_short")
    if role not in (ADMIN, OPERATOR):
        raise AuthError("unknown role", code="auth_role")
    with db.session() as s:
        if s.exec(select(Operator).where(Operator.username == username)).first():
            raise AuthError("this username is taken", code="auth_taken")
        op = Operator(username=username, display_name=display_name or username,
                      password_hash=_hasher.hash(password), role=role)
        s.add(op)
        s.commit()
        return op


def ensure_admin() -> str | None:
    """Create the first admin when there is no operator. Returns a generated password."""
    with db.session() as s:
        if s.exec(select(Operator.id).limit(1)).first() is not None:
            return None
    cfg = settings.get()
    password = cfg.admin_password or secrets.token_urlsafe(12)
    create_operator(cfg.admin_username, password, ADMIN, display_name="Administrator")
    return None if cfg.admin_password else password


def _throttle(username: str, address: str) -> None:
    """Wrong passwords are limited per (username, address) and per address (settings
    LOGIN_LIMITS, LOGIN_ADDRESS_LIMITS): the tiers make the wait grow (a minute, then up
    to an hour), and a stranger elsewhere never locks the owner out."""
    cfg = settings.get()
    for spec, key in ((cfg.login_limits, ("login", username, address)),
                      (cfg.login_address_limits, ("login-address", address))):
        verdict = rate_limits.allowed(spec, *key)
        if not verdict.ok:
            raise AuthError(f"too many attempts, try again in {verdict.retry_in} s", code="auth_throttled",
                            seconds=verdict.retry_in)


def _fail(username: str, address: str) -> None:
    cfg = settings.get()
    rate_limits.hit(cfg.login_limits, "login", username, address)
    rate_limits.hit(cfg.login_address_limits, "login-address", address)


def _verify(op: Operator | None, password: str) -> bool:
    """Argon2 verification; for an unknown or disabled username a dummy hash is verified
    instead, so the answer takes as long and tells nobody which usernames exist."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    usable = op is not None and op.active
    try:
        ok = _hasher.verify(op.password_hash if usable else _dummy_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    return ok and usable


def login(username: str, password: str, address: str = "") -> str:
    """Returns a new session token, or raises AuthError with a message for the login form.
    `address` is the client's (Reflex's router.session.client_ip)."""
    username = (username or "").strip().lower()
    address = address or "unknown"
    _throttle(username, address)
    with db.session() as s:
        op = s.exec(select(Operator).where(Operator.username == username)).first()
        if not _verify(op, password or ""):
            _fail(username, address)
            raise AuthError("wrong username or password", code="auth_wrong")
        token = secrets.token_urlsafe(32)
        s.add(OperatorSession(token_hash=_token_hash(token), operator_id=op.id,
                              expires_at=utcnow() + timedelta(days=SESSION_DAYS)))
        s.commit()
    return token


_cache: dict[str, tuple[float, Operator]] = {}
CACHE_SECONDS = 5.0
SESSION_KEY_PREFIX = "h."


def session_key(token: str) -> str:
    """What stands for a session outside the browser's cookie: "h." + the token's SHA-256
    (the form stored in the database). The websocket's handshake carries this instead of the
    token (messenger_app/session_cookie.py), so Reflex's state never holds the token."""
    return SESSION_KEY_PREFIX + _token_hash(token if isinstance(token, str) else "")


def operator_for(token: str) -> Operator | None:
    """The operator of a session token (the cookie of an HTTP request), or None."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return operator_for_session(session_key(token))


def operator_for_session(key: str) -> Operator | None:
    """The operator of a session key (session_key()), or None. Every event handler asks this
    (AuthState._operator), with the key from the websocket's handshake."""
    if (not isinstance(key, str) or not key.startswith(SESSION_KEY_PREFIX)
            or len(key) != len(SESSION_KEY_PREFIX) + 64):
        return None
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    op = _lookup(key[len(SESSION_KEY_PREFIX):])
    if op is None:
        _cache.pop(key, None)
    else:
        _cache[key] = (time.monotonic(), op)
    return op


def _lookup(token_hash: str) -> Operator | None:
    with db.session() as s:
        row = s.exec(select(OperatorSession, Operator)
                     .join(Operator, Operator.id == OperatorSession.operator_id)
                     .where(OperatorSession.token_hash == token_hash)).first()
    if row is None:
        return None
    sess, op = row
    if sess.expires_at < utcnow() or not op.active:
        return None
    return op


def logout(token: str) -> None:
    logout_session(session_key(token))


def logout_session(key: str) -> None:
    """Ends the session of a key (session_key()); an unknown key changes nothing."""
    _cache.pop(key, None)
    if not isinstance(key, str) or not key.startswith(SESSION_KEY_PREFIX):
        return
    with db.session() as s:
        sess = s.exec(select(OperatorSession)
                      .where(OperatorSession.token_hash == key[len(SESSION_KEY_PREFIX):])).first()
        if sess is not None:
            s.delete(sess)
            s.commit()
