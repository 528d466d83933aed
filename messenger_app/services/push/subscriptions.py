"""Browsers' push subscriptions: checked (endpoint, P-256 key, auth secret), stored per
operator (upsert by endpoint, at most MAX_PER_OPERATOR each), forgotten."""

from __future__ import annotations

import base64
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from messenger_app import db
from messenger_app.models.push import PushSubscription
from messenger_app.services import events
from messenger_app.services.event_types import PushSubscriptionsChanged

MAX_ENDPOINT = 1000  # PushSubscription.endpoint column
MAX_PER_OPERATOR = 20  # older subscriptions of one operator are dropped beyond this
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


class PushError(ValueError):
    """A subscription the browser should not have sent; the message says what is wrong."""


def _b64url(value: Any, name: str, size: int) -> bytes:
    if not isinstance(value, str) or not value or len(value) > 200 or not _B64URL.match(value):
        raise PushError(f"keys.{name} must be a base64url string")
    bare = value.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except (ValueError, TypeError):
        raise PushError(f"keys.{name} is not valid base64url") from None
    if len(raw) != size:
        raise PushError(f"keys.{name} must be {size} bytes, got {len(raw)}")
    return raw


def _check_endpoint(endpoint: Any) -> str:
    if not isinstance(endpoint, str) or not endpoint:
        raise PushError("endpoint must be a URL string")
    if len(endpoint) > MAX_ENDPOINT:
        raise PushError(f"endpoint is longer than {MAX_ENDPOINT} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in endpoint):
        raise PushError("endpoint must not contain spaces or control characters")
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # raises ValueError on a bad port
    except ValueError:
        raise PushError("endpoint is not a valid URL") from None
    if parts.scheme not in ("https", "http"):
        raise PushError("endpoint must be an https:// URL")
    if not host:
        raise PushError("endpoint has no host")
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:  # http: local push services only
        raise PushError("endpoint must be an https:// URL")
    if parts.username is not None or parts.password is not None:
        raise PushError("endpoint must not contain credentials")
    if parts.fragment:
        raise PushError("endpoint must not contain a fragment")
    return endpoint


def validate_subscription(data: Any) -> tuple[str, str, str]:
    """PushSubscription.toJSON() -> (endpoint, p256dh, auth), or PushError."""
    if not isinstance(data, dict):
        raise PushError("the subscription must be a JSON object")
    endpoint = _check_endpoint(data.get("endpoint"))
    exp = data.get("expirationTime")
    if exp is not None and (isinstance(exp, bool) or not isinstance(exp, (int, float))):
        raise PushError("expirationTime must be a number or null")
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise PushError("keys must be an object with p256dh and auth")
    p256dh_raw = _b64url(keys.get("p256dh"), "p256dh", 65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh_raw)
    except ValueError:
        raise PushError("keys.p256dh is not an uncompressed P-256 public key") from None
    _b64url(keys.get("auth"), "auth", 16)
    return endpoint, keys["p256dh"].rstrip("="), keys["auth"].rstrip("=")


def subscribe(operator_id: int, subscription_json: dict, user_agent: str = "") -> PushSubscription:
    """Store (or re-assign and refresh) the browser's subscription. Upsert by endpoint: the
    same browser signing in as another operator moves its subscription to that operator."""
    endpoint, p256dh, auth = validate_subscription(subscription_json)
    user_agent = (user_agent or "")[:300]
    for attempt in range(2):
        try:
            with db.session() as s:
                row = s.exec(select(PushSubscription)
                             .where(PushSubscription.endpoint == endpoint)).first()
                if row is None:
                    row = PushSubscription(operator_id=operator_id, endpoint=endpoint,
                                           p256dh=p256dh, auth=auth, user_agent=user_agent)
                else:
                    row.operator_id, row.p256dh, row.auth = operator_id, p256dh, auth
                    row.user_agent = user_agent
                s.add(row)
                events.on_commit(s, PushSubscriptionsChanged())
                s.commit()
                _trim(s, operator_id)
                return row
        except IntegrityError:  # the same endpoint inserted by a parallel request
            if attempt:
                raise
    raise AssertionError("unreachable")


def _trim(s, operator_id: int) -> None:
    rows = s.exec(select(PushSubscription).where(PushSubscription.operator_id == operator_id)
                  .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())).all()
    for old in rows[MAX_PER_OPERATOR:]:
        s.delete(old)
    if len(rows) > MAX_PER_OPERATOR:
        s.commit()


def unsubscribe(operator_id: int, endpoint: str) -> bool:
    """Forget one of this operator's subscriptions. True when a row was deleted."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        return False
    with db.session() as s:
        row = s.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint,
                                                    PushSubscription.operator_id == operator_id)).first()
        if row is None:
            return False
        s.delete(row)
        events.on_commit(s, PushSubscriptionsChanged())
        s.commit()
    return True


def subscriptions(operator_id: int | None = None) -> list[PushSubscription]:
    with db.session() as s:
        q = select(PushSubscription).order_by(PushSubscription.id)
        if operator_id is not None:
            q = q.where(PushSubscription.operator_id == operator_id)
        return list(s.exec(q).all())


# -- "is there any subscription at all?", asked for every inbound message ----------------
CACHE_SECONDS = 5.0  # the longest another process's first subscription goes unseen without Redis
_empty_until = 0.0  # time.monotonic(): until then no subscription is stored (known)
_generation = 0
_lock = threading.Lock()


def known_none() -> bool:
    """True while no subscription is known to be stored (no database call)."""
    return _empty_until > time.monotonic()


def none_stored() -> bool:
    """No browser is subscribed at all: then an inbound message has nobody to push to. Only
    the empty answer is cached (CACHE_SECONDS, dropped by PushSubscriptionsChanged): a row
    can appear only through subscribe(), which sends that event after its commit."""
    global _empty_until
    if known_none():
        return True
    gen = _generation
    with db.session() as s:
        empty = not s.exec(select(func.count()).select_from(PushSubscription)).one()
    with _lock:
        if empty and gen == _generation:
            _empty_until = time.monotonic() + CACHE_SECONDS
    return empty


@events.on_event
def _forget(event: dict) -> None:
    global _empty_until, _generation
    if event.get("kind") in (PushSubscriptionsChanged.kind, events.RESYNC):
        with _lock:
            _generation += 1
            _empty_until = 0.0
