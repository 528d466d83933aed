"""/mailings in a real browser (B2), on an app of its own (a fresh database and Telegram
channel: in the shared app other modules' channels and clients got in the way): from a filter
in the dialog list to a sent mailing, the blacklisted client skipped in the preview and the
report clicking through to that client; axe-clean at 1366x768 and 390x844."""

import re

import pytest
from playwright.sync_api import expect

from messenger_app.services import filters
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, goto, login, new_page, start_app, stop_session_app
from tests.e2e.crm_helpers import letters, new_client
from tests.e2e.test_accessibility import SIZES, axe_violations
from tests.e2e.test_mailings import MAIL_USER_ID, _connect_telegram
from tests.fake_fixtures import control


@pytest.fixture(scope="module")
def mail_app(tmp_path_factory, fake_tg):
    stop_session_app()
    inst = start_app(tmp_path_factory.mktemp("e2e-mailing"), fake_tg.url)
    try:
        yield inst
    finally:
        inst.stop()


@pytest.fixture(scope="module")
def mail_browser(pw, mail_app):
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


def test_a_mailing_from_a_filter_skips_the_blacklisted_and_reports(mail_browser, mail_app, fake_tg):
    browser, app = mail_browser, mail_app
    ctx = browser.new_context(base_url=app.url, viewport=SIZES["desktop"])
    ctx.set_default_timeout(10000)
    try:
        page = login(ctx)
        _connect_telegram(page, fake_tg)
        family = "Mail" + letters()
        # a Telegram client who wrote, and a client made by hand who is blacklisted
        control(fake_tg, "user_message", {"user_id": MAIL_USER_ID, "first_name": "Tanya",
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
        sent = [m for m in control(fake_tg, "sent") if text in (m.get("text") or "")]
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
