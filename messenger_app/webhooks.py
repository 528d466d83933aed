"""Webhook endpoints of the channels that push to us (WhatsApp, Viber, SMS gateway).

URL: /hooks/{channel_id}/{secret} — the secret is random per channel (shown on /settings),
so a guessed channel id alone gets 404. On top, each provider's own signature is checked
on the raw body. A bad signature → 403, a malformed body → 400, and nothing is written.
Receiving the same webhook twice stores each message once (inbox.receive is idempotent).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from messenger_app import workers
from messenger_app.channels import registry
from messenger_app.channels.http import MalformedWebhook, WebhookBatch
from messenger_app.services import channels, inbox, outbox

log = logging.getLogger("messenger.webhooks")
MAX_BODY = 1024 * 1024


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


def _channel(request: Request):
    try:
        cid = int(request.path_params["channel_id"])
    except ValueError:
        return None
    ch = channels.get(cid)
    secret = request.path_params["secret"]
    if (ch is None or not ch.enabled or not registry.KINDS.get(ch.kind, registry.KINDS["widget"]).webhook
            or not ch.webhook_secret or not hmac.compare_digest(ch.webhook_secret, secret)):
        return None
    return ch


async def verify(request: Request) -> Response:
    """GET: WhatsApp's subscription check (hub.mode / hub.verify_token / hub.challenge)."""
    ch = await asyncio.to_thread(_channel, request)
    if ch is None or ch.kind != "whatsapp":
        return _error(404, "no such webhook")
    from messenger_app.channels.whatsapp import verify_challenge

    challenge = verify_challenge(dict(request.query_params), (ch.config or {}).get("verify_token", ""))
    if challenge is None:
        return _error(403, "verify token does not match")
    return PlainTextResponse(challenge)


async def receive(request: Request) -> Response:
    ch = await asyncio.to_thread(_channel, request)
    if ch is None:
        return _error(404, "no such webhook")
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return _error(413, "body too large")
    body = await request.body()
    if len(body) > MAX_BODY:
        return _error(413, "body too large")
    adapter = registry.build(ch)
    try:
        batch = _parse(ch, adapter, request, body)
    except PermissionError as e:
        await adapter.close()
        return _error(403, str(e))
    except (MalformedWebhook, ValueError) as e:
        await adapter.close()
        return _error(400, f"malformed webhook: {e}")
    stored, jobs = 0, []
    try:
        for msg in batch.messages:
            got = await workers.store_inbound(ch, msg, adapter, jobs)
            stored += got.created
        for ev in batch.statuses:
            await asyncio.to_thread(outbox.apply_status, ch.id, ev.external_id, ev.status, ev.error)
            if getattr(ev, "unreachable", False) and getattr(ev, "identity_external_id", ""):
                await asyncio.to_thread(inbox.set_reachable, ch.id, ev.identity_external_id,
                                        False, ev.error)
        for ev in batch.identities:
            await asyncio.to_thread(inbox.set_reachable, ch.id, ev.identity_external_id,
                                    ev.reachable, ev.reason)
    finally:  # profile/media fetches may still use the adapter: close it after them
        workers.close_when_done(adapter, jobs)
    return JSONResponse({"ok": True, "stored": stored})


def _parse(ch, adapter, request: Request, body: bytes) -> WebhookBatch:
    if ch.kind == "whatsapp":
        if not adapter.verify_signature(body, request.headers.get("x-hub-signature-256", "")):
            raise PermissionError("bad signature")
        return adapter.parse_webhook(_json(body))
    if ch.kind == "viber":
        if not adapter.verify_signature(body, request.headers.get("x-viber-content-signature", "")):
            raise PermissionError("bad signature")
        return adapter.parse_webhook(_json(body))
    if ch.kind == "sms":
        query = dict(request.query_params)
        if not adapter.check_webhook(query, dict(request.headers)):
            raise PermissionError("bad secret")
        ctype = request.headers.get("content-type", "")
        kind = query.get("type", "")
        if kind == "status":
            return WebhookBatch([], adapter.parse_status(ctype, body, query), [])
        return WebhookBatch(adapter.parse_webhook(ctype, body, query), [], [])
    raise MalformedWebhook(f"{ch.kind} has no webhooks")


def _json(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise MalformedWebhook(f"not JSON ({e.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise MalformedWebhook("not a JSON object")
    return data


ROUTES = [
    Route("/hooks/{channel_id}/{secret}", verify, methods=["GET"]),
    Route("/hooks/{channel_id}/{secret}", receive, methods=["POST"]),
]
