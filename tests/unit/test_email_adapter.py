"""EmailChannel against a local fake IMAP server and a recording aiosmtpd SMTP server
(tests/fakes/imap_server.py, tests/fakes/smtp_server.py)."""

from __future__ import annotations

import asyncio
import base64
import smtplib
import socket
import types
from datetime import datetime
from email.message import EmailMessage

import pytest

from messenger_app.channels.base import (
    Choice,
    OutboundFile,
    OutboundMessage,
    PermanentError,
    PollingChannel,
    TransientError,
    UnreachableError,
)
from messenger_app.channels.email import (
    EmailChannel,
    EmailConfig,
    EmailConfigError,
    html_to_text,
    strip_quoted,
)
from messenger_app.services import attachments
from tests.fake_fixtures import module_fake
from tests.fakes.imap_server import FakeImapServer
from tests.fakes.smtp_server import FakeSmtpServer
from tests.stored_files import outbound_file, stored

# aiosmtpd warns about its own legacy attribute when a login succeeds
pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")

USER = "support@example.com"
IMAP_PASSWORD = "imap-Secret-pw-771"
SMTP_PASSWORD = "smtp-Secret-pw-992"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")


@pytest.fixture
def imap():
    with FakeImapServer(user=USER, password=IMAP_PASSWORD, uidvalidity=1000) as server:
        yield server


smtp_server, smtp = module_fake(lambda: FakeSmtpServer(user=USER, password=SMTP_PASSWORD),
                                reset=lambda server: server.reset(), name="smtp", server_name="smtp_server")


def make_channel(imap=None, smtp=None, **overrides) -> EmailChannel:
    cfg = {
        "imap_host": imap.host if imap else "127.0.0.1",
        "imap_port": imap.port if imap else 1,
        "imap_ssl": False,
        "imap_user": USER,
        "imap_password": IMAP_PASSWORD,
        "smtp_host": smtp.host if smtp else "127.0.0.1",
        "smtp_port": smtp.port if smtp else 1,
        "smtp_starttls": False,
        "smtp_user": USER,
        "smtp_password": SMTP_PASSWORD,
        "from_address": USER,
        "from_name": "Служба поддержки",
        "default_subject": "Сообщение от поддержки",
        "poll_interval": 0,
        "timeout": 5,
    }
    cfg.update(overrides)
    return EmailChannel(EmailConfig.from_dict(cfg))


def mail(sender="Ann Lee <ann@example.org>", subject="Hello", text="Hi there", html=None,
         msgid="<m1@example.org>", **headers) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = USER
    m["Subject"] = subject
    if msgid:
        m["Message-ID"] = msgid
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    if text is not None:
        m.set_content(text)
        if html is not None:
            m.add_alternative(html, subtype="html")
    elif html is not None:
        m.set_content(html, subtype="html")
    return m


async def poll(ch, cursor=""):
    return await ch.poll(cursor)


@pytest.fixture
def pauses(monkeypatch, imap):
    """Each pause poll() takes before talking to IMAP, as (seconds, IMAP logins so far);
    recorded instead of slept, so no test measures the clock."""
    from messenger_app.channels.email import adapter as email_adapter

    held: list[tuple[float, int]] = []

    async def sleep(seconds, *args, **kwargs):
        held.append((seconds, imap.logins))

    monkeypatch.setattr(email_adapter, "asyncio", types.SimpleNamespace(**{**vars(asyncio), "sleep": sleep}))
    return held


# -- inbound --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_poll_decodes_cyrillic_sender_and_maps_fields(imap):
    raw = (
        "From: =?windows-1251?B?wO3t4CDR7Ojw7e7i4A==?= <Anna.Smirnova@Mail.RU>\r\n"
        f"To: {USER}\r\n"
        "Subject: =?utf-8?B?0JPQtNC1INC80L7QuSDQt9Cw0LrQsNC3Pw==?=\r\n"
        "Date: Tue, 14 Nov 2023 10:00:00 +0300\r\n"
        "Message-ID: <CAF+x1=abc@mail.gmail.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="koi8-r"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "Добрый день! Где мой заказ?\r\n".encode("koi8-r")
    uid = imap.append(raw)
    ch = make_channel(imap)
    assert isinstance(ch, PollingChannel)
    messages, cursor = await poll(ch)
    assert cursor == f"1000:{uid}"
    (m,) = messages
    assert m.display_name == "Анна Смирнова"
    assert m.identity_external_id == "anna.smirnova@mail.ru"
    assert m.external_id == "CAF+x1=abc@mail.gmail.com"
    assert m.text == "Добрый день! Где мой заказ?"
    assert m.sent_at == datetime(2023, 11, 14, 7, 0, 0)  # UTC, naive
    assert m.raw["subject"] == "Где мой заказ?"
    assert (m.raw["uid"], m.raw["uidvalidity"], m.raw["folder"]) == (uid, 1000, "INBOX")
    assert m.attachments == [] and m.phone == ""
    assert (await ch.profile("Anna.Smirnova@Mail.RU")).display_name == "Анна Смирнова"
    assert (await ch.profile("someone@else.org")).display_name == ""
    # read-only: EXAMINE + BODY.PEEK[] never mark the mail as read
    assert not imap.seen(uid)
    assert any(" EXAMINE " in c for c in imap.commands)
    assert not any(" SELECT " in c for c in imap.commands)
    assert IMAP_PASSWORD not in " ".join(imap.commands)  # the fake masks it; the client sent it


@pytest.mark.asyncio
async def test_html_only_mail_becomes_plain_text(imap):
    html = """<html><head><style>p {color: red}</style><title>t</title></head><body>
      <script>alert('x')</script>
      <p>Hello&nbsp;team &amp; friends,</p>
      <p>line one<br>line   two</p>
      <ul><li>first</li><li>second</li></ul>
      <p>See <a href="https://shop.example/orders/5">my order</a> &lt;please&gt;</p>
    </body></html>"""
    imap.append(mail(text=None, html=html))
    (m,), _ = await poll(make_channel(imap))
    assert m.text == ("Hello team & friends,\n\nline one\nline two\n\n- first\n- second\n\n"
                      "See my order (https://shop.example/orders/5) <please>")
    assert "alert" not in m.text and "color" not in m.text


@pytest.mark.asyncio
async def test_prefers_text_plain_alternative(imap):
    imap.append(mail(text="plain version", html="<p>html version</p>"))
    (m,), _ = await poll(make_channel(imap))
    assert m.text == "plain version" and m.attachments == []


@pytest.mark.asyncio
async def test_attachments_are_listed_and_downloadable(imap):
    m = mail(text="photo and invoice attached")
    m.add_attachment(PNG, maintype="image", subtype="png", filename="фото.png")
    m.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf")
    uid = imap.append(m)
    ch = make_channel(imap)
    (got,), _ = await poll(ch)
    assert got.text == "photo and invoice attached"
    photo, pdf = got.attachments
    assert {k: v for k, v in photo.items() if k != "_imap"} == {
        "kind": "photo", "file_name": "фото.png", "mime_type": "image/png",
        "file_size": len(PNG), "content_id": ""}
    assert (pdf["kind"], pdf["file_name"], pdf["mime_type"], pdf["file_size"]) == (
        "document", "invoice.pdf", "application/pdf", 13)
    assert photo["_imap"] == {"folder": "INBOX", "uidvalidity": 1000, "uid": uid, "part": 0}
    assert await ch.download(photo) == (PNG, "image/png")
    # a fresh adapter (after a restart) has no cache: it re-fetches by UID
    fresh = make_channel(imap)
    fetches = sum(" UID FETCH " in c for c in imap.commands)
    assert await fresh.download(pdf) == (b"%PDF-1.4 fake", "application/pdf")
    assert sum(" UID FETCH " in c for c in imap.commands) == fetches + 1
    # gone from the server -> permanent
    imap.delete(uid)
    with pytest.raises(PermanentError, match="no longer on the server"):
        await make_channel(imap).download(pdf)
    with pytest.raises(PermanentError):
        await ch.download({"kind": "document", "file_name": "x"})


@pytest.mark.asyncio
async def test_inline_image_has_content_id_and_renumbered_folder_fails_download(imap):
    m = mail(text="see inline", html='<p>see <img src="cid:logo1"></p>')
    m.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid="<logo1@x>")
    imap.append(m)
    (got,), _ = await poll(make_channel(imap))
    (img,) = got.attachments
    assert img["kind"] == "photo" and img["content_id"] == "logo1@x"
    assert img["file_name"] == "attachment-1.png"
    imap.set_uidvalidity(2000)
    with pytest.raises(PermanentError, match="UIDVALIDITY"):
        await make_channel(imap).download(img)


@pytest.mark.asyncio
async def test_reply_quote_is_stripped_and_threading_headers_kept(imap):
    reply = ("Yes, the blue one please.\n\n"
             "On Mon, 13 Nov 2023 at 09:00, Support <support@example.com>\nwrote:\n"
             "> Which colour would you like?\n>\n> -- Support\n")
    imap.append(mail(subject="Re: Order 5", text=reply, msgid="<r2@example.org>",
                     In_Reply_To="<s1@example.com>", References="<m0@example.org> <s1@example.com>"))
    (m,), _ = await poll(make_channel(imap))
    assert m.text == "Yes, the blue one please."
    assert m.raw["quoted"].startswith("On Mon, 13 Nov 2023") and "> Which colour" in m.raw["quoted"]
    assert m.raw["in_reply_to"] == "s1@example.com"
    assert m.raw["references"] == ["m0@example.org", "s1@example.com"]


@pytest.mark.asyncio
async def test_html_reply_blockquote_is_stripped(imap):
    html = ('<div dir="ltr">Спасибо, всё пришло!</div><br><div class="gmail_quote">'
            '<div class="gmail_attr">On Mon, 13 Nov 2023 at 09:00 Support &lt;support@example.com&gt; '
            'wrote:<br></div><blockquote class="gmail_quote"><div>Заказ отправлен.</div>'
            '</blockquote></div>')
    imap.append(mail(text=None, html=html))
    (m,), _ = await poll(make_channel(imap))
    assert m.text == "Спасибо, всё пришло!"
    assert "> Заказ отправлен." in m.raw["quoted"]


@pytest.mark.parametrize("text, reply", [
    # Russian attribution (Apple Mail style)
    ("Ок\n\n14 нояб. 2023 г., в 10:00, Поддержка <s@x.ru> написал(а):\n\n> Ваш заказ\n", "Ок"),
    # interleaved answers: keep everything
    ("On Mon, A wrote:\n> question one\nanswer one\n> question two\nanswer two",
     "On Mon, A wrote:\n> question one\nanswer one\n> question two\nanswer two"),
    # quote without attribution: keep
    ("see below\n> quoted\n> more", "see below\n> quoted\n> more"),
    # "wrote:" that is not followed by a quote: keep
    ("She wrote: nothing\nOn Monday she wrote:\nno quote here", "She wrote: nothing\nOn Monday she wrote:\nno quote here"),
    # a message that is only a quote: keep (never return an empty text)
    ("On Mon, A wrote:\n> only quote", "On Mon, A wrote:\n> only quote"),
])
def test_strip_quoted_is_conservative(text, reply):
    assert strip_quoted(text)[0] == reply


def test_html_to_text_blockquote_and_pre():
    html = "<p>a</p><blockquote><p>q1</p><blockquote>q2</blockquote></blockquote><pre>x  y\n z</pre>"
    assert html_to_text(html) == "a\n\n> q1\n\n> > q2\n\nx  y\n z"
    assert html_to_text("<b>unclosed <i>tags") == "unclosed tags"


@pytest.mark.asyncio
async def test_cursor_second_poll_returns_nothing_new(imap):
    imap.append(mail(msgid="<a@x>", text="one"))
    imap.append(mail(msgid="<b@x>", text="two"))
    ch = make_channel(imap)
    first, cursor = await poll(ch)
    assert [m.text for m in first] == ["one", "two"] and cursor == "1000:2"
    # "UID SEARCH UID 3:*" matches the last message (UID 2) on a real server: it must be ignored
    imap.reset_log()
    again, cursor2 = await poll(ch, cursor)
    assert again == [] and cursor2 == cursor
    assert any(c.endswith("UID SEARCH UID 3:*") for c in imap.commands)
    assert not any(" UID FETCH " in c for c in imap.commands)
    imap.append(mail(msgid="<c@x>", text="three"))
    new, cursor3 = await poll(ch, cursor)
    assert [m.text for m in new] == ["three"] and cursor3 == "1000:3"
    # a bare UID cursor (no UIDVALIDITY) is accepted and upgraded
    legacy, cursor4 = await poll(ch, "2")
    assert [m.text for m in legacy] == ["three"] and cursor4 == "1000:3"


@pytest.mark.asyncio
async def test_uidvalidity_change_restarts(imap):
    imap.append(mail(msgid="<a@x>", text="one"))
    imap.append(mail(msgid="<b@x>", text="two"))
    ch = make_channel(imap)
    _, cursor = await poll(ch)
    assert cursor == "1000:2"
    imap.set_uidvalidity(2024)  # renumbered: the old UID 2 means nothing now
    imap.append(mail(msgid="<c@x>", text="three"))
    messages, cursor2 = await poll(ch, cursor)
    # restarted from scratch (the inbox dedups the old ones by Message-ID)
    assert [m.external_id for m in messages] == ["a@x", "b@x", "c@x"]
    assert cursor2 == "2024:3"
    assert await poll(ch, cursor2) == ([], "2024:3")


@pytest.mark.asyncio
async def test_initial_backlog_and_batches(imap, pauses):
    for i in range(5):
        imap.append(mail(msgid=f"<n{i}@x>", text=f"n{i}"))
    newest, cursor = await poll(make_channel(imap, initial_backlog=2))
    assert [m.text for m in newest] == ["n3", "n4"] and cursor == "1000:5"
    none, cursor = await poll(make_channel(imap, initial_backlog=0))
    assert none == [] and cursor == "1000:5"
    empty_imap_cursor = await poll(make_channel(imap, initial_backlog=0), "1000:5")
    assert empty_imap_cursor == ([], "1000:5")
    ch = make_channel(imap, batch_size=2, poll_interval=5)
    pages, cursor = [], ""
    for _ in range(3):  # a full batch means "more waiting": no pause before the next poll
        batch, cursor = await poll(ch, cursor)
        pages.append([m.text for m in batch])
    assert pages == [["n0", "n1"], ["n2", "n3"], ["n4"]] and cursor == "1000:5"
    assert pauses == []


@pytest.mark.asyncio
async def test_poll_waits_poll_interval_when_idle(imap, pauses):
    ch = make_channel(imap, poll_interval=30)
    _, cursor = await poll(ch)
    assert pauses == []  # the first poll goes at once
    await poll(ch, cursor)
    ((seconds, logins_then),) = pauses  # the second was held, before it logged in
    assert 0 < seconds <= 30 and logins_then == 1
    assert imap.logins == 2


@pytest.mark.asyncio
async def test_skips_own_mail_bounces_and_senderless_but_moves_cursor(imap):
    imap.append(mail(sender=f"Support <{USER.upper()}>", msgid="<own@x>"))
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@example.com"
    bounce["Subject"] = "Undelivered Mail"
    bounce.set_content("could not deliver")
    bounce.add_attachment("Reporting-MTA: dns; x", subtype="plain")
    bounce.replace_header("Content-Type", 'multipart/report; report-type=delivery-status; '
                          f'boundary="{bounce.get_boundary()}"')
    imap.append(bounce)
    imap.append(mail(sender="undisclosed-recipients:;", msgid="<nosender@x>"))
    imap.append(mail(sender="Bob <bob@example.org>", msgid=None, text="no message id"))
    messages, cursor = await poll(make_channel(imap))
    assert cursor == "1000:4"
    (m,) = messages
    assert m.identity_external_id == "bob@example.org"
    assert m.external_id.startswith("h:")  # no Message-ID: a hash of Date, From, Subject, body


@pytest.mark.asyncio
async def test_a_mail_that_breaks_the_parser_is_skipped(imap, monkeypatch, caplog):
    from messenger_app.channels.email import mime as email_mod

    real = email_mod.body_text

    def body_text(msg):
        if "poison" in str(msg["Subject"]):
            raise RuntimeError("parser bug")
        return real(msg)

    monkeypatch.setattr(email_mod, "body_text", body_text)
    imap.append(mail(subject="poison", msgid="<p@x>"))
    imap.append(mail(subject="fine", msgid="<f@x>", text="still here"))
    messages, cursor = await poll(make_channel(imap))
    assert [m.text for m in messages] == ["still here"] and cursor == "1000:2"
    assert "cannot parse UID 1" in caplog.text


@pytest.mark.asyncio
async def test_subject_only_mail_uses_subject_as_text(imap):
    imap.append(mail(subject="Call me back", text=""))
    (m,), _ = await poll(make_channel(imap))
    assert m.text == "Call me back"


# -- IMAP errors --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_imap_wrong_password_is_permanent_without_password(imap):
    wrong = "Wrong-pass-123"
    ch = make_channel(imap, imap_password=wrong)
    with pytest.raises(PermanentError) as info:
        await poll(ch)
    assert not isinstance(info.value, UnreachableError)
    text = str(info.value) + repr(info.value)
    assert "login failed" in text and wrong not in text and IMAP_PASSWORD not in text
    for check in (ch.check_imap(),):
        with pytest.raises(PermanentError):
            await check


@pytest.mark.asyncio
async def test_imap_temporary_troubles_are_transient(imap):
    imap.append(mail())
    ch = make_channel(imap)
    imap.fail_login("UNAVAILABLE")
    with pytest.raises(TransientError):
        await poll(ch)
    imap.disconnect_on("FETCH")
    with pytest.raises(TransientError):
        await poll(ch)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransientError) as info:
        await poll(make_channel(imap, imap_port=port))
    assert IMAP_PASSWORD not in str(info.value)
    # and afterwards everything works again
    messages, cursor = await poll(ch)
    assert len(messages) == 1 and cursor == "1000:1"
    assert await ch.check_imap() == {"uidvalidity": 1000, "messages": 1}


@pytest.mark.asyncio
async def test_imap_unknown_folder_is_permanent(imap):
    with pytest.raises(PermanentError, match="Archive 2023"):
        await poll(make_channel(imap, imap_folder="Archive 2023"))
    imap.add_folder("Archive 2023", uidvalidity=7)
    imap.append(mail(msgid="<arch@x>"), folder="Archive 2023")
    (m,), cursor = await poll(make_channel(imap, imap_folder="Archive 2023"))
    assert m.external_id == "arch@x" and cursor == "7:1"


# -- outbound -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_send_threads_reply_with_attachments(data_dir, imap, smtp):
    imap.append(mail(subject="Order 5", msgid="<q1@example.org>", References="<root@example.org>"))
    ch = make_channel(imap, smtp)
    (inbound,), _ = await poll(ch)
    # the files as the outbox hands them over: stored uploads resolved to OutboundFile
    files = [stored("фото.png", PNG), stored("notes.txt", "счёт №5".encode())]
    result = await ch.send(inbound.identity_external_id, OutboundMessage(
        text="Здравствуйте! Ваш заказ готов.", idempotency_key="42", files=files,
        reply_to=inbound.external_id))
    (record,) = smtp.messages
    assert record["mail_from"] == USER and record["rcpt_tos"] == ["ann@example.org"]
    assert record["login"] == USER
    sent = record["message"]
    assert sent["Message-ID"] == f"<{result.external_id}>" and result.external_id.endswith("@example.com")
    assert sent["In-Reply-To"] == "<q1@example.org>"
    assert sent["References"] == "<root@example.org> <q1@example.org>"
    assert sent["Subject"] == "Re: Order 5"
    assert sent["From"].addresses[0].display_name == "Служба поддержки"
    assert sent.get_body(("plain",)).get_content().strip() == "Здравствуйте! Ваш заказ готов."
    parts = list(sent.iter_attachments())
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == [
        ("фото.png", "image/png"), ("notes.txt", "text/plain")]
    assert parts[0].get_content() == PNG
    assert parts[1].get_payload(decode=True) == "счёт №5".encode()
    assert result.raw["subject"] == "Re: Order 5"


@pytest.mark.asyncio
async def test_reply_to_threads_a_mail_this_instance_never_polled(smtp):
    """After a restart the adapter remembers nothing: the outbox's reply_to still threads."""
    ch = make_channel(smtp=smtp)
    await ch.send("ann@example.org", OutboundMessage(text="answer", reply_to="<q9@example.org>",
                                                     subject="Re: Order 9"))
    (record,) = smtp.messages
    assert record["message"]["In-Reply-To"] == "<q9@example.org>"
    assert record["message"]["References"] == "<q9@example.org>"
    assert record["message"]["Subject"] == "Re: Order 9"


@pytest.mark.asyncio
async def test_choices_are_numbered_options_in_the_text(smtp):
    ch = make_channel(smtp=smtp)
    await ch.send("ann@example.org", OutboundMessage(
        text="When shall we call?", choices=[Choice("am", "Morning"), Choice("pm", "Evening")]))
    await ch.send("ann@example.org", OutboundMessage(choices=[Choice("ok", "Confirm")]))
    first, second = (r["message"].get_body(("plain",)).get_content().replace("\r\n", "\n").strip()
                     for r in smtp.messages)
    assert first == "When shall we call?\n\n1. Morning\n2. Evening"
    assert second == "1. Confirm"


@pytest.mark.asyncio
async def test_send_subject_rules_and_implicit_thread(imap, smtp):
    imap.append(mail(subject="RE: already a reply", msgid="<t1@example.org>"))
    ch = make_channel(imap, smtp)
    await poll(ch)
    # no reply_to given: the last mail polled from that address is used
    await ch.send("Ann@Example.org", OutboundMessage(text="one"))
    await ch.send("new@example.org", OutboundMessage(text="two"))
    await ch.send("new@example.org", OutboundMessage(text="three", subject="Custom"))
    first, second, third = (r["message"] for r in smtp.messages)
    assert first["Subject"] == "RE: already a reply"  # no "Re: RE:"
    assert first["In-Reply-To"] == "<t1@example.org>"
    assert second["Subject"] == "Сообщение от поддержки"
    assert second["In-Reply-To"] is None and second["References"] is None
    assert third["Subject"] == "Custom"
    assert len({m["Message-ID"] for m in (first, second, third)}) == 3


@pytest.mark.asyncio
async def test_refused_recipient_is_unreachable(smtp):
    ch = make_channel(smtp=smtp)
    for code in (550, 551, 553):
        smtp.refuse("gone@example.org", code=code)
        with pytest.raises(UnreachableError, match=str(code)):
            await ch.send("gone@example.org", OutboundMessage(text="x"))
    smtp.refuse("gone@example.org", code=552, text="5.2.2 Mailbox full")
    with pytest.raises(PermanentError) as info:
        await ch.send("gone@example.org", OutboundMessage(text="x"))
    assert not isinstance(info.value, UnreachableError)
    smtp.temp_fail(450, stage="RCPT", text="4.2.0 Greylisted, try later")
    with pytest.raises(TransientError, match="450"):
        await ch.send("ok@example.org", OutboundMessage(text="x"))
    assert smtp.messages == []


@pytest.mark.asyncio
async def test_smtp_auth_failure_is_permanent_without_password(smtp):
    for ch in (make_channel(smtp=smtp, smtp_password="Wrong-pass-456"), make_channel(smtp=smtp)):
        if ch.config.smtp_password == SMTP_PASSWORD:
            smtp.fail_auth()
        with pytest.raises(PermanentError) as info:
            await ch.send("ann@example.org", OutboundMessage(text="x"))
        text = str(info.value) + repr(info.value)
        assert "535" in text and "login failed" in text
        assert SMTP_PASSWORD not in text and "Wrong-pass-456" not in text
        assert not isinstance(info.value, (UnreachableError, TransientError))
    with pytest.raises(PermanentError):
        await make_channel(smtp=smtp, smtp_password="nope").check_smtp()
    assert smtp.messages == []
    await make_channel(smtp=smtp).check_smtp()


@pytest.mark.asyncio
async def test_smtp_421_refused_connection_and_timeout_are_transient(smtp, monkeypatch):
    ch = make_channel(smtp=smtp)
    smtp.temp_fail(421, stage="MAIL")
    with pytest.raises(TransientError, match="421"):
        await ch.send("ann@example.org", OutboundMessage(text="x"))
    smtp.temp_fail(451, stage="DATA", text="4.3.0 Local error")
    with pytest.raises(TransientError, match="451"):
        await ch.send("ann@example.org", OutboundMessage(text="x"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransientError):
        await make_channel(smtp_port=port).send("ann@example.org", OutboundMessage(text="x"))
    connects = []  # (port, timeout) of each SMTP connection: the configured timeout is used
    real_socket = smtplib.SMTP._get_socket

    def get_socket(self, host, port, timeout):
        connects.append((port, timeout))
        return real_socket(self, host, port, timeout)

    monkeypatch.setattr(smtplib.SMTP, "_get_socket", get_socket)
    with socket.socket() as silent:  # accepts the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(TransientError, match="timed out"):
            await make_channel(smtp_port=port, timeout=0.3).send(
                "ann@example.org", OutboundMessage(text="x"))
        assert connects == [(port, 0.3)]
        silent.settimeout(5)
        conn, _ = silent.accept()  # the connection reached the silent server: it was its silence
        conn.close()
    assert await ch.send("ann@example.org", OutboundMessage(text="works"))
    assert [r["message"].get_content().strip() for r in smtp.messages] == ["works"]


@pytest.mark.asyncio
async def test_bad_recipient_or_attachment_sends_nothing(data_dir, smtp):
    ch = make_channel(smtp=smtp)
    for bad in ("not-an-address", "a@b\r\nBcc: x@y", ""):
        with pytest.raises(UnreachableError):
            await ch.send(bad, OutboundMessage(text="x"))
    with pytest.raises(PermanentError, match="no local file"):
        await ch.send("ann@example.org", OutboundMessage(text="x", files=[
            OutboundFile(path="", file_name="x.pdf", mime_type="application/pdf", size=1)]))
    gone_att = attachments.store_upload("gone.pdf", b"%PDF-1.4 gone")
    gone = outbound_file(gone_att)
    attachments.local_path(gone_att).unlink()
    with pytest.raises(PermanentError, match="cannot read attachment 'gone.pdf'"):
        await ch.send("ann@example.org", OutboundMessage(text="x", files=[
            stored("ok.png", PNG), gone]))
    with pytest.raises(PermanentError, match="nothing to send"):
        await ch.send("ann@example.org", OutboundMessage(text="  "))
    assert smtp.messages == []


# -- config -------------------------------------------------------------------------------


def test_config_round_trip_and_validation():
    cfg = EmailConfig.from_dict({"imap_host": " imap.example.com ", "imap_port": "143",
                                 "imap_ssl": "false", "smtp_ssl": True, "batch_size": "10",
                                 "imap_password": " keep spaces ", "unknown": 1})
    # the booleans of older configs are read as the security of each server
    assert (cfg.imap_host, cfg.imap_port, cfg.imap_security, cfg.smtp_security,
            cfg.smtp_port, cfg.batch_size) == ("imap.example.com", 143, "none", "ssl", 465, 10)
    assert cfg.imap_password == " keep spaces "
    assert EmailConfig.from_dict(cfg.to_dict()) == cfg
    default = EmailConfig.from_dict({})
    assert (default.imap_security, default.imap_port, default.smtp_security,
            default.smtp_port) == ("ssl", 993, "starttls", 587)
    ports = {s: EmailConfig.from_dict({"imap_security": s, "smtp_security": s})
             for s in ("ssl", "starttls", "none")}
    assert {s: (c.imap_port, c.smtp_port) for s, c in ports.items()} == {
        "ssl": (993, 465), "starttls": (143, 587), "none": (143, 25)}
    pinned = EmailConfig.from_dict({"tls_fingerprint": "SHA256 " + ":".join(["AB"] * 32)})
    assert pinned.tls_fingerprint == "ab" * 32
    for bad in ({"imap_port": 70000}, {"smtp_port": "x"}, {"from_address": "nope"},
                {"batch_size": 0}, {"from_name": "a\nb"}, {"imap_security": "tls13"},
                {"tls_fingerprint": "abc"}):
        with pytest.raises(EmailConfigError):
            EmailConfig.from_dict(bad)
    assert issubclass(EmailConfigError, ValueError)
    assert set(EmailConfig.SECRET_FIELDS) == {"imap_password", "smtp_password"}


@pytest.mark.asyncio
async def test_poll_and_send_run_in_threads(imap, smtp):
    """Both are async: the event loop keeps running while IMAP/SMTP talk."""
    imap.append(mail())
    ch = make_channel(imap, smtp)
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    try:
        await poll(ch)
        await ch.send("ann@example.org", OutboundMessage(text="x"))
    finally:
        task.cancel()
    assert ticks > 2
