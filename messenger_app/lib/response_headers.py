"""ASGI middleware that gives HTTP responses a header they do not set themselves (the
frame policy, the cache policy: messenger_app.py's api_transformer)."""

from __future__ import annotations

from typing import Callable


def default_header(app, name: bytes, value_for: Callable[[dict, dict], bytes | None]):
    """Wrap `app`: a response without header `name` gets value_for(scope, response start
    message) when that is not None; a response that sets `name` keeps its own."""
    name = name.lower()

    async def wrapped(scope, receive, send):
        if scope.get("type") != "http":
            return await app(scope, receive, send)

        async def send_with_header(message):
            if message.get("type") == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(k.lower() == name for k, _ in headers):
                    value = value_for(scope, message)
                    if value is not None:
                        message = {**message, "headers": [*headers, (name, value)]}
            await send(message)

        await app(scope, receive, send_with_header)

    return wrapped
