"""Sending one inbound message's Web Push to every subscription (pywebpush, synchronous:
async callers use asyncio.to_thread). The request carries what push services expect
(RFC 8030 / 8291 / 8292): Content-Type application/octet-stream, Content-Encoding aes128gcm,
TTL, Urgency, Topic (one pending notification per dialog), a VAPID Authorization.
404/410 mean the subscription is gone: its row is deleted. Other failures are logged."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Contact, Dialog, Message, Operator
from messenger_app.models.push import PushSubscription
from messenger_app.services.push.keys import vapid, vapid_claims
from messenger_app.services.push.subscriptions import none_stored

log = logging.getLogger("messenger.push")

TTL_SECONDS = 24 * 3600  # a phone that is off for a day still gets it when it comes back
BODY_CHARS = 120
SEND_TIMEOUT = 10  # seconds per push service request


def _shorten(text: str, limit: int = BODY_CHARS) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def build_payload(dialog_id: int, message_id: int | None) -> dict | None:
    """What the service worker shows: {title, body, tag, url, dialog_id, message_id}."""
    from messenger_app.services.dialogs import contact_name
    from messenger_app.services.inbound_batch import preview_of

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


def push_headers(topic: str) -> dict[str, str]:
    """The headers we add to pywebpush's (it sets Content-Encoding: aes128gcm, TTL and the VAPID
    Authorization): push services refuse a body without Content-Type (web-push-testing: 400);
    Topic lets a newer push of the same dialog replace one still waiting on the service."""
    return {"Content-Type": "application/octet-stream", "Urgency": "high", "Topic": topic}


def _send_one(sub: PushSubscription, data: str, topic: str) -> bool:
    from pywebpush import WebPushException, webpush

    info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
    try:
        webpush(info, data=data, vapid_private_key=vapid(), vapid_claims=vapid_claims(),
                ttl=TTL_SECONDS, timeout=SEND_TIMEOUT,
                headers=push_headers(topic), content_encoding="aes128gcm")
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
        if none_stored():  # nobody subscribed (cached): nothing to read, nothing to send
            return 0
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


