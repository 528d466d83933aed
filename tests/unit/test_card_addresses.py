"""The card's "Channels" names how the client is known in each channel: the e-mail address,
the phone number, the @username — not only the display name (issue 18)."""

from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Channel
from messenger_app.services import dialogs, inbox


def _channel(kind: str) -> int:
    with db.session() as s:
        ch = Channel(kind=kind, name=kind)
        s.add(ch)
        s.commit()
        return ch.id


def test_each_identity_shows_its_address(data_dir):
    mail = inbox.receive(_channel("email"), "email", InboundMessage(
        external_id="m1@example.org", identity_external_id="ann@example.org", text="hi",
        display_name="Ann Lee"))
    tg, wa = _channel("telegram"), _channel("whatsapp")
    inbox.receive(tg, "telegram", InboundMessage(
        external_id="1:1", identity_external_id="4242", text="hi", display_name="Ann",
        username="ann_lee"))
    inbox.receive(tg, "telegram", InboundMessage(
        external_id="1:2", identity_external_id="4343", text="hi", display_name="Bob"))
    inbox.receive(wa, "whatsapp", InboundMessage(
        external_id="wamid.1", identity_external_id="79991234567", text="hi"))

    card = dialogs.card(mail.dialog_id)
    assert [(c["display_name"], c["address"]) for c in card.channels] == [
        ("Ann Lee", "ann@example.org")]
    by_kind = {}
    with db.session() as s:
        from sqlmodel import select

        from messenger_app.models import Dialog
        for d in s.exec(select(Dialog)).all():
            for c in dialogs.card(d.id).channels:
                by_kind[(c["kind"], c["display_name"])] = c["address"]
    assert by_kind[("telegram", "Ann")] == "@ann_lee"
    assert by_kind[("telegram", "Bob")] == ""  # a bare Telegram id means nothing to a person
    assert by_kind[("whatsapp", "")] == "+7 999 123-45-67"
