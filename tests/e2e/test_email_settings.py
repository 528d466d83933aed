"""/settings for e-mail in the browser, against Dovecot and the SMTP server of
tests/services.py: security chosen per server, the CA file, saving tests the servers first
and says what failed in words; "Test connection" on the card reports that both work."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import goto, login
from tests.services import DovecotServer, SmtpServer

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")

USER, PASSWORD = "support@example.com", "support-Pw-1"


@pytest.fixture(scope="module")
def mail_servers():
    dovecot = DovecotServer({USER: PASSWORD})
    smtp = SmtpServer(dovecot)
    yield dovecot, smtp
    smtp.stop()
    dovecot.stop()


def test_connect_email_with_tls_choices_and_test_connection(browser, app, mail_servers):
    dovecot, smtp = mail_servers
    ctx = browser.new_context(base_url=app.url, viewport={"width": 1366, "height": 768})
    ctx.set_default_timeout(15000)
    try:
        admin = login(ctx)
        goto(admin, "/settings")
        admin.get_by_test_id("channel-kind-email").click()
        fields = {"cfg_imap_host": "127.0.0.1", "cfg_imap_port": str(dovecot.port),
                  "cfg_imap_user": USER, "cfg_imap_password": PASSWORD,
                  "cfg_smtp_host": "127.0.0.1", "cfg_smtp_port": str(smtp.ssl_port),
                  "cfg_smtp_user": USER, "cfg_smtp_password": PASSWORD,
                  "cfg_from_address": USER, "name": "Support mail"}
        for name, value in fields.items():
            admin.get_by_test_id(f"channel-field-{name}").fill(value)
        # IMAPS (the default) against the plain port: refused, in words, nothing saved
        admin.get_by_test_id("channel-field-cfg_smtp_security").select_option("ssl")
        admin.get_by_test_id("channel-connect").click()
        error = admin.get_by_test_id("settings-error")
        expect(error).to_contain_text("does not speak this security")
        expect(admin.locator('[data-testid="channel-row"][data-kind="email"]')).to_have_count(0)

        for name, value in fields.items():  # the form was reset by the submit
            admin.get_by_test_id(f"channel-field-{name}").fill(value)
        admin.get_by_test_id("channel-field-cfg_imap_security").select_option("starttls")
        admin.get_by_test_id("channel-field-cfg_smtp_security").select_option("ssl")
        admin.get_by_test_id("channel-field-cfg_tls_ca_file").fill(str(dovecot.tls["ca"]))
        admin.get_by_test_id("channel-connect").click()
        row = admin.locator('[data-testid="channel-row"][data-kind="email"]')
        expect(row).to_have_count(1)
        row.get_by_test_id("channel-test").click()
        expect(row.get_by_test_id("channel-test-result")).to_have_text("IMAP and SMTP both work.")
    finally:
        ctx.close()
