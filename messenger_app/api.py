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
    try:  # NUL, a name too long...: the OS refuses it, so there is no such file
        target = (root / request.path_params["path"]).resolve()
        found = root in target.parents and target.is_file()
    except (ValueError, OSError):
        found = False
    if not found:
        return JSONResponse({"error": "not found"}, status_code=404)
    return FileResponse(target, headers={"Cache-Control": "private, max-age=86400",
                                         "X-Content-Type-Options": "nosniff"})


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


def build() -> Starlette:
    from messenger_app import push_routes, webhooks

    return Starlette(routes=[
        Route("/files/{path:path}", files, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        *webhooks.ROUTES,
        *push_routes.ROUTES,
    ])



