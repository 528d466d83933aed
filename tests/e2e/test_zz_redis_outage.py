"""Redis stops for a while under a running app (two backend processes, REDIS_URL): the
website widget's messages are still stored, /api/health says Redis is degraded, and once Redis
is back an operator tab that stayed open shows what arrived meanwhile and is live again.
This Redis keeps nothing on disk, so it comes back without the tabs' Reflex state: the tab's
listener finds its state blank and reloads the page (states/live.py RELOAD).

Named test_zz_* so it runs last: it stops the session app (one build folder) first."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, login, row_with, start_app, stop_session_app, unique
from tests.services import RedisServer

LATE_MS = 40000  # Redis back -> the tab resubscribed and refreshed (backoff up to 5 s)


@pytest.fixture(scope="module")
def outage_app(tmp_path_factory, fake_tg):
    stop_session_app()
    tmp = tmp_path_factory.mktemp("e2e-redis-outage")
    redis = RedisServer(tmp)
    inst = start_app(tmp, fake_tg.url, {"REDIS_URL": redis.url, "GRANIAN_WORKERS": "2"})
    inst.redis = redis
    try:
        yield inst
    finally:
        inst.stop()
        redis.stop()


def _post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _health(url: str) -> dict:
    try:
        with urllib.request.urlopen(url + "/api/health", timeout=20) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


def _other_process_says(app, text: str) -> None:
    env = dict(os.environ, DATA_DIR=str(app.data_dir), REDIS_URL=app.redis.url,
               RUN_WORKERS="0", PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL", None)
    code = ("from messenger_app.services import widget; "
            f"widget.send(widget.new_visitor(), {text!r}, name='Other Host')")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_tabs_catch_up_after_a_redis_outage(outage_app, browser):
    app = outage_app
    ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
    try:
        operator = login(ctx)
        before = unique("Before the outage")
        _other_process_says(app, before)
        expect(row_with(operator, before)).to_have_count(1)

        app.redis.stop()
        during = unique("During the outage")
        status, body = _post(app.url + "/api/widget/messages",
                             {"visitor": "outage-visitor-" + "x" * 10, "text": during})
        assert status == 200 and body["ok"], body
        health = _health(app.url)
        assert health["db"] == "ok" and health["redis"] == "degraded", health

        app.redis.start()
        expect(row_with(operator, during)).to_have_count(1, timeout=LATE_MS)
        after = unique("After the outage")
        _other_process_says(app, after)
        expect(row_with(operator, after)).to_have_count(1)
        assert _health(app.url)["redis"] == "ok"
    finally:
        ctx.close()
    log = app.log_path.read_text(errors="replace")
    # was ~100 per instance: a traceback per failed publish, per reconnect, per presence call
    assert log.count("Traceback") < 3, log[-4000:]
    assert log.count("redis publish failed") <= 2  # once per outage and process
