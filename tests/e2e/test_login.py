"""X1: operators sign in; the inbox is closed to everyone else."""

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USER, goto, hydrated_after, new_page, path_of, path_of_url


def test_inbox_redirects_to_login_without_session(new_context):
    page = new_page(new_context())
    page.goto("/")
    page.wait_for_url(lambda u: path_of_url(u) == "/login")
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    expect(page.get_by_test_id("dialog-list")).to_have_count(0)


def test_wrong_password_then_right_password_then_logout(new_context):
    ctx = new_context()
    page = new_page(ctx)
    goto(page, "/login")

    page.get_by_test_id("login-username").fill(ADMIN_USER)
    page.get_by_test_id("login-password").fill(ADMIN_PASSWORD + "-wrong")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    assert path_of(page) == "/login"
    expect(page.get_by_test_id("dialog-list")).to_have_count(0)
    assert not [c for c in ctx.cookies() if c["name"] == "msg_session" and c["value"]]

    page.get_by_test_id("login-username").fill(ADMIN_USER)
    page.get_by_test_id("login-password").fill(ADMIN_PASSWORD)
    before = page._e2e_hydration.count
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda u: path_of_url(u) == "/")
    hydrated_after(page, before)
    expect(page.get_by_test_id("dialog-list")).to_be_visible()
    expect(page.get_by_test_id("logout")).to_be_visible()

    # a reload keeps the session (cookie), the inbox stays
    goto(page, "/")
    assert path_of(page) == "/"
    expect(page.get_by_test_id("dialog-list")).to_be_visible()

    page.get_by_test_id("logout").click()
    page.wait_for_url(lambda u: path_of_url(u) == "/login")
    expect(page.get_by_test_id("login-submit")).to_be_visible()

    page.goto("/")
    page.wait_for_url(lambda u: path_of_url(u) == "/login")
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    expect(page.get_by_test_id("dialog-list")).to_have_count(0)


def test_settings_page_requires_login(new_context):
    page = new_page(new_context())
    page.goto("/settings")
    page.wait_for_url(lambda u: path_of_url(u) == "/login")
    expect(page.get_by_test_id("channel-field-token")).to_have_count(0)
