"""An e-mail's subject shows on the message in the dialog and in the detail modal; a long
message shows its start and "Show all" (issue 18)."""

from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Channel
from messenger_app.services import dialogs, inbox, message_details
from messenger_app.states import view


def test_subject_and_long_text_in_the_dialog(data_dir):
    with db.session() as s:
        ch = Channel(kind="email", name="mail")
        s.add(ch)
        s.commit()
        ch_id = ch.id
    long_text = "Абзац письма. " * 1000
    got = inbox.receive(ch_id, "email", InboundMessage(
        external_id="m1@example.org", identity_external_id="ann@example.org",
        text="Where is my order?", subject="Order status"))
    inbox.receive(ch_id, "email", InboundMessage(
        external_id="m2@example.org", identity_external_id="ann@example.org",
        text=long_text, subject="Re: Order status"))

    first, second = (view.message(m, "UTC") for m in dialogs.messages(got.dialog_id))
    assert first.subject == "Order status" and first.short == ""
    assert second.subject == "Re: Order status" and second.text == long_text
    assert len(second.short) == view.LONG_CHARS + 1 and second.short.endswith("…")
    assert message_details.detail(got.message_id)["subject"] == "Order status"
