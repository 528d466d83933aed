"""Internal notes in a dialog (X8): seen by operators only, never sent to the client.

A note is a Message row with direction "note", status "note" and no channel, so:
- outbox.due()/next_due_in() never pick it (they look for status "queued"), retry() and
  apply_status() ignore it (they want direction "out");
- it never counts as unread and leaves the dialog's list fields (preview, last channel,
  last direction, order) alone: the list shows client-visible activity only;
- dialogs.messages() returns it in the thread like any message; the UI styles
  direction "note" differently.
"""

from __future__ import annotations

import unicodedata

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Dialog, Message
from messenger_app.services import events
from messenger_app.services.event_types import DialogChanged
from messenger_app.lib.errors import DomainError

NOTE = "note"  # both the direction and the status of a note
MAX_NOTE = 4096


class NoteError(DomainError):
    """The note cannot be stored; `code` + `params` say why."""

    code = "note"


def add_note(dialog_id: int, operator_id: int | None, text: str) -> int:
    """Store a note in the dialog and return its message id."""
    # control characters out (newlines and tabs stay; emoji joiners are not controls)
    text = "".join(ch for ch in (text or "")
                   if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if not text:
        raise NoteError("empty note", code="note_empty")
    if len(text) > MAX_NOTE:
        raise NoteError(f"note too long (max {MAX_NOTE} characters)", code="too_long", limit=MAX_NOTE)
    now = utcnow()
    with db.session() as s:
        dialog = s.get(Dialog, dialog_id)
        if dialog is None:
            raise NoteError("dialog not found", code="no_dialog")
        msg = Message(dialog_id=dialog_id, contact_id=dialog.contact_id, identity_id=None,
                      channel_id=None, channel_kind="", direction=NOTE, sender_kind="operator",
                      operator_id=operator_id, text=text, attachments=[], status=NOTE,
                      status_history=[{"status": NOTE, "at": now.isoformat()}],
                      next_attempt_at=None, created_at=now, updated_at=now)
        s.add(msg)
        s.flush()
        events.on_commit(s, DialogChanged(dialog_id=dialog_id, contact_id=dialog.contact_id,
                                          reason="note", message_id=msg.id))
        s.commit()
        msg_id = msg.id
    return msg_id


def is_note(direction: str) -> bool:
    return direction == NOTE
