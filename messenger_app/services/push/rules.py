"""Which dialogs notify (push) and ring (sound): the rules are in the package docstring."""

from __future__ import annotations

from sqlmodel import select

from messenger_app import db, settings
from messenger_app.models import ContactFolder, Dialog, Folder


def _folder_flags(dialog_id: int) -> tuple[bool, bool] | None:
    """(push, sound) for the dialog's client, or None when there is no such dialog."""
    with db.session() as s:
        dialog = s.get(Dialog, dialog_id)
        if dialog is None:
            return None
        rows = s.exec(select(Folder.push, Folder.sound)
                      .join(ContactFolder, ContactFolder.folder_id == Folder.id)
                      .where(ContactFolder.contact_id == dialog.contact_id)).all()
    if not rows:  # only in the built-in "All chats"
        return settings.get().push_all_chats, settings.get().sound_all_chats
    return any(bool(p) for p, _ in rows), any(bool(snd) for _, snd in rows)


def targets_for(dialog_id: int) -> bool:
    """Does a new inbound message in this dialog send a Web Push? (rules: module doc)"""
    flags = _folder_flags(int(dialog_id))
    return bool(flags and flags[0])


def sound_for(dialog_id: int) -> bool:
    """Does a new inbound message in this dialog play the sound in open tabs?"""
    flags = _folder_flags(int(dialog_id))
    return bool(flags and flags[1])


