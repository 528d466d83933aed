"""THE channel contract: every kind × (text, one file, several files, text + file, buttons)
through the production path (files stored as the composer stores them -> outbox.queue ->
outbox.deliver with the process's adapters -> the kind's fake provider), asserted on the
fake's side: the texts the client sees, the bytes and names of the files, the buttons (or
numbered options where a kind has none). What a kind cannot carry (SMS files) is refused at
queue time with the reason, and nothing is written or sent. And the way back: the client's
press on those buttons (or the typed number where there are none), parsed as the channel
parses it, is stored with the choice id.

Viber fetches files from a signed URL under PUBLIC_URL, so the app's own Starlette routes
(messenger_app.api.build(), /files-signed/…) run on a free port for the whole module; the
widget's visitor fetches its files from there too."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from sqlmodel import select

from messenger_app import adapters, api, db, settings
from messenger_app.channels import registry
from messenger_app.channels.base import Choice, InboundMessage
from messenger_app.channels.telegram.adapter import TelegramChannel
from messenger_app.channels.vk.events import parse_event as vk_parse_event
from messenger_app.models import Message
from messenger_app.services import attachments, auth, channels, inbox, outbox, widget
from tests.fake_fixtures import all_started
from tests.fakes.base import PDF_BYTES
from tests.fakes.runner import ThreadedServer
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.telegram_server import FakeTelegramServer, make_png
from tests.fakes.viber_server import FakeViberServer
from tests.fakes.vk_server import FakeVkServer
from tests.fakes.whatsapp_server import FakeWhatsAppServer

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")

KINDS = list(registry.KINDS)  # every kind the app knows: a new kind fails here until it is added
CASES = ["text", "one_file", "several_files", "text_and_file", "buttons"]

TG_TOKEN = "123456:AAbbccddeeffgghhiijjkkllmmnnoopp_qq"
SMS_KEY = "sk-contract-test"
MAIL_USER = "support@example.com"
MAIL_PASSWORD = "smtp-contract-pw-1"

TEXT = "Hello from support, Анна!"
QUESTION = "Shall we book a table?"
CHOICES = [Choice("book", "Book"), Choice("later", "Later")]
PNG = make_png(8, 6)
TXT = "Opening hours: 9-21\n".encode()
FILES = {"cat.png": PNG, "menu.pdf": PDF_BYTES, "hours.txt": TXT}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Arrived:
    """What the client got, as the fake provider recorded it."""

    texts: list[str] = field(default_factory=list)  # texts, captions, bodies (in order)
    files: list[tuple[str, str]] = field(default_factory=list)  # (name the client sees, sha256)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (id sent back, label)


# -- the fakes, one per kind, for the whole module ------------------------------------------

@pytest.fixture(scope="module")
def fakes():
    servers = {"telegram": FakeTelegramServer(token=TG_TOKEN), "vk": FakeVkServer(),
               "whatsapp": FakeWhatsAppServer(), "viber": FakeViberServer(),
               "sms": FakeSmsGateway(api_key=SMS_KEY),
               "email": FakeSmtpServer(user=MAIL_USER, password=MAIL_PASSWORD),
               "app": ThreadedServer(api.build())}
    with all_started(servers):
        yield servers


@pytest.fixture
def env(data_dir, fakes, monkeypatch):
    """A fresh database and DATA_DIR whose PUBLIC_URL is the app served above."""
    monkeypatch.setenv("PUBLIC_URL", fakes["app"].url)
    settings.reset()
    for name, server in fakes.items():
        if name == "email":
            server.reset()
        elif name != "app":
            server.state.reset()
    yield fakes


def _client(channel, msg: InboundMessage) -> int:
    """The client's first message as the channel parses it; returns the dialog id."""
    got = inbox.receive(channel.id, channel.kind, msg, fetch_profile=False)
    return got.dialog_id


# -- per kind: connect the channel to its fake, make a client, read what arrived -----------


async def _telegram_poll(ch) -> list:
    """What the Telegram worker's next poll of the channel `ch` brings (no long poll)."""
    adapter = TelegramChannel(ch.token, ch.base_url, poll_timeout=0)
    try:
        return (await adapter.poll(""))[0]
    finally:
        await adapter.close()


def setup_telegram(f):
    """The client writes to the bot; the adapter's poll parses it."""
    fake = f["telegram"]
    ch = channels.add_telegram(TG_TOKEN, base_url=fake.url)
    fake.state.queue_user_message(501, "Anna", text="hi")

    [msg] = asyncio.run(_telegram_poll(ch))
    return _client(ch, msg)


def arrived_telegram(f) -> Arrived:
    got = Arrived()
    for s in f["telegram"].state.sent:
        text = s.get("text") or s.get("caption") or ""
        if text:
            got.texts.append(text)
        if s.get("method"):
            got.files.append((s["file_name"], s["sha256"]))
        for row in (s.get("reply_markup") or {}).get("inline_keyboard", []):
            got.buttons += [(b["callback_data"], b["text"]) for b in row]
    return got


def setup_vk(f):
    """The client writes to the community; the message_new event is parsed by the adapter."""
    fake = f["vk"]
    ch = channels.add("vk", token=fake.token, base_url=fake.api_url,
                      config={"group_id": str(fake.group_id)})
    message = fake.state.queue_user_message(7001, "hi", first_name="Ivan")
    msg = vk_parse_event({"type": "message_new", "object": {"message": message}})
    return _client(ch, msg)


def arrived_vk(f) -> Arrived:
    got = Arrived()
    for s in f["vk"].state.sent:
        if s["message"]:
            got.texts.append(s["message"])
        got.files += [(x["file_name"], sha(x["data"])) for x in s["files"]]
        for row in (s.get("keyboard") or {}).get("buttons", []):
            got.buttons += [(json.loads(b["action"]["payload"])["choice"], b["action"]["label"])
                            for b in row]
    return got


WA_USER = "4915112345678"


def setup_whatsapp(f):
    """The client writes (the 24-hour window opens); the signed notification is parsed by
    the adapter as the webhook route does."""
    fake = f["whatsapp"]
    ch = channels.add("whatsapp", token=fake.token, base_url=fake.api_url,
                      config={"phone_number_id": fake.phone_number_id,
                              "app_secret": fake.app_secret, "verify_token": fake.verify_token})
    raw, signature = fake.state.sign(fake.state.text_message(WA_USER, "hi", name="Olga"))
    return _client(ch, *_webhook(ch, {"x-hub-signature-256": signature}, raw))


def _webhook(ch, headers: dict, raw: bytes):
    async def parse():
        adapter = registry.build(ch)
        try:
            return adapter.parse_request(headers, {}, raw).messages
        finally:
            await adapter.close()

    return asyncio.run(parse())


def arrived_whatsapp(f) -> Arrived:
    state, got = f["whatsapp"].state, Arrived()
    names = {u["id"]: u["file_name"] for u in state.uploads}  # the name went with the upload
    for s in state.sent:
        if s.get("text") or s.get("caption"):
            got.texts.append(s.get("text") or s.get("caption"))
        if s.get("data") is not None:
            got.files.append((s.get("filename") or names[s["media"]["id"]], sha(s["data"])))
        action = (s.get("interactive") or {}).get("action", {})
        got.buttons += [(b["reply"]["id"], b["reply"]["title"]) for b in action.get("buttons", [])]
        for section in action.get("sections", []):
            got.buttons += [(r["id"], r["title"]) for r in section["rows"]]
    return got


def setup_viber(f):
    """The client writes to the bot (and so subscribes); the signed callback is parsed."""
    fake = f["viber"]
    ch = channels.add("viber", token=fake.token, base_url=fake.api_url,
                      config={"sender_name": "Shop"})
    raw, signature = fake.state.sign(fake.state.message_event("vb-USER-1==", "hi", name="Petr"))
    return _client(ch, *_webhook(ch, {"x-viber-content-signature": signature}, raw))


def _shown_name(url: str) -> str:
    """A Viber picture carries no file name: the client sees the URL's (our stored name is
    "<random hex>-<the operator's file name>")."""
    return unquote(PurePosixPath(urlsplit(url).path).name).split("-", 1)[1]


def arrived_viber(f) -> Arrived:
    got = Arrived()
    for s in f["viber"].state.sent:
        if s.get("text"):
            got.texts.append(s["text"])
        if s["type"] in ("picture", "file"):
            assert s["fetch_status"] == 200, s  # Viber could fetch the signed URL
            got.files.append((s.get("file_name") or _shown_name(s["media"]), sha(s["data"])))
        got.buttons += [(b["ActionBody"], b["Text"])
                        for b in (s.get("keyboard") or {}).get("Buttons", [])]
    return got


SMS_TO = "+79991234567"


def setup_sms(f):
    gw = f["sms"]
    ch = channels.add("sms", config={
        "send_url": f"{gw.url}/send", "method": "POST", "body_format": "form",
        "params_template": json.dumps({"to": "{to}", "text": "{text}", "ref": "{message_id}"}),
        "auth_header": "Authorization", "auth_value": f"Bearer {SMS_KEY}",
        "id_path": "messages.0.id"})
    return _client(ch, InboundMessage(external_id="gw-in-1", identity_external_id=SMS_TO,
                                              text="hi", phone=SMS_TO))


def arrived_sms(f) -> Arrived:
    return Arrived(texts=[s["text"] for s in f["sms"].state.sent])


MAIL_CLIENT = "anna@client.example"


def setup_email(f):
    smtp = f["email"]
    ch = channels.add("email", config={
        "imap_host": "127.0.0.1", "imap_port": 1, "imap_ssl": False, "imap_user": MAIL_USER,
        "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_starttls": False,
        "smtp_user": MAIL_USER, "smtp_password": MAIL_PASSWORD, "from_address": MAIL_USER,
        "timeout": 5})
    return _client(ch, InboundMessage(
        external_id="<q1@client.example>", identity_external_id=MAIL_CLIENT, text="hi",
        display_name="Anna", raw={"subject": "Booking"}))


def arrived_email(f) -> Arrived:
    got = Arrived()
    for m in f["email"].messages:
        assert m["rcpt_tos"] == [MAIL_CLIENT]
        msg = m["message"]
        assert msg["In-Reply-To"] == "<q1@client.example>"  # answers the client's thread
        body = msg.get_body(("plain",))
        if body is not None and body.get_content().strip():
            got.texts.append(body.get_content().strip())
        got.files += [(p.get_filename(), sha(p.get_payload(decode=True))) for p in msg.iter_attachments()]
    return got


WIDGET = {}


def setup_widget(f):
    WIDGET["visitor"] = visitor = widget.new_visitor()
    return widget.send(visitor, "hi").dialog_id


def arrived_widget(f) -> Arrived:
    """What the visitor's widget shows; files are fetched as the visitor's browser does (a
    signed URL relative to our origin, without a session)."""
    got = Arrived()
    for item in widget.view(WIDGET["visitor"]):
        if item["dir"] != "out":
            continue
        if item["text"]:
            got.texts.append(item["text"])
        for att in item["atts"]:
            r = httpx.get(f["app"].url + att["url"])
            assert r.status_code == 200, att
            got.files.append((att["name"], sha(r.content)))
        got.buttons += [(c["id"], c["label"]) for c in item["choices"]]
    return got


HARNESS = {k: (globals()[f"setup_{k}"], globals()[f"arrived_{k}"]) for k in KINDS}


# -- the matrix ----------------------------------------------------------------------------

def _store(*names: str) -> list[dict]:
    """As the composer does: store each upload, then rebuild the dicts from the stored files."""
    return attachments.clean_attachments([attachments.store_upload(n, FILES[n]) for n in names])


def _message(case: str) -> tuple[str, list[dict], list[Choice]]:
    return {
        "text": (TEXT, [], []),
        "one_file": ("", _store("cat.png"), []),
        "several_files": ("", _store("cat.png", "menu.pdf", "hours.txt"), []),
        "text_and_file": (TEXT, _store("menu.pdf"), []),
        "buttons": (QUESTION, [], CHOICES),
    }[case]


def _out_rows() -> list[Message]:
    with db.session() as s:
        return s.exec(select(Message).where(Message.direction == "out")).all()


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", KINDS)
def test_contract(env, kind, case):
    setup, arrived = HARNESS[kind]
    op = auth.create_operator("op", "password-123")
    dialog_id = setup(env)
    text, files, choices = _message(case)
    caps = registry.capabilities(kind)

    if files and not caps.max_files:  # e.g. SMS: refused with the reason, nothing written
        with pytest.raises(outbox.SendRefused) as refused:
            outbox.queue(dialog_id, op.id, text, attachments=files, choices=choices)
        assert refused.value.code == "files_not_supported"
        assert _out_rows() == []
        assert arrived(env) == Arrived()
        return

    mid = outbox.queue(dialog_id, op.id, text, attachments=files, choices=choices)

    async def send():
        try:
            return await outbox.deliver(mid, adapters.get)
        finally:
            await adapters.close_all()  # in this loop: the adapters' HTTP clients belong to it

    status = asyncio.run(send())
    [row] = _out_rows()
    assert (status, row.error) == ("sent", ""), row.error
    got = arrived(env)

    want_files = [(a["file_name"], sha(FILES[a["file_name"]])) for a in files]
    assert got.files == want_files
    if text and not choices:
        assert text in got.texts
    if not text:
        assert got.texts == []  # nothing invented around the files
    if not choices:
        assert got.buttons == []
    elif caps.native_choices >= len(choices):
        assert got.buttons == [(c.id, c.label) for c in choices]
        assert QUESTION in got.texts
    else:  # numbered options under the text
        assert got.buttons == []
        assert any(t.startswith(QUESTION) and "1. Book" in t and "2. Later" in t
                   for t in got.texts), got.texts


def test_every_kind_is_in_the_matrix():
    assert set(PRESS) | {"widget"} == set(registry.KINDS)
    assert set(HARNESS) == set(registry.KINDS) == {
        "telegram", "vk", "whatsapp", "viber", "sms", "email", "widget"}


# -- the way back: a pressed button (or a typed number) carries the choice id ---------------

def _telegram_press(f, ch):
    fake = f["telegram"]
    [sent] = [s for s in fake.state.sent if s.get("reply_markup")]
    fake.state.press_button(501, sent["message_id"], data="later")

    return [m for m in asyncio.run(_telegram_poll(ch)) if m.choice_id]


def _vk_press(f, ch):
    [sent] = f["vk"].state.sent
    message = f["vk"].state.press(7001, sent, "later")
    return [vk_parse_event({"type": "message_new", "object": {"message": message}})]


def _whatsapp_press(f, ch):
    [sent] = f["whatsapp"].state.sent
    raw, signature = f["whatsapp"].state.sign(f["whatsapp"].state.press(WA_USER, sent, "later"))
    return _webhook(ch, {"x-hub-signature-256": signature}, raw)


def _viber_press(f, ch):
    [sent] = f["viber"].state.sent
    raw, signature = f["viber"].state.sign(f["viber"].state.press("vb-USER-1==", sent, "later"))
    return _webhook(ch, {"x-viber-content-signature": signature}, raw)


def _sms_typed(f, ch):  # no buttons: the client answers with the option's number
    return [InboundMessage(external_id="gw-in-2", identity_external_id=SMS_TO, text="2")]


def _email_typed(f, ch):  # the reply as the adapter parses it (the quoted part stripped)
    return [InboundMessage(external_id="<q2@client.example>", identity_external_id=MAIL_CLIENT,
                           text="2")]


PRESS = {"telegram": _telegram_press, "vk": _vk_press, "whatsapp": _whatsapp_press,
         "viber": _viber_press, "sms": _sms_typed, "email": _email_typed}


@pytest.mark.parametrize("kind", KINDS)
def test_contract_the_answer_carries_the_choice_id(env, kind):
    setup, _ = HARNESS[kind]
    op = auth.create_operator("op", "password-123")
    dialog_id = setup(env)
    mid = outbox.queue(dialog_id, op.id, QUESTION, choices=CHOICES)

    async def send():
        try:
            return await outbox.deliver(mid, adapters.get)
        finally:
            await adapters.close_all()

    assert asyncio.run(send()) == "sent"
    if kind == "widget":  # the visitor's page presses through services/widget
        got = widget.send(WIDGET["visitor"], "", choice_id="later")
    else:
        ch = channels.get(_out_rows()[0].channel_id)
        [answer] = PRESS[kind](env, ch)
        got = inbox.receive(ch.id, kind, answer, fetch_profile=False)
    assert got.created and got.dialog_id == dialog_id
    with db.session() as s:
        row = s.get(Message, got.message_id)
    assert (row.direction, row.choice_id) == ("in", "later")
