"""A scenario built in the editor runs for website visitors (B1, issue 12 "done when"): it is
attached as the widget's first-message scenario, and visitors walk it — a button, a typed
answer, an invalid answer asked again, the "no answer within" exit (a scenario minute is 8 s
in this app) — while the operator's tab shows the answers in the card's variables and the
hand-over moving the dialog into "With operator", live.

Its own app (BOT_MINUTE_SECONDS): run after the session app's modules (files run in name order)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (goto, login, open_widget, start_app, stop_session_app, unique,
                                widget_say)
from tests.e2e.crm_helpers import add_crm_field, card_var, letters
from tests.e2e.test_accessibility import SIZES
from tests.e2e.test_scenarios import add_step, build_scenario, point_exit, select_step, type_into

BOT_WAIT_MS = 20000  # debounce, a worker's turn, the live push; C: the 8 s "minute"


@pytest.fixture(scope="module")
def bot_app(tmp_path_factory, fake_tg):
    stop_session_app()
    inst = start_app(tmp_path_factory.mktemp("e2e-bot"), fake_tg.url,
                     {"BOT_MINUTE_SECONDS": "8", "BOT_DEBOUNCE_SECONDS": "0.3"})
    try:
        yield inst
    finally:
        inst.stop()


@pytest.fixture(scope="module")
def bot_browser(pw, bot_app):
    b = pw.chromium.launch(executable_path="/usr/bin/chromium")
    try:
        yield b
    finally:
        b.close()


def _ctx(browser, app, **kw):
    ctx = browser.new_context(base_url=app.url, **kw)
    ctx.set_default_timeout(8000)
    return ctx


def folder_item(page, folder_id):
    return page.locator(f'[data-testid="folder-item"][data-id="{folder_id}"]')


def bot_said(visitor, text: str):
    return visitor.get_by_test_id("widget-message").filter(has_text=text)


def test_widget_visitors_walk_the_scenario_built_in_the_editor(bot_browser, bot_app):
    open_widget(_ctx(bot_browser, bot_app))  # the widget channel exists from its first visitor
    op_ctx = _ctx(bot_browser, bot_app, viewport=SIZES["desktop"])
    page = login(op_ctx)
    age_key = f"age_{letters()}"
    add_crm_field(page, "Age", age_key, "number")
    name = unique("Widget greeter")
    sid = build_scenario(page, name, age_key)
    # "no answer" gets its own message, then ends: v2 (a new version, from the keyboard)
    add_step(page, "send", "n6")
    type_into(page, "sc-text", "We will write to you later")
    point_exit(page, "next", "n5")
    select_step(page, "n3")
    point_exit(page, "timeout", "n6")
    page.get_by_test_id("sc-publish").click()
    expect(page.get_by_test_id("sc-notice")).to_contain_text("version 2")
    # the widget's first-message scenario
    page.get_by_test_id("sc-deselect").click()
    widget = page.get_by_role("checkbox", name="Website chat")
    widget.click()
    expect(widget).to_have_attribute("data-state", "checked")

    goto(page, "/")
    folder_item(page, "operator").click()
    expect(folder_item(page, "operator")).to_have_attribute("data-active", "true")

    # A: presses a button -> handed over, and the dialog shows up in "With operator" live
    a = open_widget(_ctx(bot_browser, bot_app, viewport={"width": 390, "height": 700}))
    hello_a = unique("Hi from A")
    widget_say(a, hello_a)
    question = bot_said(a, "Which city?")
    expect(question).to_have_count(1, timeout=BOT_WAIT_MS)
    choices = question.get_by_test_id("widget-choice")
    expect(choices).to_have_count(2)
    choices.filter(has_text="Moscow").click()
    expect(page.get_by_test_id("dialog-row")).to_have_count(1, timeout=BOT_WAIT_MS)

    # B: a typed answer, an invalid one asked again, a valid one; the card follows live
    folder_item(page, "all").click()
    b = open_widget(_ctx(bot_browser, bot_app, viewport={"width": 390, "height": 700}))
    hello_b = unique("Hi from B")
    widget_say(b, hello_b)
    expect(bot_said(b, "Which city?")).to_have_count(1, timeout=BOT_WAIT_MS)
    # (B answers within the 8 s "minute" of n3's "no answer within 1 min")
    widget_say(b, "Kazan")
    expect(bot_said(b, "How old are you?")).to_have_count(1, timeout=BOT_WAIT_MS)
    page.get_by_test_id("dialog-row").filter(
        has=page.get_by_test_id("dialog-row-preview").filter(has_text="How old are you?")).first.click()
    expect(page.get_by_test_id("card-tag1")).to_contain_text("Kazan")
    widget_say(b, "old enough")
    expect(bot_said(b, "Please type your age as a number")).to_have_count(1, timeout=BOT_WAIT_MS)
    widget_say(b, "42")
    expect(card_var(page, age_key)).to_contain_text("42", timeout=BOT_WAIT_MS)
    folder_item(page, "operator").click()
    expect(page.get_by_test_id("dialog-row")).to_have_count(2, timeout=BOT_WAIT_MS)

    # C: does not answer the second question -> the "no answer within" exit
    c = open_widget(_ctx(bot_browser, bot_app, viewport={"width": 390, "height": 700}))
    widget_say(c, unique("Hi from C"))
    expect(bot_said(c, "Which city?")).to_have_count(1, timeout=BOT_WAIT_MS)
    widget_say(c, "Tver")
    expect(bot_said(c, "How old are you?")).to_have_count(1, timeout=BOT_WAIT_MS)
    expect(bot_said(c, "We will write to you later")).to_have_count(1, timeout=BOT_WAIT_MS)
    expect(page.get_by_test_id("dialog-row")).to_have_count(2)  # not handed over

    # conversations handed over are still in progress: deleting the scenario is refused
    goto(page, "/scenarios")
    row = page.locator(f'[data-testid="scenario-row"][data-id="{sid}"]')
    expect(row.get_by_test_id("scenario-running")).to_contain_text("v2: 2")
    row.get_by_test_id("scenario-delete").click()
    page.get_by_test_id("scenario-delete-confirm").click()
    expect(page.get_by_test_id("scenario-error")).to_contain_text("still running")
    expect(row).to_have_count(1)
