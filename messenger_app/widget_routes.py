"""The website widget's send as a plain HTTP route, so that storing a visitor's message
depends on the database only — not on the websocket or on Reflex's state store (Redis
with REDIS_URL), which made messages vanish silently during a Redis outage:

    POST /api/widget/messages   body: {"visitor": "<token>", "text": "..."}
      200 {"ok": true, "id": <message id>}        stored
      400 {"error": ..., "code": "invalid"|"empty"|"too_long"}   refused, nothing stored
      429 {"error": ..., "code": "rate"}          too many messages this minute
      503 {"error": ..., "code": "unavailable"}   the database is down: try again
      413 / 415 for an oversized or non-JSON body

Who is calling: the visitor token kept in the widget's localStorage (services/widget.py),
the same check as the widget's Reflex events. The body must be application/json, which
another site cannot send without a CORS preflight (refused: no CORS headers here).
assets/widget.js posts here and tells the visitor when a message could not be sent.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from messenger_app.push_routes import _BodyError, _json_body
from messenger_app.services import widget

log = logging.getLogger("messenger.widget")
_NO_STORE = {"Cache-Control": "no-store"}


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status_code=status, headers=_NO_STORE)


def client_address(request: Request) -> str:
    """The caller's address: the peer, or — behind TRUSTED_PROXY_HOPS reverse proxies — the
    entry that many hops from the right of X-Forwarded-For (a client cannot forge it)."""
    from messenger_app import settings

    hops = settings.get().trusted_proxy_hops
    peer = request.client.host if request.client else "unknown"
    if hops <= 0:
        return peer
    chain = [p.strip() for p in request.headers.get("x-forwarded-for", "").split(",") if p.strip()]
    return chain[-hops] if len(chain) >= hops else peer


async def send(request: Request) -> Response:
    try:
        data = await _json_body(request)
    except _BodyError as exc:
        return _error(exc.status, exc.message, "invalid")
    if not isinstance(data, dict):
        return _error(400, "send a JSON object", "invalid")
    visitor, text = data.get("visitor"), data.get("text")
    if not isinstance(visitor, str) or not widget.valid_token(visitor):
        return _error(400, "invalid visitor", "invalid")
    if not isinstance(text, str):
        return _error(400, "text must be a string", "invalid")
    try:
        got = await asyncio.to_thread(widget.send, visitor, text[:20000], "",
                                      address=client_address(request))
    except widget.WidgetRefused as exc:
        return _error(429 if exc.code == "rate" else 400, str(exc), exc.code)
    except (SQLAlchemyError, OSError) as exc:  # the database is unreachable: try again
        log.warning("widget message not stored: %s", type(exc).__name__)
        return _error(503, "the message could not be stored, try again", "unavailable")
    return JSONResponse({"ok": True, "id": got.message_id}, headers=_NO_STORE)


ROUTES = [Route("/api/widget/messages", send, methods=["POST"])]
