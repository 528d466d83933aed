"""Who may show our pages in a frame (ASGI middleware, an api_transformer in
messenger_app.py): the widget (/widget) on the sites in WIDGET_ORIGINS (unset: any site,
as the embed snippet expects); every other page only on our own origin, so no other site
can overlay the operator's inbox (clickjacking)."""

from __future__ import annotations

from messenger_app import settings
from messenger_app.lib.response_headers import default_header

WIDGET_PATH = "/widget"


def policy_for(path: str) -> str:
    if path == WIDGET_PATH or path.startswith(WIDGET_PATH + "/") or path.startswith(WIDGET_PATH + "."):
        origins = settings.get().widget_origins
        return "frame-ancestors " + (" ".join(("'self'", *origins)) if origins else "*")
    return "frame-ancestors 'self'"


def middleware(app):
    """Adds Content-Security-Policy: frame-ancestors … to every HTTP response without one."""
    return default_header(app, b"content-security-policy",
                          lambda scope, _start: policy_for(scope.get("path") or "/").encode())
