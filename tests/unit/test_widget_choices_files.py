"""The website widget shows an outbound message's files inline (through signed URLs: a visitor
has no operator session) and its choices as buttons; a pressed button arrives as an inbound
message carrying the choice id, and only buttons really offered to this visitor count."""

from __future__ import annotations

import pytest

from messenger_app import db
from messenger_app.models import Message
from messenger_app.models.message import OUT, SENT
from messenger_app.services import attachments, widget
from tests.fakes.telegram_server import make_png

PNG = make_png(8, 6)


def answer(visitor: str, text: str, choices=(), files=()) -> int:
    """An operator's answer in the visitor's thread, as the outbox leaves it once sent."""
    first = widget.history(visitor)[0]
    with db.session() as s:
        row = Message(dialog_id=first.dialog_id, contact_id=first.contact_id,
                      identity_id=first.identity_id, channel_id=first.channel_id,
                      channel_kind="widget", direction=OUT, sender_kind="operator", text=text,
                      status=SENT, attachments=list(files),
                      choices=[{"id": i, "label": label} for i, label in choices])
        s.add(row)
        s.commit()
        return row.id


def test_files_show_through_signed_urls_and_choices_as_buttons(data_dir):
    v = widget.new_visitor()
    widget.send(v, "Do you have a map?")
    pic = attachments.store_upload("map.png", PNG)
    pdf = attachments.store_upload("route.pdf", b"%PDF-1.4 route")
    answer(v, "Here it is. Shall we book?", choices=[("book", "Book a table"), ("no", "No")],
           files=[pic, pdf])
    _, item = widget.view(v)
    assert item["dir"] == "out" and item["text"] == "Here it is. Shall we book?"
    assert item["choices"] == [{"id": "book", "label": "Book a table"},
                                           {"id": "no", "label": "No"}]
    img, doc = item["atts"]
    assert (img["media"], img["name"], doc["media"], doc["name"]) == ("img", "map.png", "", "route.pdf")
    # a relative, signed URL that our signed-file route resolves to the stored file
    for row, att in ((img, pic), (doc, pdf)):
        assert row["url"].startswith(attachments.SIGNED_PREFIX)
        expires, sig, rel = row["url"][len(attachments.SIGNED_PREFIX):].split("/", 2)
        assert attachments.signed_path(expires, sig, rel) == attachments.local_path(att)
        assert attachments.signed_path(expires, "0" * len(sig), rel) is None
    # the visitor's own messages never show buttons, and plain answers have none
    first, _ = widget.view(v)
    assert first["choices"] == [] and first["atts"] == []


def test_a_pressed_button_arrives_with_its_choice_id_and_label(data_dir):
    v = widget.new_visitor()
    widget.send(v, "Table for two?")
    answer(v, "Which time?", choices=[("t19", "19:00"), ("t21", "21:00")])
    got = widget.send(v, "", choice_id="t21")
    with db.session() as s:
        row = s.get(Message, got.message_id)
        assert (row.direction, row.text, row.choice_id) == ("in", "21:00", "t21")
    # the newest offer's label wins when an id was offered twice
    answer(v, "Sure? Which time?", choices=[("t21", "21:00 (terrace)")])
    assert widget.offered_label(v, "t21") == "21:00 (terrace)"


def test_a_button_not_offered_to_this_visitor_is_refused_and_stores_nothing(data_dir):
    a, b = widget.new_visitor(), widget.new_visitor()
    widget.send(a, "hi")
    widget.send(b, "hi")
    answer(a, "Pick", choices=[("yes", "Yes")])
    before = len(widget.history(b))
    for bad in ("yes", "nope", "x" * 300):
        with pytest.raises(widget.WidgetRefused, match="not offered"):
            widget.send(b, "", choice_id=bad)  # b never got a's buttons
    assert len(widget.history(b)) == before
    with pytest.raises(widget.WidgetRefused, match="invalid visitor"):
        widget.send("short", "", choice_id="yes")
