"""services/notes: internal notes (X8) are shown in the thread, never sent, never unread,
never the dialog's preview."""

import asyncio

import pytest

from messenger_app import db
from messenger_app.models import Dialog, Message
from messenger_app.services import dialog_list, auth, dialogs, events, notes, outbox, widget


class Recorder:
    def __init__(self):
        self.sent = []

    async def send(self, ext_id, msg):  # pragma: no cover - a note must never get here
        self.sent.append(msg.text)
        raise AssertionError("a note was sent")


def test_the_client_never_sees_a_note(data_dir):
    op = auth.create_operator("op", "password-123")
    visitor = widget.new_visitor()
    got = widget.send(visitor, "hello")
    notes.add_note(got.dialog_id, op.id, "грубый клиент")
    outbox.queue(got.dialog_id, op.id, "ответ")
    assert [m.text for m in widget.history(visitor)] == ["hello", "ответ"]


def _dialog(did):
    with db.session() as s:
        return s.get(Dialog, did)


def test_note_is_stored_as_a_note_and_shown_in_the_thread(dialog):
    did, op = dialog
    nid = notes.add_note(did, op, "  клиент просил перезвонить после 18:00 \x00 ")
    with db.session() as s:
        m = s.get(Message, nid)
    assert (m.direction, m.sender_kind, m.status) == ("note", "operator", "note")
    assert m.channel_id is None and m.identity_id is None and m.channel_kind == ""
    assert m.text == "клиент просил перезвонить после 18:00"  # control characters out
    views = dialogs.messages(did)
    assert [(v.direction, v.text) for v in views] == [
        ("in", "hello"), ("note", "клиент просил перезвонить после 18:00")]
    assert views[-1].sender_name == "Ольга" and views[-1].status == "note"


def test_note_is_never_sent(dialog):
    did, op = dialog
    nid = notes.add_note(did, op, "internal only")
    assert outbox.due() == [] and outbox.next_due_in() is None
    mid = outbox.queue(did, op, "real answer")
    assert outbox.due() == [mid]
    rec = Recorder()
    assert asyncio.run(outbox.deliver(nid, lambda ch: rec)) == "note" and rec.sent == []
    assert outbox.retry(nid) is False
    assert outbox.apply_status(0, "x", "read") is False
    with db.session() as s:
        assert s.get(Message, nid).status == "note"


def test_note_is_not_unread_and_not_the_preview(dialog):
    did, op = dialog
    before = _dialog(did)
    notes.add_note(did, op, "секретная заметка")
    after = _dialog(did)
    assert after.unread_count == before.unread_count == 1
    assert after.last_preview == "hello" and after.last_channel_kind == before.last_channel_kind
    assert after.last_direction == "in"
    assert after.activity_at == before.activity_at  # the list order does not move
    assert after.last_message_at == before.last_message_at
    row = dialog_list.row(did)
    assert row.preview == "hello" and row.unread == 1
    # a real answer afterwards is the preview, and the note still is not
    outbox.queue(did, op, "our answer")
    assert dialog_list.row(did).preview == "our answer"


def test_note_publishes_a_dialog_event(dialog, monkeypatch):
    did, op = dialog
    seen = []
    monkeypatch.setattr(events, "deliver", lambda ev: seen.append((ev.pop("kind"), ev)))
    nid = notes.add_note(did, op, "x")
    contact_id = _dialog(did).contact_id
    assert seen == [("dialog", {"dialog_id": did, "contact_id": contact_id, "reason": "note",
                                "message_id": nid})]


def test_bad_notes_are_refused(dialog):
    did, op = dialog
    with pytest.raises(notes.NoteError, match="empty"):
        notes.add_note(did, op, " \n\t ")
    with pytest.raises(notes.NoteError, match="too long"):
        notes.add_note(did, op, "x" * 4097)
    with pytest.raises(notes.NoteError, match="dialog not found"):
        notes.add_note(did + 100, op, "x")
    assert isinstance(notes.NoteError("x"), ValueError)
    assert [v.direction for v in dialogs.messages(did)] == ["in"]
