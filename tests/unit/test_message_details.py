"""services/message_details: display-ready attachments (inline media only when proven) and the
full detail of one message (C4)."""


from messenger_app.services import attachments, message_details, notes, outbox, widget
from tests.fakes.base import OGG_BYTES, PDF_BYTES
from tests.fakes.telegram_server import make_png


def test_attachment_rows_render_media_only_when_inline(data_dir):
    png = attachments.store_upload("a.png", make_png(4, 3))
    ogg = attachments.store_upload("v.ogg", OGG_BYTES)
    pdf = attachments.store_upload("doc.pdf", PDF_BYTES)
    fake_png = attachments.store_upload("fake.png", b"not really a picture")
    rows = message_details.attachment_rows([png, ogg, pdf, fake_png])
    assert [(r["name"], r["media"], r["inline"]) for r in rows] == [
        ("a.png", "img", "1"), ("v.ogg", "audio", "1"), ("doc.pdf", "", "1"), ("fake.png", "", "")]
    assert rows[0]["width"] == "4" and rows[0]["height"] == "3"
    assert rows[2]["size"] == f"{len(PDF_BYTES)} B"
    # never a link to somewhere else, even when a channel said so; not-yet-downloaded media
    odd = message_details.attachment_rows([
        {"kind": "photo", "url": "https://evil.example/x.png", "mime_type": "image/png", "inline": True},
        {"kind": "photo", "url": "/files/attachments/../../messenger.db", "inline": True,
         "mime_type": "image/png"},
        {"kind": "voice", "file_id": "abc", "error": "telegram getFile: too big"}, "junk"])
    assert [(r["url"], r["media"]) for r in odd] == [("", ""), ("", ""), ("", "")]
    assert odd[2]["name"] == "voice" and "too big" in odd[2]["error"]
    assert message_details.human_size(5 * 1048576) == "5.0 MB" and message_details.human_size(None) == ""


def test_detail_of_outbound_inbound_and_note(data_dir):
    from messenger_app.services import auth

    op = auth.create_operator("op", "password-123", display_name="Olga")
    got = widget.send(widget.new_visitor(), "hello")
    mid = outbox.queue(got.dialog_id, op.id, "answer")
    d = message_details.detail(mid)
    assert (d["direction"], d["operator"], d["channel_kind"], d["status"]) == ("out", "Olga", "widget", "queued")
    assert d["identity_external_id"].startswith("v_") and d["status_history"][0]["status"] == "queued"
    inbound = message_details.detail(got.message_id)
    assert inbound["direction"] == "in" and inbound["operator"] == "" and inbound["external_id"]
    nid = notes.add_note(got.dialog_id, op.id, "internal")
    n = message_details.detail(nid)
    assert n["direction"] == "note" and n["channel_kind"] == "" and n["identity_external_id"] == ""
    assert message_details.detail(999999) is None
    assert message_details.count_from(got.dialog_id, got.message_id) == 3
    assert message_details.dialog_of(nid) == got.dialog_id
