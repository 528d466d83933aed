"""Web Push for new inbound messages (N1), and which dialogs ring (N1/N2).

Keys. The VAPID key pair is made on first use and kept in the database (AppSecret
"vapid_private_pem", services/app_secrets.py), so every process and every host signs with the
same key; racing creators agree on the first one stored. An older install's
DATA_DIR/vapid_private.pem is imported when the database has no key yet. Losing the key
invalidates every browser subscription: the browsers must subscribe again (push.js does
that by itself on the next page load when the key changed).

Which dialogs notify (`targets_for`, `sound_for`):
- A client in one or more custom folders notifies when AT LEAST ONE of those folders has
  push on (sound: sound on). A client in several folders still gets ONE notification.
- A client in no custom folder is only in the built-in "All chats", which cannot be edited
  (L7); it notifies by default. PUSH_ALL_CHATS=0 / SOUND_ALL_CHATS=0 turn that off for the
  whole instance (then only folder members notify).
  "All chats" is deliberately NOT counted for clients that are in a custom folder: every
  client is in "All chats", so counting it would make a folder's "push off" meaningless.

Sending. `notify_inbound()` is synchronous (pywebpush uses `requests`): async callers run it
with `asyncio.to_thread` — `run_notifier()` does. Every subscription of every active
operator gets one push, except the operators in `skip_operator_ids` (those looking at the
dialog, see services/presence.py). 404/410 from the push service mean the subscription is
gone: its row is deleted. Any other failure is logged and never raised.

Environment (read at call time):
| VAPID_SUBJECT    | mailto:admin@localhost | the VAPID "sub" claim (mailto: or https: URL)  |
| PUSH_ALL_CHATS   | 1                      | 0: clients in no custom folder never push      |
| SOUND_ALL_CHATS  | 1                      | 0: clients in no custom folder never ring      |
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from messenger_app import db, settings
from messenger_app.clock import utcnow
from messenger_app.models import Contact, ContactFolder, Dialog, Folder, Message, Operator
from messenger_app.models.push import PushSubscription
from messenger_app.services import app_secrets

log = logging.getLogger("messenger.push")

KEY_FILE = "vapid_private.pem"  # the old place (one host); now AppSecret VAPID_SECRET
VAPID_SECRET = "vapid_private_pem"
DEFAULT_SUBJECT = "mailto:admin@localhost"
TTL_SECONDS = 24 * 3600  # a phone that is off for a day still gets it when it comes back
BODY_CHARS = 120
SEND_TIMEOUT = 10  # seconds per push service request
MAX_ENDPOINT = 1000  # PushSubscription.endpoint column
MAX_PER_OPERATOR = 20  # older subscriptions of one operator are dropped beyond this
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


class PushError(ValueError):
    """A subscription the browser should not have sent; the message says what is wrong."""


# -- VAPID keys --------------------------------------------------------------------------
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


# -- subscriptions -----------------------------------------------------------------------
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
        s.commit()
    return True


def subscriptions(operator_id: int | None = None) -> list[PushSubscription]:
    with db.session() as s:
        q = select(PushSubscription).order_by(PushSubscription.id)
        if operator_id is not None:
            q = q.where(PushSubscription.operator_id == operator_id)
        return list(s.exec(q).all())


# -- rules -------------------------------------------------------------------------------
def _folder_flags(dialog_id: int) -> tuple[bool, bool] | None:
    """(push, sound) for the dialog's client, or None when there is no such dialog."""
    with db.session() as s:
        dialog = s.get(Dialog, dialog_id)
        if dialog is None:
            return None
        rows = s.exec(select(Folder.push, Folder.sound)
                      .join(ContactFolder, ContactFolder.folder_id == Folder.id)
                      .where(ContactFolder.contact_id == dialog.contact_id)).all()
    if not rows:  # only in the built-in "All chats"
        return settings.get().push_all_chats, settings.get().sound_all_chats
    return any(bool(p) for p, _ in rows), any(bool(snd) for _, snd in rows)


def targets_for(dialog_id: int) -> bool:
    """Does a new inbound message in this dialog send a Web Push? (rules: module doc)"""
    flags = _folder_flags(int(dialog_id))
    return bool(flags and flags[0])


def sound_for(dialog_id: int) -> bool:
    """Does a new inbound message in this dialog play the sound in open tabs?"""
    flags = _folder_flags(int(dialog_id))
    return bool(flags and flags[1])


# -- sending -----------------------------------------------------------------------------
def _shorten(text: str, limit: int = BODY_CHARS) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def build_payload(dialog_id: int, message_id: int | None) -> dict | None:
    """What the service worker shows: {title, body, tag, url, dialog_id, message_id}."""
    from messenger_app.services.dialogs import contact_name
    from messenger_app.services.inbox import preview_of

    with db.session() as s:
        dialog = s.get(Dialog, dialog_id)
        if dialog is None:
            return None
        contact = s.get(Contact, dialog.contact_id)
        msg = s.get(Message, message_id) if message_id else None
    if msg is not None and msg.dialog_id == dialog_id:
        body = preview_of(msg.text, msg.attachments)
    else:
        body = dialog.last_preview
    return {
        "title": contact_name(contact) if contact is not None else "Messenger",
        "body": _shorten(body) or "New message",
        "tag": f"dialog-{dialog_id}",
        "url": f"/?dialog={dialog_id}",
        "dialog_id": dialog_id,
        "message_id": message_id,
    }


def _targets(skip_operator_ids: Iterable[int]) -> list[PushSubscription]:
    skip = {int(x) for x in skip_operator_ids or ()}
    with db.session() as s:
        rows = s.exec(select(PushSubscription)
                      .join(Operator, Operator.id == PushSubscription.operator_id)
                      .where(Operator.active == True)  # noqa: E712
                      .order_by(PushSubscription.id)).all()
    return [r for r in rows if r.operator_id not in skip]


def _send_one(sub: PushSubscription, data: str, topic: str) -> bool:
    from pywebpush import WebPushException, webpush

    info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
    try:
        webpush(info, data=data, vapid_private_key=vapid(), vapid_claims=vapid_claims(),
                ttl=TTL_SECONDS, timeout=SEND_TIMEOUT,
                headers={"Urgency": "high", "Topic": topic})
    except WebPushException as exc:
        status = exc.status_code
        if status in (404, 410):
            log.info("push subscription %s is gone (%s): deleting it", sub.id, status)
            _delete(sub.id)
        else:
            log.warning("push to subscription %s failed: %s", sub.id, status or exc.message)
        return False
    except Exception as exc:  # network errors, bad keys, ...
        log.warning("push to subscription %s failed: %r", sub.id, exc)
        return False
    with db.session() as s:
        row = s.get(PushSubscription, sub.id)
        if row is not None:
            row.last_success_at = utcnow()
            s.add(row)
            s.commit()
    return True


def _delete(sub_id: int) -> None:
    with db.session() as s:
        row = s.get(PushSubscription, sub_id)
        if row is not None:
            s.delete(row)
            s.commit()


def notify_inbound(dialog_id: int, message_id: int | None,
                   skip_operator_ids: Iterable[int] = frozenset()) -> int:
    """One Web Push per subscription (except the skipped operators'). Synchronous and
    blocking (network): async code calls it through asyncio.to_thread. Never raises for a
    push failure. Returns how many pushes the push services accepted."""
    try:
        subs = _targets(skip_operator_ids)
        if not subs:
            return 0
        payload = build_payload(int(dialog_id), message_id)
        if payload is None:
            return 0
        data = json.dumps(payload, ensure_ascii=False)
        topic = f"dialog-{int(dialog_id)}"
        if len(subs) == 1:
            return int(_send_one(subs[0], data, topic))
        with ThreadPoolExecutor(max_workers=min(8, len(subs)), thread_name_prefix="push") as pool:
            return sum(pool.map(lambda sub: _send_one(sub, data, topic), subs))
    except Exception:
        log.exception("notify_inbound(%s, %s) failed", dialog_id, message_id)
        return 0


def notify_for_event(event: dict) -> int:
    """The notifier's decision for one bus event (sync; used by run_notifier)."""
    from messenger_app.services import presence

    if event.get("kind") != "dialog" or event.get("reason") != "inbound":
        return 0
    try:
        dialog_id = int(event["dialog_id"])
    except (KeyError, TypeError, ValueError):
        return 0
    if not targets_for(dialog_id):
        return 0
    return notify_inbound(dialog_id, event.get("message_id"), presence.operators_viewing(dialog_id))


async def run_notifier(max_parallel: int = 4) -> None:
    """Listen to the bus forever and push every inbound message that should notify.
    Pushes of one dialog are sent in order; different dialogs in parallel (bounded).
    Run it in exactly one backend process (the workers lease holder)."""
    from messenger_app.services import events

    bus = events.bus()
    queue = bus.subscribe()
    sem = asyncio.Semaphore(max_parallel)
    last: dict[int, asyncio.Task] = {}

    async def handle(event: dict, before: asyncio.Task | None) -> None:
        if before is not None:
            await asyncio.wait({before})
        async with sem:
            try:
                await asyncio.to_thread(notify_for_event, event)
            except Exception:
                log.exception("notifier failed on %s", event)

    try:
        while True:
            event = await queue.get()
            if event.get("kind") != "dialog" or event.get("reason") != "inbound":
                continue
            dialog_id = event.get("dialog_id")
            before = last.get(dialog_id)
            task = asyncio.create_task(handle(event, before if before and not before.done() else None))
            last[dialog_id] = task
            task.add_done_callback(lambda t, d=dialog_id: last.get(d) is t and last.pop(d, None))
    finally:
        bus.unsubscribe(queue)
        for task in list(last.values()):
            task.cancel()


def reset() -> None:
    """Tests: forget cached keys (the database changes between tests)."""
    _keys.clear()
