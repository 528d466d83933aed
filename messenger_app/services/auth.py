"""Operators and their sessions (X1). Passwords are hashed with Argon2id (argon2-cffi)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import select

from messenger_app import db, settings
from messenger_app.clock import utcnow
from messenger_app.models import Operator, OperatorSession
from messenger_app.services.errors import DomainError
from messenger_app.models.operator import ADMIN, OPERATOR

SESSION_DAYS = 30
_hasher = PasswordHasher()
_failures: dict[str, list[float]] = {}
_fail_lock = threading.Lock()
MAX_FAILURES_PER_MIN = 10


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


def _throttled(username: str) -> bool:
    now = time.monotonic()
    with _fail_lock:
        recent = [t for t in _failures.get(username, []) if now - t < 60]
        _failures[username] = recent
        return len(recent) >= MAX_FAILURES_PER_MIN


def _fail(username: str) -> None:
    with _fail_lock:
        _failures.setdefault(username, []).append(time.monotonic())


def login(username: str, password: str) -> str:
    """Returns a new session token, or raises AuthError with a message for the login form."""
    username = (username or "").strip().lower()
    if _throttled(username):
        raise AuthError("too many attempts, wait a minute", code="auth_throttled")
    with db.session() as s:
        op = s.exec(select(Operator).where(Operator.username == username)).first()
        ok = False
        if op is not None and op.active:
            try:
                ok = _hasher.verify(op.password_hash, password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        if not ok:
            _fail(username)
            raise AuthError("wrong username or password", code="auth_wrong")
        token = secrets.token_urlsafe(32)
        s.add(OperatorSession(token_hash=_token_hash(token), operator_id=op.id,
                              expires_at=utcnow() + timedelta(days=SESSION_DAYS)))
        s.commit()
    return token


_cache: dict[str, tuple[float, Operator]] = {}
CACHE_SECONDS = 5.0


def operator_for(token: str) -> Operator | None:
    """The operator of a session token, or None. Every event handler and route asks this."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    hit = _cache.get(token)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    op = _lookup(token)
    if op is None:
        _cache.pop(token, None)
    else:
        _cache[token] = (time.monotonic(), op)
    return op


def _lookup(token: str) -> Operator | None:
    with db.session() as s:
        row = s.exec(select(OperatorSession, Operator)
                     .join(Operator, Operator.id == OperatorSession.operator_id)
                     .where(OperatorSession.token_hash == _token_hash(token))).first()
    if row is None:
        return None
    sess, op = row
    if sess.expires_at < utcnow() or not op.active:
        return None
    return op


def logout(token: str) -> None:
    _cache.pop(token, None)
    with db.session() as s:
        sess = s.exec(select(OperatorSession)
                      .where(OperatorSession.token_hash == _token_hash(token))).first()
        if sess is not None:
            s.delete(sess)
            s.commit()
