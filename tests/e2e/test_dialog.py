"""The open dialog in a real browser: C1 open/close, C2 expand, C3 day separators, sender,
channel, status and loading older messages without a jump, C4 the detail modal, X4 search
in the history (this dialog and all dialogs), X5 keyboard shortcuts and the dark theme.

Long histories are written straight into the app's database through the services (the test
process points them at the app's DATA_DIR) before the page opens them."""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from datetime import timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_USER, goto, open_widget, row_by_id, row_with, unique, widget_say
from tests.e2e.waits import settled


# -- seeding the app's database ----------------------------------------------------------

@contextlib.contextmanager
def app_db(app):
    """Point this process's services at the running app's DATA_DIR (SQLite)."""
    from messenger_app import db, settings
    from messenger_app.services import events, search

    saved = {k: os.environ.get(k) for k in ("DATA_DIR", "DATABASE_URL", "REDIS_URL")}
    os.environ["DATA_DIR"] = str(app.data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    settings.reset()
    db.reset_engine()
    events.reset()
    search.reset()
    try:
        yield
    finally:
        db.reset_engine()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        settings.reset()
        events.reset()
        search.reset()


def seed_dialog(app, texts: list[str], name: str | None = None) -> tuple[str, list[int]]:
    """A website-chat client who wrote `texts` (oldest first): (dialog id, message ids)."""
    from messenger_app.channels.base import InboundMessage
    from messenger_app.services import channels, inbox

    name = name or unique("Seeded").replace(" ", "-")
    vid = "v_" + uuid.uuid4().hex[:24]
    ids, did = [], None
    with app_db(app):
        ch = channels.widget_channel()
        for text in texts:
            got = inbox.receive(ch.id, "widget", InboundMessage(
                external_id=f"w_{uuid.uuid4().hex}", identity_external_id=vid, text=text,
                first_name=name, display_name=name))
            ids.append(got.message_id)
            did = got.dialog_id
    return str(did), ids


def shift_created(app, ages: dict[int, timedelta]) -> None:
    """Move messages back in time (created_at = now - age)."""
    from messenger_app import db
    from messenger_app.clock import utcnow
    from messenger_app.models import Message

    with app_db(app):
        with db.session() as s:
            for mid, age in ages.items():
                m = s.get(Message, mid)
                m.created_at = utcnow() - age
                s.add(m)
            s.commit()


def queue_out(app, dialog_id: str, text: str, sender_kind: str = "operator") -> int:
    """An outbound message from the admin (or the bot), queued like the composer does."""
    from sqlmodel import select

    from messenger_app import db
    from messenger_app.models import Operator
    from messenger_app.services import outbox

    with app_db(app):
        with db.session() as s:
            op = s.exec(select(Operator).where(Operator.username == ADMIN_USER)).first()
        return outbox.queue(int(dialog_id), op.id if sender_kind == "operator" else None, text,
                            sender_kind=sender_kind)


def admin_name(app) -> str:
    """How the admin is shown as a sender (display name, else username)."""
    from sqlmodel import select

    from messenger_app import db
    from messenger_app.models import Operator

    with app_db(app):
        with db.session() as s:
            op = s.exec(select(Operator).where(Operator.username == ADMIN_USER)).first()
            return op.display_name or op.username


def open_dialog(page, dialog_id: str):
    row = row_by_id(page, dialog_id)
    if page.get_by_test_id("search-input").input_value():
        page.get_by_test_id("search-input").fill("")
    expect(row).to_have_count(1)
    row.click()
    view = page.get_by_test_id("dialog-view")
    expect(view).to_be_visible()
    expect(row).to_have_attribute("data-active", "true")
    return view


def thread_top(page, message_id) -> float:
    """Where a message sits in the thread's viewport (px from the thread's top edge)."""
    return page.get_by_test_id("dialog-thread").evaluate(
        "(el, id) => el.querySelector(`[data-testid=message][data-id=\"${id}\"]`)"
        ".getBoundingClientRect().top - el.getBoundingClientRect().top", str(message_id))


# -- C1, C2 ------------------------------------------------------------------------------

def test_click_opens_second_click_closes_and_expand_hides_panels(operator, new_context):
    visitor = open_widget(new_context())
    text = unique("Open close")
    widget_say(visitor, text)
    row = row_by_id(operator, row_with(operator, text).get_attribute("data-id"))
    row.click()
    view = operator.get_by_test_id("dialog-view")
    expect(view).to_be_visible()
    row.click()  # C1: the same dialog again closes it
    expect(view).to_have_count(0)
    expect(row).to_have_attribute("data-active", "false")

    row.click()
    expect(view).to_be_visible()
    for name in ("dialog-list", "card"):
        expect(operator.get_by_test_id(name)).to_be_visible()
    operator.get_by_test_id("dialog-expand").click()  # C2
    expect(operator.get_by_test_id("dialog-list")).to_be_hidden()
    expect(operator.get_by_test_id("card")).to_be_hidden()
    expect(view).to_be_visible()
    width = view.bounding_box()["width"]
    assert width > 1300, width  # the dialog takes the whole window
    operator.get_by_test_id("dialog-expand").click()
    expect(operator.get_by_test_id("dialog-list")).to_be_visible()
    expect(operator.get_by_test_id("card")).to_be_visible()
    assert view.bounding_box()["width"] < 900


IN_HIDDEN = "() => !!(document.activeElement && document.activeElement.closest('[data-msg-idle=\"true\"]'))"


def test_a_closed_dialog_shows_nothing_and_reopening_focuses_its_composer(operator, new_context):
    """Issue 11 keeps the dialog's parts mounted, hidden, while none is open: nothing of them
    may be seen or reached, and opening one again behaves as a first open."""
    visitor = open_widget(new_context())
    text = unique("Close and reopen")
    widget_say(visitor, text)
    row = row_by_id(operator, row_with(operator, text).get_attribute("data-id"))
    row.click()
    box = operator.get_by_test_id("composer-input")
    expect(box).to_be_focused()
    draft = unique("kept over a close")
    box.fill(draft)
    operator.get_by_test_id("dialog-close").click()
    expect(operator.get_by_test_id("dialog-view")).to_have_count(0)
    expect(operator.get_by_test_id("card")).to_have_count(0)
    expect(operator.get_by_test_id("card-empty")).to_be_visible()
    for name in ("composer-input", "dialog-thread", "dialog-close", "card-bot-toggle"):
        expect(operator.get_by_test_id(name)).to_be_hidden()
    row.focus()
    for _ in range(25):  # the keyboard does not reach the hidden parts
        operator.keyboard.press("Tab")
        assert not operator.evaluate(IN_HIDDEN)
    row.click()
    expect(box).to_be_focused()
    expect(box).to_have_value(draft)
    expect(operator.get_by_test_id("message").filter(has_text=text)).to_have_count(1)


# -- C3 ------------------------------------------------------------------------------------

def test_day_separators_sender_channel_and_status(app, operator):
    did, ids = seed_dialog(app, [unique("Three days ago"), unique("Yesterday"), unique("Today")])
    shift_created(app, {ids[0]: timedelta(days=3), ids[1]: timedelta(days=1)})
    op_text, bot_text = unique("From the operator"), unique("From the bot")
    queue_out(app, did, op_text)
    queue_out(app, did, bot_text, sender_kind="bot")
    goto(operator, "/")
    view = open_dialog(operator, did)
    msgs = view.get_by_test_id("message")
    expect(msgs).to_have_count(5)
    seps = view.get_by_test_id("day-separator")
    expect(seps).to_have_count(3)
    expect(seps.nth(1)).to_have_text("Yesterday")
    expect(seps.nth(2)).to_have_text("Today")
    # each separator stands right before the first message of its day
    order = view.locator('[data-testid="day-separator"], [data-testid="message"]').evaluate_all(
        "els => els.map(e => e.dataset.testid === 'message' ? 'm' : 'D')")
    assert order == ["D", "m", "D", "m", "D", "m", "m", "m"], order

    first = msgs.nth(0)
    expect(first.get_by_test_id("message-sender")).to_have_text("Client")
    expect(first.get_by_test_id("message-channel")).to_have_attribute("data-channel", "widget")
    expect(first.get_by_test_id("message-time")).to_have_text(
        re.compile(r"^\d\d:\d\d$"))
    expect(first.get_by_test_id("message-status")).to_have_count(0)  # inbound: no status
    mine = msgs.filter(has_text=op_text)
    expect(mine).to_have_attribute("data-dir", "out")
    expect(mine.get_by_test_id("message-sender")).to_have_text(admin_name(app))
    expect(mine.get_by_test_id("message-status")).to_have_attribute("data-status", "sent",
                                                                     timeout=15000)
    expect(msgs.filter(has_text=bot_text).get_by_test_id("message-sender")).to_have_text("Bot")


def test_scrolling_up_loads_older_messages_without_a_jump(app, operator):
    texts = [f"History line {i:03d}" for i in range(130)]
    did, ids = seed_dialog(app, texts)
    goto(operator, "/")
    view = open_dialog(operator, did)
    msgs = view.get_by_test_id("message")
    expect(msgs).to_have_count(50)
    expect(msgs.last).to_contain_text("History line 129")
    thread = operator.get_by_test_id("dialog-thread")
    # the newest message is in view at the bottom
    operator.wait_for_function("el => el.scrollHeight - el.scrollTop - el.clientHeight < 40",
                               arg=thread.element_handle())
    first_id = msgs.first.get_attribute("data-id")
    assert first_id == str(ids[80])
    # scroll to the very top: where is the (so far) first message at that moment?
    before = thread.evaluate(
        "el => { el.scrollTop = 0; const m = el.querySelector('[data-testid=message]');"
        " return m.getBoundingClientRect().top - el.getBoundingClientRect().top; }")
    expect(msgs).to_have_count(100)  # loaded by scrolling, no click
    expect(msgs.first).to_have_attribute("data-id", str(ids[30]))
    settled(operator)  # the thread has stopped scrolling and moving
    after = thread_top(operator, first_id)
    assert abs(after - before) <= 4, (before, after)  # the message the operator saw stays put
    assert thread.evaluate("el => el.scrollTop") > 500  # the older ones are above, out of view
    # the button loads the rest the same way
    # assets/composer.js ignores scrolling for 250 ms after it put the thread back in place
    # (loadingOlder, a timer of its own that nothing on the page shows), so the next scroll
    # waits that long
    operator.wait_for_timeout(300)
    thread.evaluate("el => { el.scrollTop = 0; }")
    expect(msgs).to_have_count(130)
    expect(view.get_by_test_id("dialog-load-older")).to_have_count(0)  # nothing older left
    expect(msgs.first).to_contain_text("History line 000")


# -- C4 ------------------------------------------------------------------------------------

def test_bottom_line_opens_the_detail_modal(app, operator, new_context):
    operator.context.grant_permissions(["clipboard-read", "clipboard-write"])
    visitor = open_widget(new_context())
    hello = unique("Detail please")
    widget_say(visitor, hello)
    view = open_dialog(operator, row_with(operator, hello).get_attribute("data-id"))
    answer = unique("Answer with details")
    box = operator.get_by_test_id("composer-input")
    box.fill(answer)
    box.press("Enter")
    mine = view.get_by_test_id("message").filter(has_text=answer)
    expect(mine.get_by_test_id("message-status")).to_have_attribute("data-status", "sent")
    mid = mine.get_attribute("data-id")

    mine.get_by_test_id("message-meta").click()
    modal = operator.get_by_test_id("message-detail")
    expect(modal).to_be_visible()
    expect(modal.get_by_test_id("detail-id")).to_contain_text(mid)
    expect(modal.get_by_test_id("detail-direction")).to_contain_text("Outbound")
    expect(modal.get_by_test_id("detail-sender")).to_have_text(admin_name(app))
    expect(modal.get_by_test_id("detail-channel")).to_contain_text("widget")
    expect(modal.get_by_test_id("detail-identity")).to_contain_text("v_")
    expect(modal.get_by_test_id("detail-status")).to_contain_text("sent")
    expect(modal.get_by_test_id("detail-created")).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"))
    hist = modal.get_by_test_id("detail-history-row")
    expect(hist).to_have_count(2)
    expect(hist.nth(0)).to_have_attribute("data-status", "queued")
    expect(hist.nth(1)).to_have_attribute("data-status", "sent")
    modal.get_by_test_id("detail-copy-id").click()
    assert operator.evaluate("navigator.clipboard.readText()") == mid
    # Esc closes the modal only; the dialog stays open
    operator.keyboard.press("Escape")
    expect(modal).to_have_count(0)
    expect(view).to_be_visible()

    # an inbound message: no status, no operator
    view.get_by_test_id("message").filter(has_text=hello).get_by_test_id("message-meta").click()
    expect(modal.get_by_test_id("detail-direction")).to_contain_text("Inbound")
    expect(modal.get_by_test_id("detail-sender")).to_have_text("Client")
    expect(modal.get_by_test_id("detail-history-row")).to_have_count(0)
    operator.get_by_test_id("message-detail-close").click()
    expect(modal).to_have_count(0)


# -- X4 ------------------------------------------------------------------------------------

def test_search_in_history_jumps_to_an_old_message(app, operator):
    word = "quokka" + uuid.uuid4().hex[:6]
    texts = [f"Old chat line {i}" for i in range(120)]
    texts[4] = f"<b>not bold</b> the {word} order is ready"
    did, ids = seed_dialog(app, texts)
    other_word = "wombat" + uuid.uuid4().hex[:6]
    other_did, other_ids = seed_dialog(app, [f"elsewhere: {other_word} and {word}s"])
    goto(operator, "/")
    view = open_dialog(operator, did)
    expect(view.get_by_test_id("message")).to_have_count(50)

    view.get_by_test_id("dialog-search-open").click()
    box = operator.get_by_test_id("msg-search-input")
    expect(box).to_be_focused()
    box.fill(word)
    hits = operator.get_by_test_id("msg-search-hit")
    expect(hits).to_have_count(1)  # only this dialog: the other client's message is not here
    expect(hits.first).to_have_attribute("data-id", str(ids[4]))
    expect(hits.first.get_by_test_id("msg-search-mark")).to_have_text(word)
    expect(hits.first).to_contain_text("<b>not bold</b>")  # text, never markup
    hits.first.click()
    target = view.locator(f'[data-testid="message"][data-id="{ids[4]}"]')
    expect(target).to_be_in_viewport()
    expect(target).to_have_attribute("data-highlighted", "true")
    assert view.get_by_test_id("message").count() >= 116  # the history up to it was loaded

    # all dialogs: a hit elsewhere opens that dialog
    operator.get_by_test_id("msg-search-scope-all").click()
    expect(hits).to_have_count(2)
    operator.get_by_test_id("msg-search-input").fill(other_word)
    expect(hits).to_have_count(1)
    expect(hits.first).to_have_attribute("data-dialog", other_did)
    hits.first.click()
    expect(row_by_id(operator, other_did)).to_have_attribute("data-active", "true")
    expect(view.locator(f'[data-testid="message"][data-id="{other_ids[0]}"]')).to_be_in_viewport()
    operator.get_by_test_id("msg-search-input").fill("nosuchword" + uuid.uuid4().hex[:6])
    expect(hits).to_have_count(0)
    expect(operator.get_by_test_id("msg-search-empty")).to_be_visible()
    operator.keyboard.press("Escape")  # closes the search first, not the dialog
    expect(operator.get_by_test_id("msg-search-panel")).to_have_count(0)
    expect(view).to_be_visible()


# -- X5 ------------------------------------------------------------------------------------

def test_keyboard_shortcuts_and_dark_theme(operator, new_context):
    ids = []
    for n in range(3):
        visitor = open_widget(new_context())
        text = unique(f"Shortcut {n}")
        widget_say(visitor, text)
        ids.append(row_with(operator, text).get_attribute("data-id"))
    rows = operator.get_by_test_id("dialog-row")
    expect(rows.nth(0)).to_have_attribute("data-id", ids[2])  # newest first
    rows.nth(0).click()
    expect(rows.nth(0)).to_have_attribute("data-active", "true")
    box = operator.get_by_test_id("composer-input")
    expect(box).to_be_focused()
    operator.keyboard.press("Alt+ArrowDown")  # works while typing too
    expect(row_by_id(operator, ids[1])).to_have_attribute("data-active", "true")
    operator.keyboard.press("Alt+ArrowDown")
    expect(row_by_id(operator, ids[0])).to_have_attribute("data-active", "true")
    operator.keyboard.press("Alt+ArrowUp")
    expect(row_by_id(operator, ids[1])).to_have_attribute("data-active", "true")
    expect(operator.get_by_test_id("dialog-view")).to_be_visible()

    operator.keyboard.press("Escape")  # closes the open dialog
    expect(operator.get_by_test_id("dialog-view")).to_have_count(0)
    expect(row_by_id(operator, ids[1])).to_have_attribute("data-active", "false")

    operator.keyboard.press("/")
    search = operator.get_by_test_id("search-input")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the "/" itself is not typed
    operator.keyboard.type("?")  # typed into the search box: no help
    expect(operator.get_by_test_id("shortcuts-help")).to_have_count(0)
    search.fill("")
    search.blur()
    operator.keyboard.press("?")
    help_ = operator.get_by_test_id("shortcuts-help")
    expect(help_).to_be_visible()
    expect(help_.get_by_test_id("shortcut-row")).to_have_count(8)
    operator.keyboard.press("Escape")
    expect(help_).to_have_count(0)
    operator.get_by_test_id("shortcuts-open").click()
    expect(help_).to_be_visible()
    operator.keyboard.press("Escape")

    # X5 dark theme: the toggle switches it, and it stays after a reload
    html_dark = "() => document.documentElement.classList.contains('dark')"
    start = operator.evaluate(html_dark)
    operator.get_by_test_id("theme-toggle").click()
    operator.wait_for_function(f"() => document.documentElement.classList.contains('dark') === {str(not start).lower()}")
    goto(operator, "/")
    operator.wait_for_function(f"() => document.documentElement.classList.contains('dark') === {str(not start).lower()}")
    operator.get_by_test_id("theme-toggle").click()
    operator.wait_for_function(f"() => document.documentElement.classList.contains('dark') === {str(start).lower()}")


def test_a_long_message_is_collapsed_with_show_all(app, operator):
    long_text = unique("Long start") + " " + "много слов в длинном письме " * 200 + unique("End")
    did, _ = seed_dialog(app, [long_text])
    goto(operator, "/")
    view = open_dialog(operator, did)
    msg = view.get_by_test_id("message")
    short = msg.get_by_test_id("message-text")
    expect(short).to_be_visible()
    assert len(short.inner_text()) <= 1501 and short.inner_text().endswith("…")
    full = msg.get_by_test_id("message-text-full")
    expect(full).to_be_hidden()
    toggle = msg.get_by_test_id("message-show-all")
    assert toggle.inner_text().strip() == "Show all"  # innerText: what is shown
    toggle.focus()
    operator.keyboard.press("Enter")  # the keyboard opens it too
    expect(full).to_be_visible()
    expect(full).to_contain_text(long_text[-20:])
    expect(short).to_be_hidden()
    assert toggle.inner_text().strip() == "Show less"
