"""/mailings in a real browser (B2): from a filter in the dialog list to a sent mailing, with
the blacklisted client skipped in the preview and the report clicking through to that client;
axe-clean at 1366x768 and 390x844."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import TG_TOKEN, goto
from tests.e2e.crm_helpers import letters

MAIL_USER_ID = 777000333


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
