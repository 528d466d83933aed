"""Keyboard only (WCAG 2.1.1, 2.4.3, 2.4.7): an operator signs in, opens a dialog from the list
with Tab / arrows / Enter, sends a message, edits the client's name and a CRM field, opens and
closes the message details and the filter builder with focus coming back to where it was.
Setup (a visitor's message, a CRM field) uses the usual helpers; the flows use only keys."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import (ADMIN_PASSWORD, ADMIN_USER, goto, hydrated_after, new_page,
                                open_widget, path_of_url, row_with, unique, widget_say)
from messenger_app.i18n.strings import RU
from tests.e2e.crm_helpers import add_crm_field, letters

MAX_TABS = 120


def focused(page, selector: str) -> bool:
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)",
                         selector)


def tab_to(page, selector: str, back: bool = False) -> None:
    """Press Tab (Shift+Tab) until the focused element matches `selector`."""
    for _ in range(MAX_TABS):
        if focused(page, selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    active = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"{selector} not reached with the keyboard; focus is on {active}")


def focus_ring(page) -> dict:
    """The focused element's outline (the visible focus indicator)."""
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor}; }""")


def test_the_main_flows_work_from_the_keyboard(new_context):
    visitor = open_widget(new_context())
    text = unique("Keyboard question")
    widget_say(visitor, text)

    ctx = new_context()
    setup = new_page(ctx)
    goto(setup, "/login")
    setup.get_by_test_id("login-username").fill(ADMIN_USER)
    setup.get_by_test_id("login-password").fill(ADMIN_PASSWORD)
    setup.get_by_test_id("login-submit").click()
    setup.wait_for_url(lambda u: path_of_url(u) == "/")
    key = f"city_{letters()}"
    add_crm_field(setup, "Home city", key, "text")
    setup.context.clear_cookies()  # signed out again: the test signs in by keyboard
    setup.close()

    page = new_page(new_context())
    goto(page, "/login")
    # sign in: the username has focus, Tab to the password, Enter submits
    assert focused(page, '[data-testid="login-username"]')
    page.keyboard.type(ADMIN_USER)
    page.keyboard.press("Tab")
    assert focused(page, '[data-testid="login-password"]')
    page.keyboard.type(ADMIN_PASSWORD)
    before = page._e2e_hydration.count
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: path_of_url(u) == "/")
    hydrated_after(page, before)
    did = row_with(page, text).get_attribute("data-id")

    # the list is one tab stop; arrows move through the rows; Enter opens one
    tab_to(page, '[data-testid="dialog-row"]')
    ring = focus_ring(page)
    assert ring["style"] == "solid" and ring["width"] >= 2, ring
    assert page.locator('[data-testid="dialog-row"][tabindex="0"]').count() == 1
    for _ in range(50):
        if focused(page, f'[data-testid="dialog-row"][data-id="{did}"]'):
            break
        page.keyboard.press("ArrowDown")
    assert focused(page, f'[data-testid="dialog-row"][data-id="{did}"]')
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("dialog-view")).to_be_visible()
    expect(page.locator(f'[data-testid="dialog-row"][data-id="{did}"]')).to_have_attribute(
        "aria-selected", "true")

    # the composer takes the focus; Enter sends
    expect(page.get_by_test_id("composer-input")).to_be_focused()
    answer = unique("Typed answer")
    page.keyboard.type(answer)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("message").filter(has_text=answer)).to_have_count(1)
    expect(visitor.get_by_test_id("widget-message").filter(has_text=answer)).to_have_count(1)

    # the client's name: Tab to it, Enter edits, type, Enter saves
    card = page.get_by_test_id("card")
    tab_to(page, '[data-testid="card-name"] [data-testid="card-edit-value"]')
    page.keyboard.press("Enter")
    expect(card.get_by_test_id("card-name-first")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("Keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("User")
    page.keyboard.press("Enter")
    expect(card.get_by_test_id("card-name").get_by_test_id("card-edit-value")).to_have_text(
        "Keyboard User")

    # a CRM field: Enter opens its editor, Tab to the save button, Enter saves
    var = f'[data-testid="card-var"][data-name="{key}"]'
    tab_to(page, f"{var} [data-testid=\"card-edit-value\"]")
    page.keyboard.press("Enter")
    expect(page.locator(f"{var} [data-testid=\"card-edit-input\"]")).to_be_focused()
    page.keyboard.type("Kazan")
    tab_to(page, f'{var} [data-testid="card-edit-save"]')
    page.keyboard.press("Enter")
    expect(page.locator(f'{var} [data-testid="card-edit-value"]')).to_have_text("Kazan")

    # the message details: Enter on a message's bottom line opens them, Esc closes them and
    # the focus is back on that line
    mid = page.get_by_test_id("message").filter(has_text=answer).get_attribute("data-id")
    meta = f'[data-testid="message"][data-id="{mid}"] [data-testid="message-meta"]'
    tab_to(page, meta, back=True)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("message-detail")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("message-detail")).to_have_count(0)
    expect(page.locator(meta)).to_be_focused()

    # the filter builder: the same for its button
    tab_to(page, '[data-testid="filter-open"]', back=True)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("filter-add-condition")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("filter-add-condition")).to_have_count(0)
    expect(page.get_by_test_id("filter-open")).to_be_focused()


def test_html_lang_follows_the_interface_language(new_context):
    page = new_page(new_context())
    goto(page, "/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("radio", name="RU").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    # the visible label names the input (a <label>): in Russian now
    expect(page.get_by_label(RU["username"], exact=True)).to_have_attribute(
        "data-testid", "login-username")
    page.get_by_role("radio", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
