"""Security headers of the real server (production build, one port): CORS credentials only
for PUBLIC_URL's origin, the websocket refuses other origins, and who may frame which page."""


def test_cors_and_frames_on_the_running_app(app, playwright_request_factory):
    req = playwright_request_factory()
    evil = req.get("/api/health", headers={"Origin": "https://evil.example", "Cookie": "msg_session=x"})
    assert evil.status == 200 and "access-control-allow-origin" not in evil.headers
    ours = req.get("/api/health", headers={"Origin": app.url, "Cookie": "msg_session=x"})
    assert ours.headers["access-control-allow-origin"] == app.url
    assert ours.headers["access-control-allow-credentials"] == "true"

    sock = req.get("/_event/?EIO=4&transport=websocket", headers={"Origin": "https://evil.example"})
    assert sock.status == 400 and "origin" in sock.text().lower()

    assert req.get("/widget").headers["content-security-policy"] == "frame-ancestors *"
    for path in ("/", "/login", "/settings"):
        assert req.get(path).headers["content-security-policy"] == "frame-ancestors 'self'", path
