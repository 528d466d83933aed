"""Telegram end to end against the fake Bot API: connect on /settings, inbound with name and
avatar, reply; stored avatars are for operators only."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TG_TOKEN, goto, login, new_page, unique
from tests.e2e.waits import until
from tests.fake_fixtures import control

TG_USER_ID = 777000111


def _telegram_rows(page):
    # the fake's bot (another module may connect a second Telegram bot of its own)
    return page.get_by_test_id("channel-row").filter(has=page.locator('[data-channel="telegram"]')).filter(has_text="fake_bot")


@pytest.fixture(scope="module")
def tg_dialog(browser, app, fake_tg):
    """Connects the bot on /settings, lets a Telegram user (with a profile photo) write, and
    returns what the operator's list shows for them."""
    ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
    ctx.set_default_timeout(8000)
    try:
        admin = login(ctx)
        goto(admin, "/settings")
        expect(admin.get_by_test_id("channel-connect")).to_be_visible()
        if _telegram_rows(admin).count() == 0:  # another module may have connected it
            admin.get_by_test_id("channel-kind-telegram").click()
            admin.get_by_test_id("channel-field-token").fill(TG_TOKEN)
            admin.get_by_test_id("channel-field-base_url").fill(fake_tg.url)
            admin.get_by_test_id("channel-connect").click()
        expect(_telegram_rows(admin)).to_have_count(1)
        expect(admin.get_by_test_id("settings-error")).to_have_count(0)
        # the bot is polled: the fake sees getUpdates soon after
        until(lambda: control(fake_tg, "stats").get("getUpdates"), timeout=10,
              what="the app polling the connected bot")

        inbox = new_page(ctx)
        goto(inbox, "/")
        first, last = "Ivan", unique("Petrov").replace(" ", "")
        text = unique("Hi from Telegram")
        control(fake_tg, "user_message", {"user_id": TG_USER_ID, "first_name": first,
                                          "last_name": last, "text": text,
                                          "with_photo": True})
        name = f"{first} {last}"
        row = inbox.get_by_test_id("dialog-row").filter(
            has=inbox.get_by_test_id("dialog-row-name").filter(has_text=last))
        expect(row).to_have_count(1)
        img = row.get_by_test_id("dialog-row-avatar").locator("img")
        expect(img).to_have_attribute("src", re.compile(r"^/files/avatars/[^/]+\.png$"),
                                      timeout=10000)
        yield {"name": name, "text": text, "avatar": img.get_attribute("src"),
               "dialog_id": row.get_attribute("data-id")}
    finally:
        ctx.close()


def test_telegram_inbound_shows_name_icon_avatar_and_reply_is_sent(tg_dialog, operator, fake_tg):
    row = operator.get_by_test_id("dialog-row").filter(
        has=operator.get_by_test_id("dialog-row-name").filter(has_text=tg_dialog["name"]))
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("dialog-row-name")).to_have_text(tg_dialog["name"])
    expect(row.get_by_test_id("dialog-row-preview")).to_have_text(tg_dialog["text"])
    icon = row.get_by_test_id("dialog-row-channel")
    expect(icon).to_have_attribute("data-channel", "telegram")
    expect(icon).to_have_attribute("alt", "telegram")
    img = row.get_by_test_id("dialog-row-avatar").locator("img")
    expect(img).to_have_attribute("src", tg_dialog["avatar"])
    # the picture really loaded in the page (the browser sent the session cookie)
    operator.wait_for_function("e => e.complete && e.naturalWidth > 0", arg=img.element_handle())
    # ... and fetching it with the operator's cookies works
    resp = operator.context.request.get(tg_dialog["avatar"])
    assert resp.status == 200, resp.status
    assert resp.headers["content-type"] == "image/png"
    assert resp.body()[:8] == b"\x89PNG\r\n\x1a\n"

    row.click()
    view = operator.get_by_test_id("dialog-view")
    expect(view.get_by_test_id("message").filter(has_text=tg_dialog["text"])).to_have_count(1)
    incoming = view.get_by_test_id("message").filter(has_text=tg_dialog["text"])
    expect(incoming.get_by_test_id("message-channel")).to_have_attribute("data-channel", "telegram")

    answer = unique("Hello Ivan, how can we help")
    box = operator.get_by_test_id("composer-input")
    box.fill(answer)
    box.press("Enter")
    mine = view.get_by_test_id("message").filter(has_text=answer)
    expect(mine.get_by_test_id("message-status")).to_have_attribute("data-status", "sent")
    expect(mine.get_by_test_id("message-channel")).to_have_attribute("data-channel", "telegram")
    sent = [m for m in control(fake_tg, "sent") if m["text"] == answer]
    assert len(sent) == 1, control(fake_tg, "sent")
    assert sent[0]["chat_id"] == TG_USER_ID


def test_second_telegram_message_updates_the_same_row_live(tg_dialog, operator, fake_tg):
    rows = operator.get_by_test_id("dialog-row")
    row = rows.filter(has=operator.get_by_test_id("dialog-row-name").filter(has_text=tg_dialog["name"]))
    expect(row).to_have_count(1)
    text = unique("One more from Telegram")
    control(fake_tg, "user_message", {"user_id": TG_USER_ID, "text": text,
                                      "first_name": tg_dialog["name"].split()[0],
                                      "last_name": tg_dialog["name"].split()[1]})
    expect(rows.first.get_by_test_id("dialog-row-preview")).to_have_text(text)
    expect(rows.first).to_have_attribute("data-id", tg_dialog["dialog_id"])
    expect(row).to_have_count(1)


def test_stored_avatar_requires_login(tg_dialog, playwright_request_factory):
    anon = playwright_request_factory()
    resp = anon.get(tg_dialog["avatar"])
    assert resp.status == 401, resp.status
    assert b"PNG" not in resp.body()
    # a made-up session cookie does not help either
    forged = playwright_request_factory(extra_http_headers={"Cookie": "msg_session=forged-token-123"})
    assert forged.get(tg_dialog["avatar"]).status == 401
    # and no path tricks reach outside the files folder
    assert anon.get("/files/../messenger.db").status in (401, 404)
