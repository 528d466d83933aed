"""Cache-Control on the built frontend (asset_cache.middleware over the static files class
Reflex serves the production build with): hashed /assets/ kept, HTML revalidated, API
responses untouched."""

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles

from messenger_app import asset_cache


def _client(tmp_path, headers=None):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "root-AbC123.js").write_text("export const x = 1;\n")
    (tmp_path / "index.html").write_text("<!DOCTYPE html><html><body>app</body></html>")
    (tmp_path / "app.js").write_text("window.a = 1;\n")
    app = Starlette(routes=[
        Route("/api/health", lambda r: JSONResponse({"ok": True}, headers=headers)),
        Mount("/", app=PrecompressedStaticFiles(directory=tmp_path, html=True, encodings=["gzip"])),
    ])
    return TestClient(asset_cache.middleware(app))


def test_hashed_assets_are_kept_a_year_also_when_revalidated(tmp_path):
    client = _client(tmp_path)
    first = client.get("/assets/root-AbC123.js")
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = client.get("/assets/root-AbC123.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_pages_are_revalidated_and_a_missing_asset_is_not_kept(tmp_path):
    client = _client(tmp_path)
    page = client.get("/")
    assert page.status_code == 200 and "app" in page.text
    assert page.headers["cache-control"] == "no-cache"
    missing = client.get("/assets/gone-XyZ.js")
    assert missing.status_code == 404
    assert "immutable" not in missing.headers.get("cache-control", "")


def test_other_responses_keep_their_own_or_none(tmp_path):
    client = _client(tmp_path)
    assert "cache-control" not in client.get("/api/health").headers
    assert "cache-control" not in client.get("/app.js").headers  # not hashed: heuristics as before
    (tmp_path / "own").mkdir()
    own = _client(tmp_path / "own", headers={"Cache-Control": "private, max-age=5"})
    assert own.get("/api/health").headers["cache-control"] == "private, max-age=5"
