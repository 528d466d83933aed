"""How long a browser keeps the built frontend (ASGI middleware, an api_transformer in
messenger_app.py; issue 11, first page load).

Reflex serves the production build without Cache-Control, so every new tab revalidated
each of the ~55 files of a page (one 304 round trip each to the single backend process:
~400 ms of the first load on a loaded machine). The files under /assets/ are Vite's
output, named by a hash of their content: a browser may keep them a year without asking
(`immutable`); a new build has new names. The HTML that names them is asked for again
every time (`no-cache`: a 304 when unchanged), so a new build reaches the next tab."""

from __future__ import annotations

from messenger_app.lib.response_headers import default_header

ASSETS_PREFIX = "/assets/"
HASHED = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"


def policy_for(method: str, path: str, status: int, content_type: bytes) -> bytes | None:
    """The Cache-Control for a response that has none, or None to leave it without."""
    if method not in ("GET", "HEAD"):
        return None
    if path.startswith(ASSETS_PREFIX) and status in (200, 304):
        return HASHED
    if content_type.startswith(b"text/html"):
        return REVALIDATE
    return None


def middleware(app):
    """Adds Cache-Control (policy_for) to HTTP responses that do not set one."""

    def value_for(scope: dict, start: dict) -> bytes | None:
        content_type = dict((k.lower(), v) for k, v in start.get("headers") or []).get(b"content-type", b"")
        return policy_for(scope.get("method") or "GET", scope.get("path") or "/",
                          start.get("status", 200), content_type)

    return default_header(app, b"cache-control", value_for)
