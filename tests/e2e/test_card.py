"""The client card in a real browser (R1-R7): every value edited in place, refused input
explained next to it, and what the card changes shows in the dialog list and the folders."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS_DIR, ROOT, goto, login, row_by_id
from tests.e2e.crm_helpers import (add_crm_field, add_tag2_option, card_var, fresh_phone,
                                   letters, new_client, open_client)
from tests.e2e.waits import settled

SHOTS = SHOTS_DIR


def _edit_value(scope, text: str, submit: str = "enter") -> None:
    """Open the in-place editor of `scope` (click on the value or its pencil), type, save."""
    opener = scope.get_by_test_id("card-edit-open")
    if opener.count():
        opener.click()
    else:
        scope.get_by_test_id("card-edit-value").click()
    box = scope.get_by_test_id("card-edit-input")
    expect(box).to_be_visible()
    box.fill(text)
    if submit == "enter":
        box.press("Enter")
    else:
        scope.get_by_test_id("card-edit-save").click()


def test_card_screenshots(new_context):
    SHOTS.mkdir(exist_ok=True)
    desk = login(new_context(viewport={"width": 1366, "height": 768}))
    s = letters()
    add_crm_field(desk, "Город", f"city_{s}", "text")
    add_crm_field(desk, "Дата рождения", f"bday_{s}", "date")
    add_crm_field(desk, "Сайт", f"site_{s}", "link")
    add_tag2_option(desk, f"Опт {s}")
    did = new_client(desk, fresh_phone()[0], "Мария", "Соколова")
    _edit_value(card_var(desk, f"city_{s}"), "Казань", submit="button")
    expect(card_var(desk, f"city_{s}").get_by_test_id("card-edit-value")).to_have_text("Казань")
    _edit_value(desk.get_by_test_id("card-tag1"), "постоянный клиент")
    expect(desk.get_by_test_id("card-tag1").get_by_test_id("card-edit-value")).to_have_text(
        "постоянный клиент")
    desk.get_by_test_id("card-tag2").click()
    desk.locator(f'[data-testid="card-select-option"][data-value="Опт {s}"]').click()
    expect(desk.get_by_test_id("card-tag2")).to_have_text(f"Опт {s}")
    _edit_value(card_var(desk, f"site_{s}"), "shop.example.com/u/sokolova")
    expect(card_var(desk, f"site_{s}").get_by_test_id("card-var-link")).to_be_visible()
    bday = card_var(desk, f"bday_{s}")
    bday.get_by_test_id("card-edit-value").click()
    bday.get_by_test_id("card-edit-input").fill("1990-04-17")
    bday.get_by_test_id("card-edit-save").click()
    expect(bday.get_by_test_id("card-edit-value")).to_have_text("17.04.1990")
    card = desk.get_by_test_id("card")
    box = card.bounding_box()
    assert box and 300 <= box["width"] <= 340, box  # the panel width of app.css
    desk.get_by_test_id("card-name").scroll_into_view_if_needed()
    desk.mouse.move(700, 700)
    settled(desk)
    desk.screenshot(path=str(SHOTS / "card-desktop.png"))

    phone = login(new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                              is_mobile=True, has_touch=True))
    goto(phone, f"/?dialog={did}")
    phone.get_by_test_id("panel-switch-card").click()
    card = phone.get_by_test_id("card")
    expect(card).to_be_visible()
    box = card.bounding_box()
    assert box and box["width"] >= 380, box  # the card is the whole width on a phone
    settled(phone)
    phone.screenshot(path=str(SHOTS / "card-phone.png"))


def test_id_subscription_phone_and_names(operator):
    typed, e164 = fresh_phone()
    did = new_client(operator, typed, "Ирина", "Белова")
    card = operator.get_by_test_id("card")
    expect(card.get_by_test_id("card-id")).to_have_text(re.compile(r"^\d+$"))
    expect(card.get_by_test_id("card-subscribed")).to_have_text(re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d$"))
    link = card.get_by_test_id("card-phone-link")
    expect(link).to_have_attribute("href", f"tel:{e164}")  # R2: click-to-call

    phone = card.get_by_test_id("card-phone")
    _edit_value(phone, "12345")
    expect(phone.get_by_test_id("card-edit-error")).to_be_visible()
    expect(phone.get_by_test_id("card-edit-input")).to_have_value("12345")  # kept for fixing
    typed2, e164_2 = fresh_phone()
    phone.get_by_test_id("card-edit-input").fill(typed2.replace("+7", "8"))
    phone.get_by_test_id("card-edit-input").press("Enter")
    expect(phone.get_by_test_id("card-edit-error")).to_have_count(0)
    expect(link).to_have_attribute("href", f"tel:{e164_2}")

    name = card.get_by_test_id("card-name")
    name.get_by_test_id("card-edit-value").click()
    name.get_by_test_id("card-name-first").fill("Ирина-Мария")
    name.get_by_test_id("card-edit-save").click()
    expect(name.get_by_test_id("card-edit-value")).to_have_text("Ирина-Мария Белова")
    expect(row_by_id(operator, did).get_by_test_id("dialog-row-name")).to_have_text("Ирина-Мария Белова")

    # persisted: a fresh tab shows the new values
    open_client(operator, did)
    expect(operator.get_by_test_id("card-phone-link")).to_have_attribute("href", f"tel:{e164_2}")
    expect(operator.get_by_test_id("card-name").get_by_test_id("card-edit-value")).to_have_text(
        "Ирина-Мария Белова")


def test_blacklist_toggle_persists_and_shows_in_the_list(operator, new_context):
    did = new_client(operator, fresh_phone()[0], "Black", "List")
    card = operator.get_by_test_id("card")
    button = card.get_by_test_id("card-blacklist")
    row = row_by_id(operator, did)
    expect(button).to_have_attribute("data-blacklisted", "false")
    expect(card.get_by_test_id("card-blacklisted-badge")).to_have_count(0)
    button.click()
    expect(button).to_have_attribute("data-blacklisted", "true")
    expect(card.get_by_test_id("card-blacklisted-badge")).to_be_visible()
    expect(row.get_by_test_id("dialog-row-blacklisted")).to_be_visible()

    other = login(new_context())  # another operator's tab sees it after loading
    open_client(other, did)
    expect(other.get_by_test_id("card-blacklist")).to_have_attribute("data-blacklisted", "true")
    expect(row_by_id(other, did).get_by_test_id("dialog-row-blacklisted")).to_be_visible()

    button.click()
    expect(button).to_have_attribute("data-blacklisted", "false")
    expect(row.get_by_test_id("dialog-row-blacklisted")).to_have_count(0)
    expect(other.get_by_test_id("card-blacklist")).to_have_attribute("data-blacklisted", "false")


def _create_folder(page, name: str) -> str:
    page.get_by_test_id("folder-add").click()
    page.get_by_test_id("folder-form-name").fill(name)
    page.get_by_test_id("folder-form-save").click()
    item = page.get_by_test_id("folder-item").filter(
        has=page.get_by_test_id("folder-name").filter(has_text=name))
    if page.get_by_test_id("folders-toggle").get_attribute("aria-expanded") == "false":
        page.get_by_test_id("folders-toggle").click()
    expect(item).to_have_count(1)
    return item.get_attribute("data-id")


def _folder(page, fid: str):
    return page.locator(f'[data-testid="folder-item"][data-id="{fid}"]')


def test_folders_multi_select_of_custom_folders(operator):
    did = new_client(operator, fresh_phone()[0], "Folder", "Client")
    a_name, b_name = f"VIP {letters()}", f"Later {letters()}"
    a, b = _create_folder(operator, a_name), _create_folder(operator, b_name)

    card = operator.get_by_test_id("card")
    card.get_by_test_id("card-folders-edit").click()
    options = operator.get_by_test_id("card-folder-option")
    expect(options.first).to_be_visible()
    ids = [options.nth(i).get_attribute("data-id") for i in range(options.count())]
    assert a in ids and b in ids
    assert all(i.isdigit() for i in ids), ids  # never "All chats" / "With operator" (L7)
    opt_a = operator.locator(f'[data-testid="card-folder-option"][data-id="{a}"]')
    opt_b = operator.locator(f'[data-testid="card-folder-option"][data-id="{b}"]')
    opt_a.click()
    expect(opt_a).to_have_attribute("data-checked", "true")
    opt_b.click()
    expect(opt_b).to_have_attribute("data-checked", "true")
    operator.keyboard.press("Escape")
    chips = card.get_by_test_id("card-folder-chip")
    expect(chips).to_have_count(2)
    expect(chips.nth(0)).to_have_text(a_name)

    # the folder shows the client; taking them out of it updates the open folder live
    _folder(operator, a).click()
    expect(_folder(operator, a)).to_have_attribute("data-active", "true")
    expect(row_by_id(operator, did)).to_have_count(1)
    card.get_by_test_id("card-folders-edit").click()
    opt_a.click()
    expect(opt_a).to_have_attribute("data-checked", "false")
    operator.keyboard.press("Escape")
    expect(row_by_id(operator, did)).to_have_count(0)
    expect(chips).to_have_count(1)
    _folder(operator, b).click()
    expect(row_by_id(operator, did)).to_have_count(1)


def test_bot_pause_moves_the_dialog_to_with_operator(operator):
    did = new_client(operator, fresh_phone()[0], "Bot", "Paused")
    state = operator.get_by_test_id("card-bot-state")
    toggle = operator.get_by_test_id("card-bot-toggle")
    expect(state).to_have_attribute("data-paused", "false")
    if operator.get_by_test_id("folders-toggle").get_attribute("aria-expanded") == "false":
        operator.get_by_test_id("folders-toggle").click()
    _folder(operator, "operator").click()
    expect(_folder(operator, "operator")).to_have_attribute("data-active", "true")
    expect(row_by_id(operator, did)).to_have_count(0)

    toggle.click()
    expect(state).to_have_attribute("data-paused", "true")
    expect(row_by_id(operator, did)).to_have_count(1)  # live: now "With operator"
    toggle.click()
    expect(state).to_have_attribute("data-paused", "false")
    expect(row_by_id(operator, did)).to_have_count(0)  # and out of it again


def test_variables_of_every_type_with_validation(operator):
    s = letters()
    keys = {t: f"{t}_{s}" for t in ("number", "date", "bool", "link", "select", "text")}
    for t, key in keys.items():
        add_crm_field(operator, f"{t.title()} {s}", key, t, ["S", "M", "L"] if t == "select" else None)
    settled(operator)
    operator.screenshot(path=str(SHOTS / "crm-fields.png"), full_page=True)
    did = new_client(operator, fresh_phone()[0], "Var", "Types")
    card = operator.get_by_test_id("card")
    expect(card.get_by_test_id("card-var")).not_to_have_count(0)

    num = card_var(operator, keys["number"])
    _edit_value(num, "twelve")
    expect(num.get_by_test_id("card-edit-error")).to_be_visible()
    num.get_by_test_id("card-edit-input").fill("1 234,5")
    num.get_by_test_id("card-edit-input").press("Enter")
    expect(num.get_by_test_id("card-edit-value")).to_have_text("1234.5")
    expect(num.get_by_test_id("card-edit-error")).to_have_count(0)

    day = card_var(operator, keys["date"])
    day.get_by_test_id("card-edit-value").click()
    expect(day.get_by_test_id("card-edit-input")).to_have_attribute("type", "date")  # a picker
    day.get_by_test_id("card-edit-input").fill("2026-11-25")
    day.get_by_test_id("card-edit-save").click()
    expect(day.get_by_test_id("card-edit-value")).to_have_text("25.11.2026")

    flag = card_var(operator, keys["bool"])
    switch = flag.get_by_test_id("card-var-switch")
    expect(switch).to_have_attribute("data-state", "unchecked")
    switch.click()
    expect(switch).to_have_attribute("data-state", "checked")

    link = card_var(operator, keys["link"])
    _edit_value(link, "javascript:alert(1)")
    expect(link.get_by_test_id("card-edit-error")).to_be_visible()
    link.get_by_test_id("card-edit-input").fill("example.com/docs")
    link.get_by_test_id("card-edit-input").press("Enter")
    a = link.get_by_test_id("card-var-link")
    expect(a).to_have_attribute("href", "https://example.com/docs")
    expect(a).to_have_attribute("target", "_blank")
    expect(a).to_have_attribute("rel", re.compile(r"\bnoopener\b"))

    sel = card_var(operator, keys["select"])
    sel.get_by_test_id("card-var-select").click()
    operator.locator('[data-testid="card-select-option"][data-value="M"]').click()
    expect(sel.get_by_test_id("card-var-select")).to_have_text("M")

    note = card_var(operator, keys["text"])
    _edit_value(note, "first line\nвторая строка", submit="button")
    expect(note.get_by_test_id("card-edit-value")).to_contain_text("вторая строка")

    # all of it is stored: a reload shows the same values
    open_client(operator, did)
    expect(card_var(operator, keys["number"]).get_by_test_id("card-edit-value")).to_have_text("1234.5")
    expect(card_var(operator, keys["date"]).get_by_test_id("card-edit-value")).to_have_text("25.11.2026")
    expect(card_var(operator, keys["bool"]).get_by_test_id("card-var-switch")).to_have_attribute(
        "data-state", "checked")
    expect(card_var(operator, keys["link"]).get_by_test_id("card-var-link")).to_have_attribute(
        "href", "https://example.com/docs")
    expect(card_var(operator, keys["select"]).get_by_test_id("card-var-select")).to_have_text("M")
    expect(card_var(operator, keys["text"]).get_by_test_id("card-edit-value")).to_contain_text("first line")


def test_tags_in_the_card_and_the_list(operator):
    gold = f"Gold {letters()}"
    add_tag2_option(operator, gold)
    did = new_client(operator, fresh_phone()[0], "Tag", "Client")
    tag1 = operator.get_by_test_id("card-tag1")
    _edit_value(tag1, "wholesale")
    expect(tag1.get_by_test_id("card-edit-value")).to_have_text("wholesale")
    operator.get_by_test_id("card-tag2").click()
    operator.locator(f'[data-testid="card-select-option"][data-value="{gold}"]').click()
    expect(operator.get_by_test_id("card-tag2")).to_have_text(gold)
    tags = row_by_id(operator, did).get_by_test_id("dialog-row-tags")
    expect(tags).to_contain_text("wholesale")
    expect(tags).to_contain_text(gold)
    # clearing Tag 2 takes it off the row
    operator.get_by_test_id("card-tag2").click()
    operator.get_by_test_id("card-select-none").click()
    expect(tags).not_to_contain_text(gold)
