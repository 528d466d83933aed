"""A file attached in the composer reaches a WhatsApp, a VK, a Viber and an e-mail client
(issue 10): the operator picks the file with the paperclip, types a caption and sends; each
kind's fake provider receives the file's bytes under its name (WhatsApp: uploaded to /media
and sent by id; VK: upload server -> save -> attachment; Viber: fetched from the app's signed
URL under PUBLIC_URL; e-mail: a MIME part)."""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, unique
from tests.e2e.test_composer import PDF, gradient_png
from tests.e2e.test_dialog import open_dialog
from tests.e2e.test_left_panel import services
from tests.fake_fixtures import all_started
from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.viber_server import FakeViberServer
from tests.fakes.vk_server import FakeVkServer
from tests.fakes.whatsapp_server import FakeWhatsAppServer

MAIL_USER = "support@example.com"
MAIL_PASSWORD = "smtp-e2e-pw-" + uuid.uuid4().hex[:6]
SEND_TIMEOUT = 45.0  # a channel added from another process starts within the workers' sync


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def fakes():
    servers = {"whatsapp": FakeWhatsAppServer(), "vk": FakeVkServer(), "viber": FakeViberServer(),
               "email": FakeSmtpServer(user=MAIL_USER, password=MAIL_PASSWORD)}
    with all_started(servers):
        yield servers


@pytest.fixture(scope="module")
def clients(app, fakes):
    """One channel of each kind on the running app, pointed at its fake, and a client who
    wrote in each (as the channel parsed it). Returns kind -> {"dialog_id", "user"}."""
    wa, vk, vb, smtp = fakes["whatsapp"], fakes["vk"], fakes["viber"], fakes["email"]
    tag = uuid.uuid4().hex[:6]
    users = {"whatsapp": "49151" + str(uuid.uuid4().int)[:8], "vk": str(700000 + int(tag, 16) % 99999),
             "viber": f"vb{tag}==", "email": f"client-{tag}@client.example"}
    wa.state.set_last_inbound(users["whatsapp"], time.time())  # the 24-hour window is open
    vk.state.register_user(int(users["vk"]), "Ivan")
    vk.state.allow(int(users["vk"]))  # he wrote to the community
    vb.state.register_user(users["viber"], "Petr")  # subscribed: he wrote to the bot
    configs = {
        "whatsapp": dict(token=wa.token, base_url=wa.api_url, config={
            "phone_number_id": wa.phone_number_id, "app_secret": wa.app_secret,
            "verify_token": wa.verify_token}),
        "vk": dict(token=vk.token, base_url=vk.api_url, config={"group_id": str(vk.group_id)}),
        "viber": dict(token=vb.token, base_url=vb.api_url, config={"sender_name": "Shop"}),
        "email": dict(config={
            "imap_host": "127.0.0.1", "imap_port": 1, "imap_ssl": False, "poll_interval": 3600,
            "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_starttls": False,
            "smtp_user": MAIL_USER, "smtp_password": MAIL_PASSWORD, "from_address": MAIL_USER,
            "timeout": 5}),
    }
    names = {"whatsapp": "Olga", "vk": "Ivan", "viber": "Petr", "email": "Anna"}
    return services(app, f"""
from messenger_app.channels.base import InboundMessage
from messenger_app.services import channels, inbox
out = {{}}
for kind, kw in {configs!r}.items():
    ch = channels.add(kind, name=kind + " {tag}", **kw)
    user, name = {users!r}[kind], {names!r}[kind] + " {tag}"
    got = inbox.receive(ch.id, kind, InboundMessage(
        external_id="e2e-in-{tag}-" + kind, identity_external_id=user, text="hi, I need a file",
        display_name=name, first_name=name, phone="+" + user if kind == "whatsapp" else ""),
        fetch_profile=False)
    out[kind] = {{"dialog_id": str(got.dialog_id), "user": user}}
print(json.dumps(out))""")


def received(kind: str, fake, user: str) -> list[tuple[str, str]]:
    """(file name, sha256) of the files this client got, as the fake recorded them."""
    state = getattr(fake, "state", None)
    if kind == "whatsapp":
        names = {u["id"]: u["file_name"] for u in state.uploads}
        return [(s.get("filename") or names[s["media"]["id"]], sha(s["data"]))
                for s in list(state.sent) if s["to"] == user and s.get("data") is not None]
    if kind == "vk":
        return [(f["file_name"], sha(f["data"])) for s in list(state.sent)
                if str(s["peer_id"]) == user for f in s["files"]]
    if kind == "viber":
        return [(s.get("file_name") or s["media"].rsplit("-", 1)[-1], sha(s["data"] or b""))
                for s in list(state.sent)
                if s["receiver"] == user and s["type"] in ("picture", "file")]
    return [(p.get_filename(), sha(p.get_payload(decode=True))) for m in fake.messages
            if m["rcpt_tos"] == [user] for p in m["message"].iter_attachments()]


def texts(kind: str, fake, user: str) -> list[str]:
    state = getattr(fake, "state", None)
    if kind == "whatsapp":
        return [s.get("caption") or s.get("text") or "" for s in state.sent if s["to"] == user]
    if kind == "vk":
        return [s["message"] for s in state.sent if str(s["peer_id"]) == user]
    if kind == "viber":
        return [s.get("text") or "" for s in state.sent if s["receiver"] == user]
    return [m["message"].get_body(("plain",)).get_content().strip() for m in fake.messages
            if m["rcpt_tos"] == [user]]


# (kind, the file the operator attaches)
FILES = [("whatsapp", "offer.pdf", PDF), ("vk", "jacket.png", gradient_png(40, 30)),
         ("viber", "jacket.png", gradient_png(30, 40)), ("email", "offer.pdf", PDF)]


def test_a_file_from_the_composer_reaches_every_channel(clients, fakes, new_context, tmp_path):
    page = login(new_context())
    for kind, name, data in FILES:
        client = clients[kind]
        path = tmp_path / kind / name
        path.parent.mkdir()
        path.write_bytes(data)
        view = open_dialog(page, client["dialog_id"])
        clip = page.get_by_test_id("composer-attach")
        expect(clip).not_to_have_attribute("data-disabled", "true")
        with page.expect_file_chooser() as chooser:
            clip.click()
        chooser.value.set_files(str(path))
        pending = page.get_by_test_id("composer-attachment")
        expect(pending).to_have_count(1)
        caption = unique(f"Here is the file by {kind}")
        box = page.get_by_test_id("composer-input")
        box.fill(caption)
        box.press("Enter")
        expect(pending).to_have_count(0)
        msg = view.get_by_test_id("message").filter(has_text=caption)
        expect(msg.get_by_test_id("message-status")).to_have_attribute(
            "data-status", "sent", timeout=SEND_TIMEOUT * 1000)
        fake = fakes[kind]
        got = received(kind, fake, client["user"])
        assert got == [(name, sha(data))], (kind, got)
        assert caption in texts(kind, fake, client["user"]), (kind, texts(kind, fake, client["user"]))
        if kind == "viber":  # Viber fetched it from our signed, expiring URL under PUBLIC_URL
            [sent] = [s for s in fakes["viber"].state.sent if s["type"] in ("picture", "file")]
            assert sent["fetch_status"] == 200 and "/files-signed/" in sent["media"], sent
