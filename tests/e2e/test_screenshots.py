"""Screenshots of the main screens for the README/review (screenshots/*.png), and S3/N3: on a
phone the panel switch buttons show one panel at a time."""

from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS_DIR, ROOT, goto, login, new_page, open_widget, row_by_id, row_with, unique, widget_say
from tests.e2e.waits import settled

SHOTS = SHOTS_DIR
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _visible_panels(page) -> dict[str, bool]:
    return {name: page.get_by_test_id(name).is_visible()
            for name in ("dialog-list", "dialog-view", "card")}


def test_screenshots_and_phone_panel_switch(new_context):
    SHOTS.mkdir(exist_ok=True)

    # some content: three visitors, one of them answered by an operator
    texts = []
    visitors = []
    for words in ("Hi! Is the blue jacket still available in size M?",
                  "Good evening, what time do you open tomorrow?",
                  "Hello, I'd like to change the delivery address for order 1042"):
        v = open_widget(new_context(viewport={"width": 390, "height": 700}))
        text = f"{words} ({unique('#')[2:]})"
        widget_say(v, text)
        texts.append(text)
        visitors.append(v)

    # desktop: three panels side by side, a dialog open
    desk = login(new_context(viewport=DESKTOP))
    did = row_with(desk, texts[0]).get_attribute("data-id")
    row_by_id(desk, did).click()
    expect(desk.get_by_test_id("dialog-view")).to_be_visible()
    answer = "Yes, it is! Shall I reserve one for you?\nWe can also deliver it tomorrow."
    desk.get_by_test_id("composer-input").fill(answer)
    desk.get_by_test_id("composer-input").press("Enter")
    expect(desk.get_by_test_id("message").last.get_by_test_id("message-status")).to_have_attribute(
        "data-status", "sent")
    expect(visitors[0].get_by_test_id("widget-message")).to_have_count(2)
    visitors[0].get_by_test_id("widget-input").fill("Great, please reserve it. Thanks!")
    visitors[0].get_by_test_id("widget-send").click()
    expect(desk.get_by_test_id("message")).to_have_count(3)
    assert _visible_panels(desk) == {"dialog-list": True, "dialog-view": True, "card": True}
    for name in ("panel-switch-list", "panel-switch-dialog", "panel-switch-card"):
        expect(desk.get_by_test_id(name)).to_be_hidden()  # the switch is for phones only
    desk.mouse.move(1300, 600)  # no hover highlight on a row in the picture
    settled(desk)
    desk.screenshot(path=str(SHOTS / "desktop-inbox.png"))

    # phone: one panel at a time, switched by the buttons on the top bar
    phone = login(new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True))
    for name in ("panel-switch-list", "panel-switch-dialog", "panel-switch-card"):
        expect(phone.get_by_test_id(name)).to_be_visible()
    expect(phone.get_by_test_id("dialog-list")).to_be_visible()
    settled(phone)
    phone.screenshot(path=str(SHOTS / "phone-list.png"))

    row_by_id(phone, did).click()  # opening a dialog shows it
    expect(phone.get_by_test_id("dialog-view")).to_be_visible()
    expect(phone.get_by_test_id("dialog-list")).to_be_hidden()

    phone.get_by_test_id("panel-switch-list").click()
    expect(phone.get_by_test_id("dialog-list")).to_be_visible()
    expect(phone.get_by_test_id("dialog-view")).to_be_hidden()
    expect(phone.get_by_test_id("card")).to_be_hidden()

    phone.get_by_test_id("panel-switch-dialog").click()
    expect(phone.get_by_test_id("dialog-view")).to_be_visible()
    expect(phone.get_by_test_id("dialog-list")).to_be_hidden()
    expect(phone.get_by_test_id("card")).to_be_hidden()
    settled(phone)
    phone.screenshot(path=str(SHOTS / "phone-dialog.png"))

    phone.get_by_test_id("panel-switch-card").click()
    expect(phone.get_by_test_id("card")).to_be_visible()
    expect(phone.get_by_test_id("dialog-view")).to_be_hidden()
    expect(phone.get_by_test_id("dialog-list")).to_be_hidden()
    settled(phone)
    phone.screenshot(path=str(SHOTS / "phone-card.png"))

    phone.get_by_test_id("panel-switch-list").click()
    expect(phone.get_by_test_id("dialog-list")).to_be_visible()
    expect(phone.get_by_test_id("card")).to_be_hidden()

    # the sign-in page
    guest = new_page(new_context(viewport=DESKTOP))
    goto(guest, "/login")
    expect(guest.get_by_test_id("login-submit")).to_be_visible()
    settled(guest)
    guest.screenshot(path=str(SHOTS / "login.png"))

    # the visitor's widget with the conversation
    w = visitors[0]
    expect(w.get_by_test_id("widget-message")).to_have_count(3)
    settled(w)
    w.screenshot(path=str(SHOTS / "widget.png"))

    for name in ("desktop-inbox", "phone-list", "phone-dialog", "phone-card", "login", "widget"):
        assert (SHOTS / f"{name}.png").stat().st_size > 5000, name
