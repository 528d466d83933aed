"""The composer offers only what the chosen route can carry (issue 10): for a client reached
by SMS the paperclip is disabled with the reason (hover / keyboard focus show it, a file
dropped anyway is refused with it), on desktop and phone; files attached on a route that
carries them and then switched to SMS are refused with the reason and nothing is sent."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import login, unique
from tests.e2e.test_composer import PDF
from tests.e2e.test_dialog import open_dialog
from tests.e2e.test_left_panel import phone_number, services

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
NO_FILES = "SMS cannot carry files"


def sms_client(app, telegram_too: bool = False) -> dict:
    """A client who wrote by SMS (and, with telegram_too, by Telegram from the same number:
    one dialog, two routes). The Telegram channel points at a closed port: never polled."""
    e164 = phone_number()[0]
    text = unique("Need a quote")
    return services(app, f"""
from sqlmodel import select
from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Channel
from messenger_app.services import channels, inbox
with db.session() as s:
    sms = s.exec(select(Channel).where(Channel.kind == "sms")).first()
sms = sms or channels.add("sms", "SMS gateway", config={{"send_url": "http://127.0.0.1:9/send"}})
got = inbox.receive(sms.id, "sms", InboundMessage(external_id="e2e-" + {text!r},
                    identity_external_id={e164!r}, text={text!r}, phone="+" + {e164!r}))
if {telegram_too!r}:
    with db.session() as s:
        tg = s.exec(select(Channel).where(Channel.kind == "telegram",
                                          Channel.base_url == "http://127.0.0.1:9")).first()
    tg = tg or channels.add_telegram("654321:" + "B" * 30, name="Shop bot",
                                     base_url="http://127.0.0.1:9")
    inbox.receive(tg.id, "telegram", InboundMessage(
        external_id={e164!r} + ":1", identity_external_id={e164!r}[-9:], text="me on telegram",
        first_name="Vera", phone="+" + {e164!r}))
print(json.dumps({{"dialog_id": str(got.dialog_id), "text": {text!r}}}))""")


def pick_route(page, kind: str) -> None:
    page.get_by_test_id("composer-channel").click()
    page.locator(f'[data-testid="composer-channel-option"][data-kind="{kind}"]').click()


def test_the_paperclip_is_disabled_with_the_reason_for_an_sms_client(app, new_context, tmp_path):
    client = sms_client(app)
    (tmp_path / "offer.pdf").write_bytes(PDF)
    for viewport in (DESKTOP, PHONE):
        page = login(new_context(viewport=viewport))
        if viewport is PHONE:
            page.get_by_test_id("panel-switch-list").click()
        open_dialog(page, client["dialog_id"])
        clip = page.get_by_test_id("composer-attach")
        expect(clip).to_be_visible()
        expect(clip).to_have_attribute("data-disabled", "true")
        expect(clip).to_have_attribute("aria-disabled", "true")
        expect(clip).to_have_attribute("aria-label", NO_FILES)
        # the reason shows on keyboard focus (and hover) — the button stays focusable
        clip.focus()
        expect(page.get_by_role("tooltip")).to_contain_text(NO_FILES)
        # a file dropped onto the composer anyway is refused with the reason, nothing pends
        page.locator('#composer-upload input[type="file"]').set_input_files(
            str(tmp_path / "offer.pdf"))
        expect(page.get_by_test_id("composer-error")).to_have_text(NO_FILES)
        expect(page.get_by_test_id("composer-attachment")).to_have_count(0)


def test_files_attached_then_switched_to_sms_are_refused_with_the_reason(app, new_context,
                                                                         tmp_path):
    client = sms_client(app, telegram_too=True)
    (tmp_path / "offer.pdf").write_bytes(PDF)
    page = login(new_context(viewport=DESKTOP))
    view = open_dialog(page, client["dialog_id"])
    pick_route(page, "telegram")
    clip = page.get_by_test_id("composer-attach")
    expect(clip).not_to_have_attribute("data-disabled", "true")
    with page.expect_file_chooser() as chooser:
        clip.click()
    chooser.value.set_files(str(tmp_path / "offer.pdf"))
    expect(page.get_by_test_id("composer-attachment")).to_have_count(1)
    expect(page.get_by_test_id("composer-route-refusal")).to_have_count(0)

    pick_route(page, "sms")
    refusal = page.get_by_test_id("composer-route-refusal")
    expect(refusal).to_contain_text(NO_FILES)
    expect(refusal).to_contain_text("remove the files or choose another channel")
    text = unique("Here is the offer")
    page.get_by_test_id("composer-input").fill(text)
    page.get_by_test_id("composer-input").press("Enter")
    expect(page.get_by_test_id("composer-error")).to_contain_text(NO_FILES)
    expect(view.get_by_test_id("message").filter(has_text=text)).to_have_count(0)
    expect(page.get_by_test_id("composer-attachment")).to_have_count(1)  # kept for another route
    expect(page.get_by_test_id("composer-input")).to_have_value(text)  # the text is kept too
