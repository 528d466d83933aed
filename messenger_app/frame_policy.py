"""Who may show our pages in a frame (ASGI middleware, an api_transformer in
messenger_app.py): the widget (/widget) on the sites in WIDGET_ORIGINS (unset: any site,
as the embed snippet expects); every other page only on our own origin, so no other site
can overlay the operator's inbox (clickjacking)."""

from __future__ import annotations

from messenger_app import settings

WIDGET_PATH = "/widget"


def policy_for(path: str) -> str:
    if path == WIDGET_PATH or path.startswith(WIDGET_PATH + "/") or path.startswith(WIDGET_PATH + "."):
        origins = settings.get().widget_origins
        return "frame-ancestors " + (" ".join(("'self'", *origins)) if origins else "*")
    return "frame-ancestors 'self'"


def middleware(app):
    """Adds Content-Security-Policy: frame-ancestors … to every HTTP response without one."""

    async def wrapped(scope, receive, send):
        if scope.get("type") != "http":
            return await app(scope, receive, send)
        csp = policy_for(scope.get("path") or "/").encode()

        async def send_with_policy(message):
            if message.get("type") == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", csp))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_policy)

    return wrapped
