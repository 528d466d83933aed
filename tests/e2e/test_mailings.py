"""/mailings in a real browser (B2): from a filter in the dialog list to a sent mailing, with
the blacklisted client skipped in the preview and the report clicking through to that client;
axe-clean at 1366x768 and 390x844."""

import json
import re
import urllib.request

from playwright.sync_api import expect

from messenger_app.services import filters
from tests.e2e.conftest import TG_TOKEN, goto, login, new_page
from tests.e2e.crm_helpers import letters, new_client
from tests.e2e.test_accessibility import SIZES, axe_violations

MAIL_USER_ID = 777000333


def _fake(fake_tg, path: str, body: dict | None = None):
    req = urllib.request.Request(fake_tg.url + path, method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def _connect_telegram(page, fake_tg) -> None:
    goto(page, "/settings")
    expect(page.get_by_test_id("channel-connect")).to_be_visible()
    rows = page.get_by_test_id("channel-row").filter(
        has=page.locator('[data-channel="telegram"]')).filter(has_text="fake_bot")
    if rows.count() == 0:  # another module may have connected it
        page.get_by_test_id("channel-kind-telegram").click()
        page.get_by_test_id("channel-field-token").fill(TG_TOKEN)
        page.get_by_test_id("channel-field-base_url").fill(fake_tg.url)
        page.get_by_test_id("channel-connect").click()
    expect(rows).to_have_count(1)


def test_a_mailing_from_a_filter_skips_the_blacklisted_and_reports(browser, app, fake_tg):
    ctx = browser.new_context(base_url=app.url, viewport=SIZES["desktop"])
    ctx.set_default_timeout(10000)
    try:
        page = login(ctx)
        _connect_telegram(page, fake_tg)
        family = "Mail" + letters()
        # a Telegram client who wrote, and a client made by hand who is blacklisted
        _fake(fake_tg, "/_fake/user_message", {"user_id": MAIL_USER_ID, "first_name": "Tanya",
                                               "last_name": family, "text": "hello shop"})
        goto(page, "/")
        expect(page.get_by_test_id("dialog-row-name").filter(has_text=family)).to_have_count(1,
                                                                                         timeout=40000)
        new_client(page, "+7 (999) 555-01-02", "Boris", family)
        page.get_by_test_id("card-blacklist").click()
        expect(page.get_by_test_id("card-blacklist")).to_have_attribute("data-blacklisted", "true")

        # the dialog list filtered by name -> "Send a mailing to these 2 clients"
        url = filters.to_url({"join": "and", "conditions": [
            {"field": "name", "op": "contains", "value": family}]})
        goto(page, f"/?f={url}")
        expect(page.get_by_test_id("dialog-row")).to_have_count(2)
        mail = page.get_by_test_id("mail-these")
        expect(mail).to_contain_text("2")
        mail.click()
        page.wait_for_url(re.compile(r"/mailings\?f="))
        expect(page.get_by_test_id("mailing-audience")).to_contain_text(family)
        expect(page.get_by_test_id("preview-send")).to_contain_text("1")
        skip = page.locator('[data-testid="preview-skip"][data-reason="blacklisted"]')
        expect(skip).to_contain_text("1")
        expect(page.get_by_test_id("preview-sample")).to_contain_text("Tanya")
        assert not axe_violations(page)

        text = f"Spring sale for {family}"
        page.get_by_test_id("mailing-name").fill(f"Sale {family}")
        page.get_by_test_id("mailing-text").fill("Hi {first_name}! " + text)
        page.get_by_test_id("mailing-send").click()
        page.wait_for_url(re.compile(r"/mailings\?id=\d+"))
        expect(page.get_by_test_id("mailing-progress")).to_have_attribute("data-finished", "1",
                                                                          timeout=20000)
        expect(page.get_by_test_id("mailing-status")).to_have_attribute("data-status", "done")
        sent = [m for m in _fake(fake_tg, "/_fake/sent") if text in (m.get("text") or "")]
        assert [(m["chat_id"], m["text"]) for m in sent] == [(MAIL_USER_ID, f"Hi Tanya! {text}")]
        expect(page.get_by_test_id("report-sent")).to_have_text("1")
        assert not axe_violations(page)

        page.get_by_test_id("report-skipped-blacklisted").click()
        page.wait_for_url(lambda u: "/mailings" not in u and "f=" in u)
        rows = page.get_by_test_id("dialog-row")
        expect(rows).to_have_count(1)
        expect(rows.get_by_test_id("dialog-row-name")).to_contain_text("Boris")

        # the mailing's message shows in the client's dialog, marked with the mailing's name
        goto(page, "/mailings")
        row = page.get_by_test_id("mailing-row").filter(has_text=f"Sale {family}")
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("mailing-row-progress")).to_have_attribute("data-finished", "1")
        assert not axe_violations(page)

        phone = new_page(browser.new_context(base_url=app.url, viewport=SIZES["phone"],
                                             is_mobile=True, has_touch=True,
                                             storage_state=ctx.storage_state()))
        goto(phone, "/mailings")
        expect(phone.get_by_test_id("mailing-row").first).to_be_visible()
        assert not axe_violations(phone)
        phone.get_by_test_id("mailing-new").click()
        expect(phone.get_by_test_id("mailing-preview")).to_be_visible()
        assert not axe_violations(phone)
        phone.context.close()
    finally:
        ctx.close()


def test_a_scheduled_mailing_can_be_edited_then_cancelled(operator):
    goto(operator, "/mailings?new=1")
    name = "Later " + letters()
    operator.get_by_test_id("mailing-name").fill(name)
    operator.get_by_test_id("mailing-text").fill("See you tomorrow")
    operator.get_by_test_id("when-at").click()  # a controlled radio: checked once the state says so
    expect(operator.get_by_test_id("when-at")).to_be_checked()
    operator.get_by_test_id("mailing-at").fill("2099-01-02T10:30")
    operator.get_by_test_id("mailing-send").click()
    operator.wait_for_url(re.compile(r"/mailings\?id=\d+"))
    status = operator.get_by_test_id("mailing-status")
    expect(status).to_have_attribute("data-status", "scheduled")
    operator.get_by_test_id("mailing-edit").click()
    operator.wait_for_url(re.compile(r"/mailings\?edit=\d+"))
    expect(operator.get_by_test_id("mailing-name")).to_have_value(name)
    expect(operator.get_by_test_id("mailing-at")).to_have_value("2099-01-02T10:30")
    operator.get_by_test_id("mailing-name").fill(name + " (moved)")
    operator.get_by_test_id("mailing-send").click()
    operator.wait_for_url(re.compile(r"/mailings\?id=\d+"))
    expect(operator.get_by_test_id("mailing-name-shown")).to_have_text(name + " (moved)")
    expect(status).to_have_attribute("data-status", "scheduled")
    operator.get_by_test_id("mailing-cancel").click()
    expect(status).to_have_attribute("data-status", "cancelled")
    expect(operator.get_by_test_id("mailing-edit")).to_have_count(0)
