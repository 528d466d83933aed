"""CORS with credentials only for the app's own origin (PUBLIC_URL, CORS_ORIGINS), through
Reflex's own CORS middleware fed by rxconfig.py; who may frame the widget and the app."""

import importlib

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from messenger_app import api, frame_policy, settings


@pytest.fixture
def app_with_reflex_cors(data_dir, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://chat.example.com/")
    monkeypatch.setenv("CORS_ORIGINS", "https://crm.example.com")
    settings.reset()
    import reflex.app
    import rxconfig

    config = importlib.reload(rxconfig).config
    monkeypatch.setattr(reflex.app, "get_config", lambda: config)
    app = api.build()
    reflex.app.App._add_cors(app)  # what Reflex does to our api_transformer
    with TestClient(frame_policy.middleware(app)) as client:
        yield client
    importlib.reload(rxconfig)


def test_credentials_only_for_our_origins(app_with_reflex_cors):
    client = app_with_reflex_cors
    for path in ("/api/push/key", "/files/x.png", "/api/health"):
        evil = client.get(path, headers={"Origin": "https://evil.example", "Cookie": "msg_session=x"})
        assert "access-control-allow-origin" not in evil.headers, path
        assert "access-control-allow-credentials" not in evil.headers or \
            evil.headers.get("access-control-allow-origin") is None
        ours = client.get(path, headers={"Origin": "https://chat.example.com", "Cookie": "msg_session=x"})
        assert ours.headers["access-control-allow-origin"] == "https://chat.example.com"
        assert ours.headers["access-control-allow-credentials"] == "true"
    crm = client.get("/api/health", headers={"Origin": "https://crm.example.com"})
    assert crm.headers["access-control-allow-origin"] == "https://crm.example.com"
    pre = client.options("/api/push/subscribe", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 400 and "access-control-allow-origin" not in pre.headers


def test_frames_widget_anywhere_by_default_app_only_on_itself(app_with_reflex_cors):
    client = app_with_reflex_cors
    assert client.get("/api/health").headers["content-security-policy"] == "frame-ancestors 'self'"
    assert frame_policy.policy_for("/widget") == "frame-ancestors *"
    assert frame_policy.policy_for("/") == "frame-ancestors 'self'"
    assert frame_policy.policy_for("/widgetevil") == "frame-ancestors 'self'"


def test_widget_embed_origins_are_configurable(data_dir, monkeypatch):
    monkeypatch.setenv("WIDGET_ORIGINS", "https://shop.example, https://blog.example")
    settings.reset()
    assert frame_policy.policy_for("/widget/") == \
        "frame-ancestors 'self' https://shop.example https://blog.example"
    async def page(request):
        return HTMLResponse("<html></html>")

    served = Starlette(routes=[Route("/widget", page)])

    with TestClient(frame_policy.middleware(served)) as client:
        csp = client.get("/widget").headers["content-security-policy"]
    assert csp == "frame-ancestors 'self' https://shop.example https://blog.example"
