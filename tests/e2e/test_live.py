"""X2 live updates between the website widget and operator tabs, C8 composer keys."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import goto, login, open_widget, row_by_id, row_with, unique, widget_say


def test_widget_message_appears_live_at_top_with_unread(operator, new_context):
    # the operator tab is open and loaded BEFORE the visitor writes: only a live update
    # (no reload) can show the new dialog
    visitor = open_widget(new_context())
    text = unique("Hello from the site")
    widget_say(visitor, text)

    top = operator.get_by_test_id("dialog-row").first
    expect(top.get_by_test_id("dialog-row-preview")).to_have_text(text)
    expect(top.get_by_test_id("dialog-row-unread")).to_have_text("1")
    expect(top.get_by_test_id("dialog-row-channel")).to_have_attribute("data-channel", "widget")

    second = unique("And one more")
    widget_say(visitor, second)
    expect(top.get_by_test_id("dialog-row-preview")).to_have_text(second)
    expect(top.get_by_test_id("dialog-row-unread")).to_have_text("2")
    expect(row_with(operator, second)).to_have_count(1)  # updated in place, not duplicated


def test_operator_reply_reaches_visitor_live(operator, new_context):
    visitor_ctx = new_context(viewport={"width": 390, "height": 700})
    visitor = open_widget(visitor_ctx)
    question = unique("Do you deliver")
    widget_say(visitor, question)

    found = row_with(operator, question)
    expect(found.get_by_test_id("dialog-row-unread")).to_have_text("1")
    row = row_by_id(operator, found.get_attribute("data-id"))  # stays the same when the preview changes
    row.click()
    view = operator.get_by_test_id("dialog-view")
    expect(view).to_be_visible()
    expect(row.get_by_test_id("dialog-row-unread")).to_have_count(0)
    expect(row).to_have_attribute("data-active", "true")
    expect(view.get_by_test_id("message").filter(has_text=question)).to_have_attribute("data-dir", "in")

    answer = unique("Yes, every day")
    box = operator.get_by_test_id("composer-input")
    box.fill(answer)
    box.press("Enter")
    mine = view.get_by_test_id("message").filter(has_text=answer)
    expect(mine).to_have_count(1)
    expect(mine).to_have_attribute("data-dir", "out")
    expect(mine.get_by_test_id("message-status")).to_have_attribute("data-status", "sent")
    expect(box).to_have_value("")  # the composer is cleared after sending
    expect(row.get_by_test_id("dialog-row-preview")).to_contain_text(answer)

    # the visitor sees the answer without reloading
    got = visitor.get_by_test_id("widget-message").filter(has_text=answer)
    expect(got).to_have_count(1)
    expect(got).to_have_attribute("data-dir", "out")
    own = visitor.get_by_test_id("widget-message").filter(has_text=question)
    expect(own).to_have_attribute("data-dir", "in")

    # the visitor's identity lives in the browser: a reload shows the same history, in order
    goto(visitor, "/widget")
    msgs = visitor.get_by_test_id("widget-message")
    expect(msgs).to_have_count(2)
    expect(msgs.nth(0)).to_contain_text(question)
    expect(msgs.nth(1)).to_contain_text(answer)

    # ... and another browser (another visitor) sees none of it
    stranger = open_widget(new_context())
    expect(stranger.get_by_test_id("widget-message")).to_have_count(0)


def test_two_operator_tabs_stay_in_sync(new_context):
    tab_a = login(new_context())
    tab_b = login(new_context())
    visitor = open_widget(new_context())
    text = unique("Two tabs")
    widget_say(visitor, text)

    for tab in (tab_a, tab_b):
        top = tab.get_by_test_id("dialog-row").first
        expect(top.get_by_test_id("dialog-row-preview")).to_have_text(text)
        expect(top.get_by_test_id("dialog-row-unread")).to_have_text("1")

    more = unique("Still two tabs")
    widget_say(visitor, more)
    for tab in (tab_a, tab_b):
        row = row_with(tab, more)
        expect(row.get_by_test_id("dialog-row-unread")).to_have_text("2")
        expect(tab.get_by_test_id("dialog-row").first).to_have_attribute(
            "data-id", row.get_attribute("data-id"))

    did = row_with(tab_a, more).get_attribute("data-id")
    row_by_id(tab_a, did).click()
    expect(tab_a.get_by_test_id("dialog-view")).to_be_visible()
    expect(row_by_id(tab_a, did).get_by_test_id("dialog-row-unread")).to_have_count(0)
    expect(row_by_id(tab_b, did).get_by_test_id("dialog-row-unread")).to_have_count(0)
    expect(row_by_id(tab_b, did)).to_have_count(1)

    # an operator's reply in tab A shows in tab B's list too
    reply = unique("Answer from A")
    tab_a.get_by_test_id("composer-input").fill(reply)
    tab_a.get_by_test_id("composer-input").press("Enter")
    expect(row_by_id(tab_b, did).get_by_test_id("dialog-row-preview")).to_contain_text(reply)


def test_composer_keys_enter_sends_shift_ctrl_enter_newline(operator, new_context):
    visitor = open_widget(new_context())
    hello = unique("Keys test")
    widget_say(visitor, hello)
    row_by_id(operator, row_with(operator, hello).get_attribute("data-id")).click()
    view = operator.get_by_test_id("dialog-view")
    expect(view.get_by_test_id("message")).to_have_count(1)

    first, second, third = unique("first line"), unique("second line"), unique("third line")
    box = operator.get_by_test_id("composer-input")
    box.click()
    box.press_sequentially(first)
    box.press("Shift+Enter")
    box.press_sequentially(second)
    box.press("Control+Enter")
    box.press_sequentially(third)
    expect(box).to_have_value(f"{first}\n{second}\n{third}")
    # Proving a negative ("Shift+Enter and Ctrl+Enter send nothing"): no event says that a
    # message was not sent, so a wrong send is given 0.7 s to show up.
    operator.wait_for_timeout(700)
    expect(view.get_by_test_id("message")).to_have_count(1)

    box.press("Enter")
    expect(view.get_by_test_id("message")).to_have_count(2)
    sent = view.get_by_test_id("message").last
    expect(sent).to_have_attribute("data-dir", "out")
    expect(sent.get_by_test_id("message-text")).to_have_text(f"{first}\n{second}\n{third}")
    # the line breaks are shown as line breaks, not run together
    assert re.fullmatch(r"pre(-wrap|-line)?|break-spaces",
                        sent.get_by_test_id("message-text").evaluate(
                            "e => getComputedStyle(e).whiteSpace")), "message-text collapses newlines"
    lines = sent.get_by_test_id("message-text").evaluate("e => e.innerText")
    assert lines.split("\n") == [first, second, third]
    expect(box).to_have_value("")

    # the visitor gets the same three lines
    got = visitor.get_by_test_id("widget-message").filter(has_text=third)
    expect(got).to_have_count(1)
    assert got.evaluate("e => e.innerText").startswith(f"{first}\n{second}\n{third}")
