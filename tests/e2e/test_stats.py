"""X9 in the browser: /stats shows today's messages, the period changes, a bar opens the
dialog list filtered to that day and channel (an L5 filter in the URL), and a CSV downloads."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import goto, login, open_widget, row_with, unique, widget_say


def test_stats_range_bar_click_lands_on_the_filtered_list(browser, app):
    visitor_ctx = browser.new_context(base_url=app.url)
    ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768},
                              accept_downloads=True)
    ctx.set_default_timeout(10000)
    try:
        text = unique("Do you ship to Kazan")
        widget_say(open_widget(visitor_ctx), text)
        page = login(ctx)
        goto(page, "/stats")
        expect(page.get_by_test_id("stats-day")).to_have_count(7)  # the default: 7 days
        assert int(page.get_by_test_id("stats-total-in").inner_text()) >= 1

        page.locator('[data-testid="stats-range"][data-range="today"]').click()
        expect(page.get_by_test_id("stats-day")).to_have_count(1)
        page.locator('[data-testid="stats-range"][data-range="30"]').click()
        expect(page.get_by_test_id("stats-day")).to_have_count(30)

        with page.expect_download() as dl:
            page.locator('[data-testid="stats-csv"][data-table="days"]').click()
        body = open(dl.value.path(), encoding="utf-8-sig").read()
        assert body.splitlines()[0] == "day,messages_in,messages_out,new_clients,billed_new,active_dialogs"
        assert len(body.splitlines()) == 31

        # the last day is today: its bar (the widget's series) opens the filtered list
        bar = page.locator('[data-testid="stats-chart-in"] .recharts-bar-rectangle path').last
        expect(bar).to_be_visible()
        bar.click()
        expect(page).to_have_url(re.compile(r"/\?f=[A-Za-z0-9_-]+"))
        expect(row_with(page, text)).to_have_count(1)
        # the day, and the channel when its series has a slot of its own (a shared app with
        # more than 7 channels puts the widget's in "other")
        expect(page.get_by_test_id("filter-count")).to_have_text(re.compile(r"^[12]$"))
    finally:
        ctx.close()
        visitor_ctx.close()
