"""The widget tells the visitor when a message could not be sent, keeps the text, and sends
it on the next try (assets/widget.js over POST /api/widget/messages)."""

from playwright.sync_api import expect

from tests.e2e.conftest import open_widget, row_with, unique

NOT_SENT = "Your message was not sent. Check your connection and try again."


def test_a_failed_send_is_shown_and_the_retry_goes_through(operator, new_context):
    visitor = open_widget(new_context())
    text = unique("Through a flaky network")
    visitor.route("**/api/widget/messages", lambda route: route.abort("connectionrefused"))
    box = visitor.get_by_test_id("widget-input")
    box.fill(text)
    box.press("Enter")
    notice = visitor.get_by_test_id("widget-send-failed")
    expect(notice).to_be_visible()
    expect(notice).to_have_text(NOT_SENT)
    expect(notice).to_have_attribute("role", "alert")
    expect(box).to_have_value(text)  # nothing lost: the visitor can press Send again
    expect(visitor.get_by_test_id("widget-message")).to_have_count(0)

    visitor.unroute("**/api/widget/messages")
    visitor.get_by_test_id("widget-send").click()
    expect(visitor.get_by_test_id("widget-message").filter(has_text=text)).to_have_count(1)
    expect(box).to_have_value("")
    expect(notice).to_be_hidden()
    expect(row_with(operator, text)).to_have_count(1)  # stored once, live in the inbox


def test_server_refusals_are_explained_in_the_visitors_language(new_context):
    ctx = new_context()
    visitor = open_widget(ctx)
    visitor.evaluate("localStorage.setItem('msg_lang', 'ru')")
    visitor.reload()
    expect(visitor.get_by_test_id("widget-input")).to_be_visible()
    visitor.route("**/api/widget/messages", lambda route: route.fulfill(
        status=429, content_type="application/json",
        body='{"error": "too many messages, please wait a minute", "code": "rate"}'))
    visitor.get_by_test_id("widget-input").fill("ещё одно")
    visitor.get_by_test_id("widget-send").click()
    expect(visitor.get_by_test_id("widget-send-failed")).to_have_text(
        "Слишком много сообщений — подождите минуту и попробуйте снова.")
    expect(visitor.get_by_test_id("widget-input")).to_have_value("ещё одно")
