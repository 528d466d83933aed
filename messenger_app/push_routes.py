"""HTTP routes of Web Push (N1), for the integrator to mount beside api.py's:

    GET  /api/push/key          -> {"key": "<applicationServerKey, base64url>"}
    POST /api/push/subscribe    body: PushSubscription.toJSON()   -> {"ok": true}
    POST /api/push/unsubscribe  body: {"endpoint": "..."} (or the whole toJSON())

Every route needs a valid `msg_session` cookie (401 otherwise). Bodies are JSON
(Content-Type application/json, 415 otherwise), at most MAX_BODY bytes (413), and a bad
subscription is a 400 with {"error": "<what is wrong>"}. The session cookie is SameSite=strict,
and the JSON content type cannot be sent cross-site without a CORS preflight, so other sites
cannot subscribe on an operator's behalf.
"""

from __future__ import annotations

import asyncio
import json

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from messenger_app.services import auth, push

SESSION_COOKIE = "msg_session"  # = messenger_app.states.auth.SESSION_COOKIE
MAX_BODY = 4096
_NO_STORE = {"Cache-Control": "no-store"}


class _BodyError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=_NO_STORE)


async def _operator(request: Request):
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    return await asyncio.to_thread(auth.operator_for, token)


async def _json_body(request: Request):
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise _BodyError(415, "send the body as application/json")
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > MAX_BODY:
                raise _BodyError(413, f"the body is larger than {MAX_BODY} bytes")
        except ValueError:
            raise _BodyError(400, "bad Content-Length") from None
    body = bytearray()
    try:
        async for chunk in request.stream():  # chunked bodies have no Content-Length
            body += chunk
            if len(body) > MAX_BODY:
                raise _BodyError(413, f"the body is larger than {MAX_BODY} bytes")
    except ClientDisconnect:
        raise _BodyError(400, "the body was cut off") from None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _BodyError(400, "the body is not valid JSON") from None


async def key(request: Request) -> Response:
    if await _operator(request) is None:
        return _error(401, "sign in first")
    return JSONResponse({"key": await asyncio.to_thread(push.public_key_b64)}, headers=_NO_STORE)


async def subscribe(request: Request) -> Response:
    op = await _operator(request)
    if op is None:
        return _error(401, "sign in first")
    try:
        data = await _json_body(request)
        await asyncio.to_thread(push.subscribe, op.id, data,
                                request.headers.get("user-agent", "")[:300])
    except _BodyError as exc:
        return _error(exc.status, exc.message)
    except push.PushError as exc:
        return _error(400, f"bad subscription: {exc}")
    return JSONResponse({"ok": True}, headers=_NO_STORE)


async def unsubscribe(request: Request) -> Response:
    op = await _operator(request)
    if op is None:
        return _error(401, "sign in first")
    try:
        data = await _json_body(request)
    except _BodyError as exc:
        return _error(exc.status, exc.message)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > push.MAX_ENDPOINT:
        return _error(400, "endpoint is required")
    removed = await asyncio.to_thread(push.unsubscribe, op.id, endpoint)
    return JSONResponse({"ok": True, "removed": removed}, headers=_NO_STORE)


ROUTES = [
    Route("/api/push/key", key, methods=["GET"]),
    Route("/api/push/subscribe", subscribe, methods=["POST"]),
    Route("/api/push/unsubscribe", unsubscribe, methods=["POST"]),
]
