"""The composer in a real browser: C5 emoji at the cursor, templates (C6 page + picker),
files (button, drag and drop, previews, remove, size limit) sent to the fake Telegram Bot API,
C7 unreachable channel disabled with the reason, C8 a draft per dialog, X8 notes that are
never sent, a phone-sized composer; and the screenshots of all of it."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (SHOTS_DIR, ROOT, TG_TOKEN, goto, login, new_page, open_widget, row_by_id,
                                row_with, unique, widget_say)
from tests.e2e.test_dialog import admin_name, app_db, open_dialog
from tests.e2e.waits import settled, until
from tests.fake_fixtures import control

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SHOTS = SHOTS_DIR
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def gradient_png(w: int, h: int, top=(70, 110, 220), bottom=(150, 200, 255)) -> bytes:
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    rows = []
    for y in range(h):
        k = y / max(1, h - 1)
        px = bytes(int(a + (b - a) * k) for a, b in zip(top, bottom))
        rows.append(b"\x00" + px * w)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sent_to(fake_tg, chat_id: int) -> list[dict]:
    return [m for m in control(fake_tg, "sent") if m["chat_id"] == chat_id]


def wait_sent(page, fake_tg, chat_id: int, count: int) -> list[dict]:
    def enough():
        got = sent_to(fake_tg, chat_id)
        return got if len(got) >= count else None

    return until(enough, what=f"{count} messages to chat {chat_id} on the fake Bot API")


def connect_telegram(page, fake_tg) -> None:
    """Connect the bot on /settings unless an earlier module did; wait until it polls."""
    goto(page, "/settings")
    rows = page.locator('[data-testid="channel-row"][data-kind="telegram"]')
    if rows.count() == 0:
        kind = page.get_by_test_id("channel-kind-telegram")
        if kind.count():
            kind.click()
        page.get_by_test_id("channel-field-token").fill(TG_TOKEN)
        page.get_by_test_id("channel-field-base_url").fill(fake_tg.url)
        page.get_by_test_id("channel-connect").click()
        expect(rows).to_have_count(1)
    until(lambda: control(fake_tg, "stats").get("getUpdates"), timeout=10,
          what="the app polling the connected bot")


def telegram_client(page, fake_tg, user_id: int, first: str, text: str) -> dict:
    """A Telegram user writes to the bot; returns their dialog as the operator's list shows it."""
    last = unique("Tg").replace(" ", "")
    control(fake_tg, "user_message", {"user_id": user_id, "first_name": first,
                                      "last_name": last, "text": text})
    row = page.get_by_test_id("dialog-row").filter(
        has=page.get_by_test_id("dialog-row-name").filter(has_text=last))
    expect(row).to_have_count(1, timeout=15000)
    return {"dialog_id": row.get_attribute("data-id"), "first": first, "last": last,
            "user_id": user_id, "name": f"{first} {last}"}


@pytest.fixture(scope="module")
def tg(browser, app, fake_tg):
    ctx = browser.new_context(base_url=app.url, viewport=DESKTOP)
    ctx.set_default_timeout(8000)
    try:
        admin = login(ctx)
        connect_telegram(admin, fake_tg)
        inbox = new_page(ctx)
        goto(inbox, "/")
        yield telegram_client(inbox, fake_tg, 777000333, "Olga", unique("Hello from Telegram"))
    finally:
        ctx.close()


# -- C5 emoji ------------------------------------------------------------------------------

def test_emoji_is_inserted_at_the_cursor(operator, new_context):
    visitor = open_widget(new_context())
    hello = unique("Emoji please")
    widget_say(visitor, hello)
    view = open_dialog(operator, row_with(operator, hello).get_attribute("data-id"))
    box = operator.get_by_test_id("composer-input")
    box.fill("Hello world")
    box.press("End")
    for _ in range(6):
        box.press("ArrowLeft")  # the cursor right after "Hello"
    operator.get_by_test_id("composer-emoji").click()
    picker = operator.get_by_test_id("emoji-picker")
    expect(picker).to_be_visible()
    first = picker.get_by_test_id("emoji-item").first
    emoji = first.get_attribute("data-emoji")
    first.click()
    expect(box).to_have_value(f"Hello{emoji} world")
    picker.get_by_test_id("emoji-item").nth(1).click()  # the cursor moved on after the first
    second = picker.get_by_test_id("emoji-item").nth(1).get_attribute("data-emoji")
    expect(box).to_have_value(f"Hello{emoji}{second} world")
    operator.keyboard.press("Escape")  # closes the picker, not the dialog
    expect(picker).to_have_count(0)
    expect(view).to_be_visible()
    box.click()
    box.press("Enter")
    sent = view.get_by_test_id("message").filter(has_text=f"Hello{emoji}{second} world")
    expect(sent).to_have_attribute("data-dir", "out")
    expect(visitor.get_by_test_id("widget-message").filter(has_text=f"Hello{emoji}{second} world")
           ).to_have_count(1)


# -- C8 drafts -----------------------------------------------------------------------------

def test_each_dialog_keeps_its_own_draft(operator, new_context):
    dids = []
    for n in ("A", "B"):
        visitor = open_widget(new_context())
        text = unique(f"Draft dialog {n}")
        widget_say(visitor, text)
        dids.append(row_with(operator, text).get_attribute("data-id"))
    box = operator.get_by_test_id("composer-input")
    open_dialog(operator, dids[0])
    draft_a = unique("half-written answer A") + "\nsecond line"
    box.fill(draft_a)
    open_dialog(operator, dids[1])
    expect(box).to_have_value("")  # A's text does not follow into B
    draft_b = unique("draft for B")
    box.fill(draft_b)
    open_dialog(operator, dids[0])
    expect(box).to_have_value(draft_a)
    open_dialog(operator, dids[1])
    expect(box).to_have_value(draft_b)
    # closing the dialog and reloading the page keep them too
    row_by_id(operator, dids[1]).click()
    expect(operator.get_by_test_id("dialog-view")).to_have_count(0)
    goto(operator, "/")
    open_dialog(operator, dids[0])
    expect(box).to_have_value(draft_a)
    # a sent message is no draft any more
    box.press("Enter")
    expect(operator.get_by_test_id("message").filter(has_text=draft_a.split("\n")[0])).to_have_count(1)
    expect(box).to_have_value("")
    open_dialog(operator, dids[1])
    expect(box).to_have_value(draft_b)
    open_dialog(operator, dids[0])
    expect(box).to_have_value("")


# -- X8 notes ------------------------------------------------------------------------------

def test_a_note_is_shown_to_operators_and_never_sent(app, operator, new_context):
    visitor = open_widget(new_context())
    hello = unique("Note test")
    widget_say(visitor, hello)
    did = row_with(operator, hello).get_attribute("data-id")
    view = open_dialog(operator, did)
    box = operator.get_by_test_id("composer-input")
    operator.get_by_test_id("composer-note").click()
    expect(operator.get_by_test_id("composer-note")).to_have_attribute("aria-pressed", "true")
    expect(operator.get_by_test_id("composer-note-banner")).to_be_visible()
    note = unique("Internal: call back after 18:00")
    box.fill(note)
    box.press("Enter")
    msg = view.get_by_test_id("message").filter(has_text=note)
    expect(msg).to_have_attribute("data-dir", "note")
    expect(msg.get_by_test_id("message-note-label")).to_be_visible()
    expect(msg.get_by_test_id("message-status")).to_have_count(0)
    expect(msg.get_by_test_id("message-sender")).to_have_text(admin_name(app))
    bg = msg.locator(".msg-bubble").evaluate("e => getComputedStyle(e).borderStyle")
    assert bg == "dashed", bg  # styled apart from messages to the client
    # the list row still shows the client's message, not the note
    expect(row_by_id(operator, did).get_by_test_id("dialog-row-preview")).to_have_text(hello)

    operator.get_by_test_id("composer-note").click()  # back to messages
    expect(operator.get_by_test_id("composer-note-banner")).to_have_count(0)
    reply = unique("A real answer")
    box.fill(reply)
    box.press("Enter")
    expect(visitor.get_by_test_id("widget-message").filter(has_text=reply)).to_have_count(1)
    expect(visitor.get_by_test_id("widget-message").filter(has_text=note)).to_have_count(0)
    goto(visitor, "/widget")
    expect(visitor.get_by_test_id("widget-message")).to_have_count(2)
    expect(visitor.get_by_test_id("widget-message").filter(has_text=note)).to_have_count(0)


# -- C5 files ------------------------------------------------------------------------------

def test_files_are_previewed_and_sent_to_telegram(tg, operator, fake_tg, tmp_path):
    png = gradient_png(64, 48)
    (tmp_path / "jacket.png").write_bytes(png)
    (tmp_path / "price.pdf").write_bytes(PDF)
    view = open_dialog(operator, tg["dialog_id"])
    before = len(sent_to(fake_tg, tg["user_id"]))

    with operator.expect_file_chooser() as chooser:
        operator.get_by_test_id("composer-attach").click()
    chooser.value.set_files([str(tmp_path / "jacket.png"), str(tmp_path / "price.pdf")])
    pending = operator.get_by_test_id("composer-attachment")
    expect(pending).to_have_count(2)
    expect(pending.filter(has_text="jacket.png")).to_have_attribute("data-media", "img")
    expect(pending.filter(has_text="price.pdf")).to_have_attribute("data-media", "")
    pending.filter(has_text="price.pdf").get_by_test_id("composer-attachment-remove").click()
    expect(pending).to_have_count(1)

    caption = unique("The blue jacket")
    box = operator.get_by_test_id("composer-input")
    box.fill(caption)
    box.press("Enter")
    expect(pending).to_have_count(0)
    msg = view.get_by_test_id("message").filter(has_text=caption)
    expect(msg.get_by_test_id("message-status")).to_have_attribute("data-status", "sent", timeout=15000)
    got = wait_sent(operator, fake_tg, tg["user_id"], before + 1)[before:]
    assert [(g["method"], g["caption"], g["file_name"], g["sha256"]) for g in got] == [
        ("sendPhoto", caption, "jacket.png", sha(png))], got
    img = msg.get_by_test_id("message-attachment")
    expect(img).to_have_attribute("data-media", "img")
    operator.wait_for_function("e => e.complete && e.naturalWidth === 64",
                               arg=img.locator("img").element_handle())
    img.click()  # the full-size picture over the page
    box_ = operator.get_by_test_id("attachment-lightbox")
    expect(box_).to_be_visible()
    operator.keyboard.press("Escape")
    expect(box_).to_have_count(0)
    expect(view).to_be_visible()

    # drag and drop onto the dialog, sent without text
    dt = operator.evaluate_handle(
        "([name, b64]) => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));"
        " const dt = new DataTransfer(); dt.items.add(new File([bytes], name,"
        " {type: 'application/pdf'})); return dt; }",
        ["offer 2026.pdf", base64.b64encode(PDF).decode()])
    view.get_by_test_id("dialog-thread").dispatch_event("dragenter", {"dataTransfer": dt})
    view.get_by_test_id("dialog-thread").dispatch_event("drop", {"dataTransfer": dt})
    expect(pending).to_have_count(1)
    expect(pending.get_by_test_id("composer-attachment-name")).to_have_text("offer 2026.pdf")
    operator.get_by_test_id("composer-send").click()
    expect(pending).to_have_count(0)
    got = wait_sent(operator, fake_tg, tg["user_id"], before + 2)[before + 1:]
    assert [(g["method"], g["caption"], g["file_name"], g["sha256"]) for g in got] == [
        ("sendDocument", "", "offer 2026.pdf", sha(PDF))], got
    doc = view.get_by_test_id("message").last.get_by_test_id("message-attachment")
    expect(doc).to_have_attribute("data-media", "file")
    expect(doc).to_contain_text("offer 2026.pdf")
    expect(doc).to_contain_text("B")  # its size
    assert doc.get_attribute("download") == "offer 2026.pdf"

    # too big: refused in the browser with the reason, nothing uploaded
    big = tmp_path / "huge.bin"
    with open(big, "wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    with operator.expect_file_chooser() as chooser:
        operator.get_by_test_id("composer-attach").click()
    chooser.value.set_files(str(big))
    expect(operator.get_by_test_id("composer-error")).to_contain_text("20 MB")
    expect(pending).to_have_count(0)


# -- C5, C6 templates ------------------------------------------------------------------------

def test_templates_page_and_picker_send_a_rendered_template(tg, operator, fake_tg):
    tag = unique("tpl").replace(" ", "")
    operator.get_by_test_id("templates-link").click()
    page = operator.get_by_test_id("templates-page")
    expect(page).to_be_visible()

    def create(title: str, body_parts: list) -> None:
        operator.get_by_test_id("template-new").click()
        editor = operator.get_by_test_id("template-editor")
        expect(editor).to_be_visible()
        editor.get_by_test_id("template-form-title").fill(title)
        body = editor.get_by_test_id("template-form-body")
        body.fill("")
        for part in body_parts:
            if part.startswith("{"):  # a placeholder chip inserts it at the cursor
                editor.locator(f'[data-testid="template-placeholder"][data-key="{part[1:-1]}"]').click()
            else:
                body.press("End")
                body.press_sequentially(part)
        editor.get_by_test_id("template-save").click()
        expect(editor).to_have_count(0)

    create(f"Greeting {tag}", ["Hi ", "{first_name}", "! Your code: {promo}"])
    rows = operator.get_by_test_id("template-row")
    greeting = rows.filter(has_text=f"Greeting {tag}")
    expect(greeting.get_by_test_id("template-text")).to_have_text("Hi {first_name}! Your code: {promo}")
    expect(operator.get_by_test_id("template-notice")).to_contain_text("{promo}")
    create(f"Bye {tag}", ["See you soon"])
    operator.get_by_test_id("template-search").fill(tag)
    expect(rows).to_have_count(2)
    # edit one, delete the other (after a confirm)
    greeting.get_by_test_id("template-edit").click()
    title = operator.get_by_test_id("template-form-title")
    expect(title).to_have_value(f"Greeting {tag}")
    title.fill(f"Hello {tag}")
    operator.get_by_test_id("template-save").click()
    expect(rows.filter(has_text=f"Hello {tag}")).to_have_count(1)
    rows.filter(has_text=f"Bye {tag}").get_by_test_id("template-delete").click()
    operator.get_by_test_id("template-delete-confirm").click()
    expect(rows).to_have_count(1)
    # an empty title is refused with the reason
    operator.get_by_test_id("template-new").click()
    operator.get_by_test_id("template-form-body").fill("text only")
    operator.get_by_test_id("template-save").click()
    expect(operator.get_by_test_id("template-error")).to_contain_text("title")
    operator.keyboard.press("Escape")

    operator.get_by_test_id("templates-back").click()
    expect(operator.get_by_test_id("dialog-list")).to_be_visible()
    open_dialog(operator, tg["dialog_id"])
    before = len(sent_to(fake_tg, tg["user_id"]))
    operator.get_by_test_id("composer-template").click()
    picker = operator.get_by_test_id("template-picker")
    expect(picker).to_be_visible()
    expect(picker.get_by_test_id("template-manage")).to_have_attribute("href", "/templates")
    picker.get_by_test_id("template-search").fill(f"hello {tag}")
    items = picker.get_by_test_id("template-item")
    expect(items).to_have_count(1)
    items.first.click()
    expect(picker).to_have_count(0)
    box = operator.get_by_test_id("composer-input")
    text = f"Hi {tg['first']}! Your code: {{promo}}"
    expect(box).to_have_value(text)  # rendered for this client; the unknown one stays visible
    expect(operator.get_by_test_id("composer-warning")).to_contain_text("{promo}")
    expect(box).to_be_focused()
    box.press("End")
    box.press_sequentially(" OK")
    box.press("Enter")
    got = wait_sent(operator, fake_tg, tg["user_id"], before + 1)[before:]
    assert [(g.get("method", "sendMessage"), g["text"]) for g in got] == [("sendMessage", text + " OK")]
    expect(operator.get_by_test_id("composer-warning")).to_have_count(0)


# -- C7 ------------------------------------------------------------------------------------

def test_blocked_telegram_channel_is_disabled_with_the_reason(tg, operator, fake_tg):
    client = telegram_client(operator, fake_tg, 777000444, "Boris", unique("I will block you"))
    view = open_dialog(operator, client["dialog_id"])
    fake_tg.state.block(client["user_id"])
    text = unique("Are you there")
    operator.get_by_test_id("composer-input").fill(text)
    operator.get_by_test_id("composer-input").press("Enter")
    failed = view.get_by_test_id("message").filter(has_text=text)
    expect(failed.get_by_test_id("message-status")).to_have_attribute("data-status", "failed",
                                                                      timeout=15000)
    # Retry sits beside the message's details line, not inside that button (WCAG 4.1.2)
    expect(failed.get_by_test_id("message-retry")).to_be_visible()
    expect(failed.get_by_test_id("message-meta").get_by_test_id("message-retry")).to_have_count(0)
    operator.get_by_test_id("composer-channel").click()
    option = operator.locator('[data-testid="composer-channel-option"][data-kind="telegram"]')
    expect(option).to_have_attribute("data-disabled", "")
    expect(option).to_contain_text("blocked")
    operator.keyboard.press("Escape")


# -- phone ---------------------------------------------------------------------------------

def test_composer_is_usable_on_a_phone(new_context):
    visitor = open_widget(new_context())
    hello = unique("From a phone test")
    widget_say(visitor, hello)
    phone = login(new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2))
    row_by_id(phone, row_with(phone, hello).get_attribute("data-id")).tap()
    view = phone.get_by_test_id("dialog-view")
    expect(view).to_be_visible()
    for name in ("composer-input", "composer-send", "composer-emoji", "composer-template",
                 "composer-attach", "composer-note"):
        el = phone.get_by_test_id(name)
        expect(el).to_be_in_viewport()
        box = el.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (name, box)
        if name != "composer-input":
            assert box["height"] >= 32, (name, box)  # big enough for a thumb
    phone.get_by_test_id("composer-input").fill(unique("typed on a phone"))
    phone.get_by_test_id("composer-send").tap()
    expect(view.get_by_test_id("message")).to_have_count(2)
    phone.get_by_test_id("composer-emoji").tap()
    picker = phone.get_by_test_id("emoji-picker")
    expect(picker).to_be_in_viewport()
    pbox = picker.bounding_box()
    assert pbox["x"] >= 0 and pbox["x"] + pbox["width"] <= PHONE["width"] + 1, pbox


# -- screenshots ---------------------------------------------------------------------------

def test_zz_screenshots(tg, app, new_context, fake_tg):
    """screenshots/dialog-desktop.png, dialog-dark.png, composer-phone.png, message-detail.png"""
    SHOTS.mkdir(exist_ok=True)
    desk = login(new_context(viewport=DESKTOP))
    client = telegram_client(desk, fake_tg, 777000555, "Maria",
                             "Hi! Could you send me the price list and a photo of the blue jacket?")
    # the client sends a photo too (the fake serves a picture for this file id)
    fake_tg.state.files["shot-photo"] = "photos/shot.png"
    fake_tg.state.file_bytes["photos/shot.png"] = (gradient_png(240, 180, (40, 60, 140), (90, 150, 230)),
                                                   "image/png")
    control(fake_tg, "raw_update", {"update": {"message": {
        "message_id": 9001, "date": 1767225600, "caption": "Like this one, but in blue",
        "from": {"id": client["user_id"], "is_bot": False, "first_name": "Maria"},
        "chat": {"id": client["user_id"], "type": "private", "first_name": "Maria"},
        "photo": [{"file_id": "shot-photo", "file_unique_id": "sp", "width": 90, "height": 90}]}}})
    view = open_dialog(desk, client["dialog_id"])
    expect(view.get_by_test_id("message-attachment")).to_have_count(1, timeout=15000)
    tmp = app.data_dir.parent
    (tmp / "blue-jacket.png").write_bytes(gradient_png(320, 220))
    (tmp / "price-list-2026.pdf").write_bytes(PDF * 40)
    box = desk.get_by_test_id("composer-input")
    for files, text in ((["blue-jacket.png"], "Here it is — the blue jacket, size M 👕"),
                        (["price-list-2026.pdf"], "And our price list for this season.")):
        with desk.expect_file_chooser() as chooser:
            desk.get_by_test_id("composer-attach").click()
        chooser.value.set_files([str(tmp / f) for f in files])
        expect(desk.get_by_test_id("composer-attachment")).to_have_count(1)
        box.fill(text)
        box.press("Enter")
        expect(desk.get_by_test_id("composer-attachment")).to_have_count(0)
    desk.get_by_test_id("composer-note").click()
    box.fill("Wants delivery on Friday — check the size M stock before confirming.")
    box.press("Enter")
    desk.get_by_test_id("composer-note").click()
    control(fake_tg, "user_message", {"user_id": client["user_id"], "first_name": "Maria",
                                      "last_name": client["last"],
                                      "text": "Thanks! I'll take it 🙂"})
    expect(view.get_by_test_id("message")).to_have_count(6)
    expect(view.get_by_test_id("message-status").last).to_have_attribute("data-status", "sent",
                                                                         timeout=15000)
    box.fill("Great! Shall we deliver it on Friday?")
    desk.mouse.move(1300, 700)
    settled(desk)
    desk.screenshot(path=str(SHOTS / "dialog-desktop.png"))

    photo_msg = view.get_by_test_id("message").filter(has_text="blue jacket, size M")
    photo_msg.get_by_test_id("message-meta").click()
    expect(desk.get_by_test_id("message-detail")).to_be_visible()
    settled(desk)
    desk.screenshot(path=str(SHOTS / "message-detail.png"))
    desk.keyboard.press("Escape")

    desk.get_by_test_id("theme-toggle").click()
    desk.wait_for_function("() => document.documentElement.classList.contains('dark')")
    desk.get_by_test_id("composer-emoji").click()
    expect(desk.get_by_test_id("emoji-picker")).to_be_visible()
    settled(desk)
    desk.screenshot(path=str(SHOTS / "dialog-dark.png"))
    desk.keyboard.press("Escape")
    desk.get_by_test_id("composer-template").click()
    expect(desk.get_by_test_id("template-picker")).to_be_visible()
    settled(desk)
    desk.screenshot(path=str(SHOTS / "template-picker-dark.png"))
    desk.keyboard.press("Escape")
    desk.get_by_test_id("theme-toggle").click()  # back to light for the other shots
    desk.wait_for_function("() => !document.documentElement.classList.contains('dark')")

    view.get_by_test_id("dialog-search-open").click()
    desk.get_by_test_id("msg-search-scope-all").click()
    desk.get_by_test_id("msg-search-input").fill("jacket")
    expect(desk.get_by_test_id("msg-search-hit").first).to_be_visible()
    settled(desk)
    desk.screenshot(path=str(SHOTS / "dialog-search.png"))
    desk.keyboard.press("Escape")

    with app_db(app):
        from messenger_app.services import templates
        for title, body in (
                ("Delivery times", "Hi {first_name}! We deliver in Moscow the next day, "
                                   "elsewhere in 2–4 days. Delivery is free from 5 000 ₽."),
                ("Price list", "{first_name}, here is our current price list. "
                               "Tell me which model you like and I will check your size."),
                ("Thank you", "Thank you for your order, {name}! Your manager will call you at "
                              "{phone} to confirm the delivery time.")):
            templates.create(title, body)
    desk.get_by_test_id("templates-link").click()
    expect(desk.get_by_test_id("templates-page")).to_be_visible()
    settled(desk)
    desk.screenshot(path=str(SHOTS / "templates-page.png"))

    phone = login(new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2))
    row_by_id(phone, client["dialog_id"]).tap()
    expect(phone.get_by_test_id("dialog-view")).to_be_visible()
    settled(phone)
    phone.screenshot(path=str(SHOTS / "dialog-phone.png"))
    phone.get_by_test_id("composer-template").tap()
    expect(phone.get_by_test_id("template-picker")).to_be_visible()
    settled(phone)
    phone.screenshot(path=str(SHOTS / "composer-phone.png"))
