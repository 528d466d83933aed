"""The e-mail channel against real servers: Dovecot (Debian's dovecot-imapd, IMAP with
STARTTLS and IMAPS, a private CA) and aiosmtpd delivering into it (tests/services.py).
What a real server cannot be made to do (a LOGIN answering [UNAVAILABLE], a connection cut
in the middle of a FETCH, a 421) stays in test_email_adapter.py on the fakes."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from imapclient import IMAPClient
from sqlmodel import select

from messenger_app import db
from messenger_app.channels.email import EmailChannel, EmailConfig
from messenger_app.channels.email.problems import ConnectionProblem
from messenger_app.i18n.errors import error_text
from messenger_app.models import Message
from messenger_app.services import attachments, channels, inbox, outbox
from tests.services import DovecotServer, SmtpServer

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")

SUPPORT, SUPPORT_PW = "support@example.com", "support-Pw-1"
ANN, ANN_PW = "ann@example.org", "ann-Pw-2"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def servers():
    dovecot = DovecotServer({SUPPORT: SUPPORT_PW, ANN: ANN_PW})
    smtp = SmtpServer(dovecot)
    yield dovecot, smtp
    smtp.stop()
    dovecot.stop()


def config(servers, **overrides) -> dict:
    dovecot, smtp = servers
    cfg = {"imap_host": "127.0.0.1", "imap_port": dovecot.ssl_port, "imap_security": "ssl",
           "imap_user": SUPPORT, "imap_password": SUPPORT_PW,
           "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "starttls",
           "smtp_user": SUPPORT, "smtp_password": SUPPORT_PW,
           "tls_ca_file": str(dovecot.tls["ca"]), "from_address": SUPPORT,
           "from_name": "Support", "poll_interval": 0, "timeout": 10}
    cfg.update(overrides)
    return cfg


def channel(servers, **overrides) -> EmailChannel:
    return EmailChannel(EmailConfig.from_dict(config(servers, **overrides)))


def mailbox(servers, user: str, password: str, folder: str = "INBOX") -> list[EmailMessage]:
    """What a user's mail program would show: every mail in the folder, parsed."""
    dovecot, _ = servers
    with IMAPClient("127.0.0.1", dovecot.port, ssl=False) as c:
        c.login(user, password)
        c.select_folder(folder, readonly=True)
        uids = c.search()
        data = c.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
    return [BytesParser(policy=policy.default).parsebytes(data[u][b"BODY[]"]) for u in sorted(data)]


def empty(servers, user: str, password: str) -> None:
    dovecot, _ = servers
    with IMAPClient("127.0.0.1", dovecot.port, ssl=False) as c:
        c.login(user, password)
        c.select_folder("INBOX")
        uids = c.search()
        if uids:
            c.delete_messages(uids)
            c.expunge()


def client_mail(subject="Order status", text="Where is my order?", msgid="<q1@example.org>",
                **headers) -> bytes:
    m = EmailMessage()
    m["From"] = f"Ann Lee <{ANN}>"
    m["To"] = SUPPORT
    m["Subject"] = subject
    m["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    if msgid:
        m["Message-ID"] = msgid
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(text)
    return m.as_bytes(policy=policy.SMTP)


@pytest.fixture
def fresh(servers, data_dir):
    for user, pw in ((SUPPORT, SUPPORT_PW), (ANN, ANN_PW)):
        empty(servers, user, pw)
    yield servers


# -- receiving ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_receives_from_dovecot_over_imaps_with_a_private_ca(fresh):
    dovecot, _ = fresh
    dovecot.deliver(SUPPORT, client_mail())
    ch = channel(fresh)
    messages, cursor = await ch.poll("")
    (m,) = messages
    assert (m.identity_external_id, m.display_name, m.text, m.subject) == (
        ANN, "Ann Lee", "Where is my order?", "Order status")
    assert m.external_id == "q1@example.org" and cursor.endswith(":1")
    assert await ch.poll(cursor) == ([], cursor)  # nothing new
    with IMAPClient("127.0.0.1", dovecot.port, ssl=False) as c:  # \Seen left alone
        c.login(SUPPORT, SUPPORT_PW)
        c.select_folder("INBOX", readonly=True)
        assert c.search(["UNSEEN"]) == [1]


@pytest.mark.asyncio
@pytest.mark.parametrize("security, port_name", [("none", "port"), ("starttls", "port"),
                                                 ("ssl", "ssl_port")])
async def test_each_imap_security_works_on_its_port(fresh, security, port_name):
    dovecot, _ = fresh
    dovecot.deliver(SUPPORT, client_mail())
    ch = channel(fresh, imap_security=security, imap_port=getattr(dovecot, port_name))
    assert (await ch.check_imap())["messages"] == 1
    assert len((await ch.poll(""))[0]) == 1


@pytest.mark.asyncio
async def test_smtp_over_implicit_tls_and_starttls(fresh):
    _, smtp = fresh
    for security, port in (("ssl", smtp.ssl_port), ("starttls", smtp.port)):
        ch = channel(fresh, smtp_security=security, smtp_port=port)
        from messenger_app.channels.base import OutboundMessage

        await ch.send(ANN, OutboundMessage(text=f"via {security}", subject=f"Test {security}"))
    assert sorted(m["Subject"] for m in mailbox(fresh, ANN, ANN_PW)) == ["Test ssl",
                                                                         "Test starttls"]


# -- "Test connection" -------------------------------------------------------------------


async def problems(servers, **overrides) -> list[ConnectionProblem]:
    return await channel(servers, **overrides).check_connection()


@pytest.mark.asyncio
async def test_test_connection_says_what_failed_in_words(servers):
    dovecot, smtp = servers
    assert await problems(servers) == []

    # TLS spoken to the plain IMAP port (the WRONG_VERSION_NUMBER of the issue)
    (p,) = await problems(servers, imap_security="ssl", imap_port=dovecot.port)
    assert p.code == "email_tls_version" and p.params["server"] == "IMAP"
    assert "STARTTLS" in error_text(p, "en") and "STARTTLS" in error_text(p, "ru")

    # a private CA nobody told us about: the fingerprint to trust is shown
    imap_p, smtp_p = await problems(servers, tls_ca_file="")  # one certificate for both
    assert [x.params["server"] for x in (imap_p, smtp_p)] == ["IMAP", "SMTP"]
    p = imap_p
    assert p.code == smtp_p.code == "email_tls_untrusted" and len(p.params["fingerprint"]) == 95
    assert smtp_p.params["fingerprint"] == p.params["fingerprint"]
    en, ru = error_text(p, "en"), error_text(p, "ru")
    assert p.params["fingerprint"] in en and p.params["fingerprint"] in ru
    assert "certificate" in en and "сертификат" in ru

    # … and trusting that certificate by its fingerprint works for both servers
    assert await problems(servers, tls_ca_file="", tls_fingerprint=p.params["fingerprint"]) == []
    bad = await problems(servers, tls_ca_file="", tls_fingerprint="00" * 32)
    assert [x.code for x in bad] == ["email_tls_untrusted", "email_tls_untrusted"]

    (p,) = await problems(servers, imap_password="wrong-password")
    assert p.code == "email_login" and "wrong-password" not in error_text(p, "en")
    assert SUPPORT in error_text(p, "ru")
    (p,) = await problems(servers, smtp_password="wrong-password")
    assert p.code == "email_login" and p.params["server"] == "SMTP"
    (p,) = await problems(servers, imap_folder="No such folder")
    assert p.code == "email_folder" and "No such folder" in error_text(p, "ru")
    (p,) = await problems(servers, smtp_security="starttls", smtp_port=smtp.ssl_port, timeout=2)
    assert p.params["server"] == "SMTP" and p.code in ("email_timeout", "email_connect",
                                                       "email_tls_version")
    p = (await problems(servers, tls_ca_file="/nonexistent/ca.pem"))[0]
    assert p.code == "email_ca_file" and "/nonexistent/ca.pem" in error_text(p, "ru")
    for p in await problems(servers, imap_port=1, smtp_port=1):
        assert p.code == "email_connect" and "127.0.0.1:1" in error_text(p, "ru")


# -- the whole path: store, reply with a file, restart, reply again ----------------------


def _stored_channel(servers):
    return channels.add("email", name="Support mail", config=config(servers))


async def _poll_and_store(ch_row, adapter, cursor=""):
    messages, cursor = await adapter.poll(cursor)
    inbox.receive_many(ch_row.id, "email", messages)
    return messages, cursor


@pytest.mark.asyncio
async def test_reply_with_a_file_keeps_subject_and_references_across_a_restart(fresh):
    dovecot, _ = fresh
    row = _stored_channel(fresh)
    adapter = channel(fresh)
    dovecot.deliver(SUPPORT, client_mail())
    (inbound,), cursor = await _poll_and_store(row, adapter)
    with db.session() as s:
        first = s.exec(select(Message).where(Message.external_id == "q1@example.org")).one()
    assert first.subject == "Order status"  # stored (shown in the dialog and details)

    pdf = attachments.store_upload("invoice.pdf", PDF)
    reply1 = outbox.queue(first.dialog_id, None, "Here is the invoice", attachments=[pdf])
    assert await outbox.deliver(reply1, lambda _ch: adapter) == "sent"  # was: "no local file"
    (got,) = mailbox(fresh, ANN, ANN_PW)
    assert got["Subject"] == "Re: Order status" and got["In-Reply-To"] == "<q1@example.org>"
    (part,) = list(got.iter_attachments())
    assert part.get_filename() == "invoice.pdf" and part.get_content() == PDF

    # the client answers our reply; the app restarts (a new adapter: no memory)
    with db.session() as s:
        our_id = s.get(Message, reply1).external_id
    dovecot.deliver(SUPPORT, client_mail(subject="Re: Order status", text="Thanks! And when?",
                                         msgid="<q2@example.org>", In_Reply_To=f"<{our_id}>",
                                         References=f"<q1@example.org> <{our_id}>"))
    adapter = channel(fresh)
    await _poll_and_store(row, adapter, cursor)
    reply2 = outbox.queue(first.dialog_id, None, "Tomorrow")
    assert await outbox.deliver(reply2, lambda _ch: adapter) == "sent"
    got = mailbox(fresh, ANN, ANN_PW)[-1]
    assert got["Subject"] == "Re: Order status"
    assert got["In-Reply-To"] == "<q2@example.org>"
    assert got["References"].split() == ["<q1@example.org>", f"<{our_id}>", "<q2@example.org>"]
    with db.session() as s:
        assert s.get(Message, reply2).subject == "Re: Order status"

    # the operator starts a new thread with a subject of their own
    new = outbox.queue(first.dialog_id, None, "A new offer", subject="Winter sale")
    assert await outbox.deliver(new, lambda _ch: adapter) == "sent"
    got = mailbox(fresh, ANN, ANN_PW)[-1]
    assert got["Subject"] == "Winter sale" and got["In-Reply-To"] is None


@pytest.mark.asyncio
async def test_a_mail_without_message_id_is_stored_once_after_uidvalidity_changes(fresh):
    dovecot, _ = fresh
    folder = "Support"
    with IMAPClient("127.0.0.1", dovecot.port, ssl=False) as c:
        c.login(SUPPORT, SUPPORT_PW)
        if c.folder_exists(folder):
            c.delete_folder(folder)
        c.create_folder(folder)
    raw = client_mail(msgid=None, text="no id here")
    dovecot.deliver(SUPPORT, raw, folder=folder)
    row = channels.add("email", config=config(fresh, imap_folder=folder))
    adapter = EmailChannel(row.config)
    (m,), cursor = await _poll_and_store(row, adapter)

    with IMAPClient("127.0.0.1", dovecot.port, ssl=False) as c:  # the folder is renumbered
        c.login(SUPPORT, SUPPORT_PW)
        c.delete_folder(folder)
        c.create_folder(folder)
    dovecot.deliver(SUPPORT, raw, folder=folder)
    (again,), new_cursor = await _poll_and_store(row, adapter, cursor)
    assert new_cursor.split(":")[0] != cursor.split(":")[0]  # UIDVALIDITY changed
    assert again.external_id == m.external_id
    with db.session() as s:
        assert len(s.exec(select(Message).where(Message.channel_id == row.id)).all()) == 1


@pytest.mark.asyncio
async def test_a_long_body_is_stored_cut_and_kept_whole_as_a_file(fresh):
    dovecot, _ = fresh
    body = ("Строка длинного письма. " * 40 + "\n") * 1000  # ~1 MB of text, 10x the limit
    dovecot.deliver(SUPPORT, client_mail(text=body, msgid="<long@example.org>"))
    adapter = channel(fresh)
    (m,), _ = await adapter.poll("")
    limit = EmailConfig().body_limit
    assert len(m.text) <= limit + 1 and m.text.endswith("…")
    (whole,) = [a for a in m.attachments if a["file_name"] == "message.txt"]
    data, mime_type = await adapter.download(whole)
    lines = [line.rstrip() for line in body.strip().splitlines()]  # trailing blanks tidied
    assert mime_type == "text/plain" and data.decode("utf-8").splitlines() == lines
    assert whole["file_size"] == len(data)


# -- /settings ---------------------------------------------------------------------------


def test_settings_form_offers_security_ports_trust_and_folder():
    from messenger_app.i18n.strings import RU
    from messenger_app.states.settings import _fields

    form = {f["name"]: f for f in _fields("email", RU)}
    assert form["cfg_imap_security"]["type"] == form["cfg_smtp_security"]["type"] == "select"
    assert form["cfg_imap_security"]["options"].split("|")[0] == "ssl=SSL/TLS"
    assert "none=Без защиты" in form["cfg_smtp_security"]["options"].split("|")
    for key in ("imap_port", "smtp_port", "imap_folder", "tls_ca_file", "tls_fingerprint"):
        assert form[f"cfg_{key}"]["label"] == RU[f"chf_{key}"]


@pytest.mark.asyncio
async def test_settings_test_connection_reports_in_the_operators_language(fresh):
    from messenger_app.states.settings import _test

    good = channels.add("email", name="ok", config=config(fresh))
    assert await _test(good, "ru") == []
    plain = channels.add("email", name="plain", config=config(
        fresh, imap_port=fresh[0].port, smtp_user="", smtp_password=""))  # SSL to a plain port
    (text,) = await _test(plain, "ru")
    assert text.startswith("IMAP: сервер 127.0.0.1:") and "STARTTLS" in text
