"""Webhook endpoints of the channels that push to us (WhatsApp, Viber, SMS gateway).

URL: /hooks/{channel_id}/{secret} — the secret is random per channel (shown on /settings),
so a guessed channel id alone gets 404. On top, each provider's own signature is checked
on the raw body. A bad signature → 403, a malformed body → 400, and nothing is written.
Receiving the same webhook twice stores each message once (inbox.receive is idempotent).
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from messenger_app import adapters, workers
from messenger_app.channels import registry
from messenger_app.channels.http import MalformedWebhook
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
    spec = registry.get(ch.kind) if ch is not None else None
    if (ch is None or not ch.enabled or spec is None or not spec.webhook
            or not ch.webhook_secret or not hmac.compare_digest(ch.webhook_secret, secret)):
        return None
    return ch


async def verify(request: Request) -> Response:
    """GET: a provider's subscription check (WhatsApp: hub.mode / hub.verify_token /
    hub.challenge), for kinds whose adapter has verify_request()."""
    ch = await asyncio.to_thread(_channel, request)
    adapter = adapters.get(ch) if ch is not None else None
    if adapter is None or not hasattr(adapter, "verify_request"):
        return _error(404, "no such webhook")
    challenge = adapter.verify_request(dict(request.query_params))
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
    adapter = adapters.get(ch)  # built once per channel instance, reused
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        batch = adapter.parse_request(headers, dict(request.query_params), body)
    except PermissionError as e:
        return _error(403, str(e))
    except (MalformedWebhook, ValueError) as e:
        return _error(400, f"malformed webhook: {e}")
    stored = 0
    for msg in batch.messages:
        got = await workers.store_inbound(ch, msg)
        stored += got.created
    for ev in batch.statuses:
        await asyncio.to_thread(outbox.apply_status, ch.id, ev.external_id, ev.status, ev.error)
        if getattr(ev, "unreachable", False) and getattr(ev, "identity_external_id", ""):
            await asyncio.to_thread(inbox.set_reachable, ch.id, ev.identity_external_id,
                                    False, ev.error)
    for ev in batch.identities:
        await asyncio.to_thread(inbox.set_reachable, ch.id, ev.identity_external_id,
                                ev.reachable, ev.reason)
    return JSONResponse({"ok": True, "stored": stored})


ROUTES = [
    Route("/hooks/{channel_id}/{secret}", verify, methods=["GET"]),
    Route("/hooks/{channel_id}/{secret}", receive, methods=["POST"]),
]
