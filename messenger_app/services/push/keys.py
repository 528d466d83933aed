"""The VAPID key pair push services check our pushes against: one per database (AppSecret
"vapid_private_pem"), so every process and every host signs with the same key; racing
creators agree on the first one stored. An older install's DATA_DIR/vapid_private.pem is
imported when the database has no key yet. Losing the key invalidates every browser
subscription (push.js subscribes again by itself on the next page load)."""

from __future__ import annotations

import base64
import logging
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from messenger_app import settings
from messenger_app.services import app_secrets

log = logging.getLogger("messenger.push")

KEY_FILE = "vapid_private.pem"  # the old place (one host); now AppSecret VAPID_SECRET
VAPID_SECRET = "vapid_private_pem"
DEFAULT_SUBJECT = "mailto:admin@localhost"

_key_lock = threading.Lock()
_keys: dict[str, Any] = {}  # database URL -> py_vapid.Vapid


def key_path() -> Path:
    """Where a single-host install kept its key before it moved into the database: read once,
    when the database has no key yet, so the browsers' subscriptions stay valid."""
    return settings.get().data_dir / KEY_FILE


def _new_pem() -> str:
    legacy = key_path()
    if legacy.is_file():
        log.info("VAPID key imported from %s into the database", legacy)
        return legacy.read_text(encoding="ascii")
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def vapid():
    """The server's VAPID key (a py_vapid.Vapid): one per database, so every process and every
    host signs with the same key; created (or imported from DATA_DIR) on first use."""
    from py_vapid import Vapid

    where = settings.get().database_url
    cached = _keys.get(where)
    if cached is not None:
        return cached
    with _key_lock:
        cached = _keys.get(where)
        if cached is not None:
            return cached
        pem = app_secrets.get_or_create(VAPID_SECRET, _new_pem)
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise RuntimeError("the stored VAPID key is not a P-256 private key")
        v = Vapid(key)
        _keys[where] = v
        return v


def public_key_b64() -> str:
    """The applicationServerKey for PushManager.subscribe(): the uncompressed P-256 public
    point (65 bytes), base64url without padding."""
    raw = vapid().public_key.public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_claims() -> dict[str, Any]:
    """A fresh claims dict per send (pywebpush adds aud/exp to it in place)."""
    return {"sub": settings.get().vapid_subject or DEFAULT_SUBJECT}



def reset() -> None:
    """Tests: forget cached keys (the database changes between tests)."""
    _keys.clear()
