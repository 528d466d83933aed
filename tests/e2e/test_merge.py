"""X7 in the browser: merge two clients from the card into one thread, then undo it."""

from playwright.sync_api import expect

from tests.e2e.conftest import open_widget, row_with, unique, widget_say


def test_merge_two_clients_and_undo(operator, new_context):
    a_text, b_text = unique("I am Anna on the site"), unique("Anna again, other browser")
    widget_say(open_widget(new_context()), a_text)
    widget_say(open_widget(new_context()), b_text)
    row_a, row_b = row_with(operator, a_text), row_with(operator, b_text)
    expect(row_a).to_have_count(1)
    expect(row_b).to_have_count(1)
    b_name = row_b.get_by_test_id("dialog-row-name").inner_text()

    row_a.click()
    view = operator.get_by_test_id("dialog-view")
    expect(view.get_by_test_id("message").filter(has_text=a_text)).to_have_count(1)
    operator.get_by_test_id("merge-open").click()
    operator.get_by_test_id("merge-search").fill(b_name)
    candidate = operator.get_by_test_id("merge-candidate").filter(has_text=b_name)
    expect(candidate).to_have_count(1)
    candidate.get_by_test_id("merge-candidate-merge").click()
    operator.get_by_test_id("merge-confirm").click()

    # one thread with both histories; the other row is gone
    expect(view.get_by_test_id("message").filter(has_text=b_text)).to_have_count(1)
    expect(view.get_by_test_id("message").filter(has_text=a_text)).to_have_count(1)
    expect(operator.get_by_test_id("dialog-row").filter(
        has=operator.get_by_test_id("dialog-row-name").filter(has_text=b_name))).to_have_count(0)

    operator.get_by_test_id("merge-undo").click()
    expect(view.get_by_test_id("message").filter(has_text=b_text)).to_have_count(0)
    expect(row_with(operator, b_text)).to_have_count(1)
