"""The operator's session cookie (issue 15): HttpOnly, SameSite=Strict, Secure when PUBLIC_URL is
https — page scripts never see the token.

* `POST /api/session` (username, password, lang; a form or JSON) signs in and sets the cookie;
  `POST /api/session/logout` ends the session and clears it. Both refuse a browser request
  from another origin (Origin, else Sec-Fetch-Site), so another site can neither sign a
  visitor in nor out (login CSRF); the cookie being SameSite=Strict does the rest.
* `middleware` (an api_transformer): on the websocket's handshake (Reflex's /_event) the
  cookie's value is replaced by its session key ("h." + SHA-256, auth.session_key), before
  Reflex copies the headers into the tab's state. So the state (memory or Redis) holds only
  the key — the form the database stores — and a key sent as a cookie is hashed again, so
  it opens nothing. Event handlers read it with `session_in(router.headers.cookie)`.

A tab picks a new session up when its websocket connects again: the login page reloads the
page after the POST, logout too (assets/app.js: msgLogin, msgLogout).
"""

from __future__ import annotations

import asyncio
import functools
import json
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from messenger_app import settings
from messenger_app.i18n.errors import error_text
from messenger_app.services import auth

COOKIE = "msg_session"
EVENT_PATH = "/_event"
MAX_BODY = 4096
_NO_STORE = {"Cache-Control": "no-store"}


# -- reading it ---------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)  # a pure parse; each tab asks with its same header often
def _value_in(cookie_header: str) -> str:
    if not cookie_header or COOKIE not in cookie_header:
        return ""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        # one malformed cookie of another app must not sign the operator out
        for part in cookie_header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                return value.strip()
        return ""
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else ""


def session_in(cookie_header: str) -> str:
    """The session key in a handshake's Cookie header as `middleware` left it ("" if none)."""
    value = _value_in(cookie_header or "")
    return value if value.startswith(auth.SESSION_KEY_PREFIX) else ""


def token_of(request: Request) -> str:
    """The raw token of an HTTP request's cookie (routes: auth.operator_for(token_of(r)))."""
    return request.cookies.get(COOKIE, "")


# -- the websocket handshake ----------------------------------------------------------


def _hashed(headers: list) -> list:
    out = []
    for name, value in headers:
        if name.lower() == b"cookie":
            parts = []
            for part in value.decode("latin-1").split(";"):
                key, eq, val = part.strip().partition("=")
                if key == COOKIE and eq:
                    val = auth.session_key(val.strip()) if val.strip() else ""
                    part = f"{key}={val}"
                parts.append(part.strip())
            value = "; ".join(parts).encode("latin-1")
        out.append((name, value))
    return out


def middleware(app):
    """Replaces the session token by its key in the Cookie header of Reflex's event
    connection (websocket, or the polling fallback) before Reflex reads it."""

    async def wrapped(scope, receive, send):
        if (scope.get("type") in ("http", "websocket")
                and (scope.get("path") or "").startswith(EVENT_PATH)):
            scope = {**scope, "headers": _hashed(list(scope.get("headers") or []))}
        return await app(scope, receive, send)

    return wrapped


# -- the routes -----------------------------------------------------------------------


def _same_origin(request: Request) -> bool:
    """A browser names the page that sent a POST (Origin; Sec-Fetch-Site in every current
    browser). Ours: PUBLIC_URL's origin, CORS_ORIGINS, or the host the request came to. A
    client that sends neither is not a browser, so not a CSRF vector."""
    origin = request.headers.get("origin")
    if origin:
        own = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
        return origin.lower() in {own, *(o.lower() for o in settings.credential_origins())}
    site = request.headers.get("sec-fetch-site")
    return site in (None, "same-origin", "none")


def _secure() -> bool:
    return settings.get().public_url.lower().startswith("https://")


def _set(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, max_age=auth.SESSION_DAYS * 86400, path="/",
                        httponly=True, secure=_secure(), samesite="strict")


def _clear(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, secure=_secure(), samesite="strict")


async def _form(request: Request) -> dict:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ValueError("too large")
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype == "application/json":
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _refused(status: int, error: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": error}, status_code=status, headers=_NO_STORE)


async def login(request: Request) -> Response:
    from messenger_app.widget_routes import client_address

    if not _same_origin(request):
        return _refused(403, "cross-origin sign-in refused")
    try:
        form = await _form(request)
    except (ValueError, UnicodeDecodeError):
        return _refused(400, "send username and password as a form")
    username, password = str(form.get("username", ""))[:100], str(form.get("password", ""))[:200]
    lang = str(form.get("lang", "en"))
    try:
        token = await asyncio.to_thread(auth.login, username, password, client_address(request))
    except auth.AuthError as e:
        return _refused(401, error_text(e, lang))
    response = JSONResponse({"ok": True}, headers=_NO_STORE)
    _set(response, token)
    return response


async def logout(request: Request) -> Response:
    if not _same_origin(request):
        return _refused(403, "cross-origin sign-out refused")
    token = token_of(request)
    if token:
        await asyncio.to_thread(auth.logout, token)
    response = JSONResponse({"ok": True}, headers=_NO_STORE)
    _clear(response)
    return response


ROUTES = [
    Route("/api/session", login, methods=["POST"]),
    Route("/api/session/logout", logout, methods=["POST"]),
]
