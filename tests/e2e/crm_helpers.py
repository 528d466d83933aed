"""Browser helpers for the client card, /contacts and /crm tests (data-testid only)."""

from __future__ import annotations

import random
import uuid
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.e2e.conftest import goto, hydrated_after, path_of_url


def letters(n: int = 6) -> str:
    """A random suffix without digits (digits in a search box mean a phone search)."""
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:n])


def fresh_phone() -> tuple[str, str]:
    """(as typed, E.164) of a valid Russian mobile number nobody has yet (very likely)."""
    n = random.randint(0, 9_999_999)
    a, b, c = n // 10_000, n // 100 % 100, n % 100
    return f"+7 (999) {a:03d}-{b:02d}-{c:02d}", f"+7999{a:03d}{b:02d}{c:02d}"


def new_client(page, phone: str, first: str = "", last: str = "") -> str:
    """Create a client on /contacts ("New client"); returns the id of the dialog it opens."""
    goto(page, "/contacts")
    page.get_by_test_id("contacts-new-open").click()
    page.get_by_test_id("contacts-new-phone").fill(phone)
    page.get_by_test_id("contacts-new-first").fill(first)
    page.get_by_test_id("contacts-new-last").fill(last)
    before = page._e2e_hydration.count
    page.get_by_test_id("contacts-new-submit").click()
    page.wait_for_url(lambda u: path_of_url(u) == "/" and "dialog=" in u)
    hydrated_after(page, before)
    expect(page.get_by_test_id("card")).to_be_visible()
    return parse_qs(urlsplit(page.url).query)["dialog"][0]


def open_client(page, dialog_id: str) -> None:
    goto(page, f"/?dialog={dialog_id}")
    expect(page.get_by_test_id("card")).to_be_visible()


def card_var(page, key: str):
    return page.get_by_test_id("card").locator(f'[data-testid="card-var"][data-name="{key}"]')


def add_crm_field(page, label: str, key: str, ftype: str, options: list[str] | None = None):
    """On /crm (admin): add a field of `ftype` and wait until it is listed."""
    if path_of_url(page.url) != "/crm":
        goto(page, "/crm")
    page.get_by_test_id("crm-new-label").fill(label)
    page.get_by_test_id("crm-new-key").fill(key)
    page.get_by_test_id("crm-new-type").click()
    page.locator(f'[data-testid="crm-type-option"][data-value="{ftype}"]').click()
    if options:
        page.get_by_test_id("crm-new-options").fill("\n".join(options))
    page.get_by_test_id("crm-new-submit").click()
    row = page.locator(f'[data-testid="crm-field-row"][data-key="{key}"]')
    try:
        expect(row).to_have_count(1)
    except AssertionError:
        errors = page.get_by_test_id("crm-error").all_inner_texts()
        page.screenshot(path="/tmp/crm-fail.png")
        raise AssertionError(f"field {key} not created; errors shown: {errors}") from None


def add_tag2_option(page, value: str) -> None:
    if path_of_url(page.url) != "/crm":
        goto(page, "/crm")
    page.get_by_test_id("tag2-new-value").fill(value)
    page.get_by_test_id("tag2-new-submit").click()
    expect(page.locator('[data-testid="tag2-option-row"]').filter(has_text=value)).to_have_count(1)
