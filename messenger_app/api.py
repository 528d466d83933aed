"""HTTP routes beside the pages. Every route checks who is calling."""

from __future__ import annotations

import asyncio
import logging
import mimetypes

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from messenger_app.services import auth, storage
from messenger_app.services import health as health_checks
from messenger_app.states.auth import SESSION_COOKIE


log = logging.getLogger("messenger.api")


def _operator(request: Request):
    return auth.operator_for(request.cookies.get(SESSION_COOKIE, ""))


_FILE_HEADERS = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}


async def files(request: Request) -> Response:
    """Stored files (avatars, attachments): operators only, only keys of the files store
    (DATA_DIR/files or the S3 bucket, services/storage.py), the type guessed from the name."""
    if await asyncio.to_thread(_operator, request) is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    key = request.path_params["path"]
    try:
        storage.check_key(key)
    except storage.StorageError:
        return JSONResponse({"error": "not found"}, status_code=404)
    if storage.kind() == "local":
        target = storage.local_file(key)
        if target is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return FileResponse(target, headers=_FILE_HEADERS)
    try:
        size = await asyncio.to_thread(storage.size, key)
        chunks = await asyncio.to_thread(storage.stream, key) if size is not None else None
    except Exception as e:  # the store is down: say so, never a 500 with a traceback
        log.warning("file store unavailable for %s: %s", key, e)
        return JSONResponse({"error": "file store unavailable"}, status_code=503)
    if chunks is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    mime = mimetypes.guess_type(key.rsplit("/", 1)[-1])[0] or "application/octet-stream"
    return StreamingResponse(chunks, media_type=mime,
                             headers={**_FILE_HEADERS, "Content-Length": str(size)})


async def signed_file(request: Request) -> Response:
    """A file behind a signed, expiring URL (channels that fetch by URL: Viber)."""
    from messenger_app.services import attachments

    p = request.path_params
    path = attachments.signed_path(p["expires"], p["sig"], p["path"])
    if path is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600",
                                       "X-Content-Type-Options": "nosniff"})


async def health(request: Request) -> Response:
    """For load balancers and monitoring, so without a session: database, Redis, storage
    kind, the workers' leases (services/health.py; nothing secret). A signed-in operator
    also sees which process holds each lease."""
    def check():
        try:
            signed_in = _operator(request) is not None
        except Exception:  # the database is down: the report says so
            signed_in = False
        return health_checks.report(show_holder=signed_in)

    status, body = await asyncio.to_thread(check)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def build() -> Starlette:
    from messenger_app import push_routes, session_cookie, webhooks, widget_routes

    return Starlette(routes=[
        Route("/files/{path:path}", files, methods=["GET"]),
        Route("/files-signed/{expires}/{sig}/{path:path}", signed_file, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        *session_cookie.ROUTES,
        *webhooks.ROUTES,
        *push_routes.ROUTES,
        *widget_routes.ROUTES,
    ])



