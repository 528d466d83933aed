"""HTTP routes beside the pages. Every route checks who is calling."""

from __future__ import annotations



from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from messenger_app import settings
from messenger_app.services import auth
from messenger_app.states.auth import SESSION_COOKIE


def _operator(request: Request):
    return auth.operator_for(request.cookies.get(SESSION_COOKIE, ""))


async def files(request: Request) -> Response:
    """Stored files (avatars, attachments): operators only, never outside DATA_DIR/files."""
    if _operator(request) is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    root = settings.get().files_dir.resolve()
    target = (root / request.path_params["path"]).resolve()
    if root not in target.parents or not target.is_file():
        return JSONResponse({"error": "not found"}, status_code=404)
    return FileResponse(target, headers={"Cache-Control": "private, max-age=86400",
                                         "X-Content-Type-Options": "nosniff"})


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
    return JSONResponse({"ok": True})


def build() -> Starlette:
    from messenger_app import push_routes, webhooks

    return Starlette(routes=[
        Route("/files/{path:path}", files, methods=["GET"]),
        Route("/files-signed/{expires}/{sig}/{path:path}", signed_file, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        *webhooks.ROUTES,
        *push_routes.ROUTES,
    ])



