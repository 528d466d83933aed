"""S1 in the browser: one client writes via Telegram (sharing their phone), then WhatsApp,
then SMS → ONE dialog, three channel icons on the messages, the row shows the last one's.
WhatsApp and the SMS gateway are connected on /settings like an admin would."""

import json
import urllib.request

from playwright.sync_api import expect

from tests.e2e.conftest import goto, login, new_page, unique
from tests.fake_fixtures import control
from tests.fakes.whatsapp_server import (DEFAULT_APP_SECRET, DEFAULT_PHONE_NUMBER_ID,
                                         DEFAULT_TOKEN, FakeWhatsAppState)

PHONE_DIGITS = "79161234567"


def _post(url: str, body: bytes, headers: dict) -> int:
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def _connect(admin, kind: str, fields: dict) -> str:
    admin.get_by_test_id(f"channel-kind-{kind}").click()
    for name, value in fields.items():
        admin.get_by_test_id(f"channel-field-{name}").fill(value)
    admin.get_by_test_id("channel-connect").click()
    row = admin.locator(f'[data-testid="channel-row"][data-kind="{kind}"]')
    expect(row).to_have_count(1)
    expect(admin.get_by_test_id("settings-error")).to_have_count(0)
    if kind == "telegram":  # polled: no webhook URL
        return ""
    return row.get_by_test_id("channel-webhook").inner_text().strip()


def test_telegram_whatsapp_sms_make_one_dialog(browser, app, fake_tg):
    ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
    ctx.set_default_timeout(8000)
    try:
        admin = login(ctx)
        goto(admin, "/settings")
        if admin.locator('[data-testid="channel-row"][data-kind="telegram"]').count() == 0:
            _connect(admin, "telegram", {"token": "123456:AAbbccddeeffgghhiijjkkllmmnnoopp_qq",
                                         "base_url": fake_tg.url})
        wa_hook = _connect(admin, "whatsapp", {"token": DEFAULT_TOKEN,
                                               "cfg_phone_number_id": DEFAULT_PHONE_NUMBER_ID,
                                               "cfg_app_secret": DEFAULT_APP_SECRET})
        sms_hook = _connect(admin, "sms", {"cfg_send_url": "http://127.0.0.1:9/send"})
        assert wa_hook.startswith(app.url + "/hooks/") and sms_hook.startswith(app.url + "/hooks/")

        inbox = new_page(ctx)
        goto(inbox, "/")
        first = unique("Omni").replace(" ", "")
        t1, t2, t3 = unique("via Telegram"), unique("via WhatsApp"), unique("via SMS")
        # 1. Telegram, with the user's own shared contact (their phone)
        control(fake_tg, "user_message", {"user_id": 555000111, "first_name": first,
                                          "text": t1, "phone": "+" + PHONE_DIGITS})
        row = inbox.get_by_test_id("dialog-row").filter(
            has=inbox.get_by_test_id("dialog-row-name").filter(has_text=first))
        expect(row).to_have_count(1)
        # 2. WhatsApp from the same number (a signed Cloud API webhook)
        wa = FakeWhatsAppState()
        raw, sig = wa.sign(wa.text_message(PHONE_DIGITS, t2, first))
        assert _post(wa_hook, raw, {"X-Hub-Signature-256": sig,
                                    "Content-Type": "application/json"}) == 200
        expect(row.get_by_test_id("dialog-row-preview")).to_have_text(t2)
        # 3. an SMS from the same number, written the Russian way
        assert _post(sms_hook, json.dumps({"from": "8 916 123-45-67", "text": t3,
                                           "id": unique("sms")}).encode(),
                     {"Content-Type": "application/json"}) == 200
        expect(row.get_by_test_id("dialog-row-preview")).to_have_text(t3)
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("dialog-row-channel")).to_have_attribute("data-channel", "sms")

        row.click()
        view = inbox.get_by_test_id("dialog-view")
        msgs = view.get_by_test_id("message")
        for text, kind in ((t1, "telegram"), (t2, "whatsapp"), (t3, "sms")):
            m = msgs.filter(has_text=text)
            expect(m).to_have_count(1)
            expect(m.get_by_test_id("message-channel")).to_have_attribute("data-channel", kind)
        # the reply goes where the client wrote last (SMS), the others stay selectable
        expect(view.get_by_test_id("composer-channel")).to_contain_text("SMS")
    finally:
        ctx.close()
