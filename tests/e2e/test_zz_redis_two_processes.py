"""X2 across processes: the app runs with REDIS_URL (Redis state manager + Redis event bus);
a SECOND process — standing in for another backend worker or host that received a webhook —
stores a message through the services, and the operator's tab shows it live.

Named test_zz_* so it runs last: it stops the session app (one build folder) first."""

import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (ROOT, hydrated_after, login, row_with, start_app,
                                stop_session_app, unique)
from tests.services import RedisServer


@pytest.fixture(scope="module")
def redis_app(tmp_path_factory, fake_tg):
    stop_session_app()
    tmp = tmp_path_factory.mktemp("e2e-redis")
    redis = RedisServer(tmp)
    inst = start_app(tmp, fake_tg.url, {"REDIS_URL": redis.url})
    inst.redis_url = redis.url
    try:
        yield inst
    finally:
        inst.stop()
        redis.stop()


def _other_process(app, code: str) -> str:
    env = dict(os.environ, DATA_DIR=str(app.data_dir), REDIS_URL=app.redis_url,
               RUN_WORKERS="0", PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_message_stored_by_another_process_appears_live(redis_app, browser):
    ctx = browser.new_context(base_url=redis_app.url, viewport={"width": 1366, "height": 768})
    try:
        operator = login(ctx)
        text = unique("Via another worker")
        _other_process(redis_app, (
            "from messenger_app.services import widget; "
            f"widget.send(widget.new_visitor(), {text!r}, name='Remote Visitor')"))
        row = row_with(operator, text)
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("dialog-row-name")).to_have_text("Remote Visitor")
        expect(row.get_by_test_id("dialog-row-unread")).to_have_text("1")

        # and the other way: reading it in the tab is seen by the other process's bus
        row.click()
        expect(row.get_by_test_id("dialog-row-unread")).to_have_count(0)
        unread = _other_process(redis_app, (
            "from messenger_app.services import dialogs; print(dialogs.unread_dialogs())"))
        assert unread == "0"
    finally:
        ctx.close()


def test_state_survives_in_redis_across_reload(redis_app, browser):
    """The Redis state manager keeps a tab's state: a reload shows the same open dialog list."""
    text = unique("Kept across reload")  # its own dialog: not one another test left behind
    _other_process(redis_app, (
        "from messenger_app.services import widget; "
        f"widget.send(widget.new_visitor(), {text!r}, name='Reload Visitor')"))
    ctx = browser.new_context(base_url=redis_app.url)
    try:
        page = login(ctx)
        expect(row_with(page, text)).to_have_count(1)
        before = page._e2e_hydration.count
        page.reload()
        hydrated_after(page, before)
        expect(row_with(page, text)).to_have_count(1)
    finally:
        ctx.close()
