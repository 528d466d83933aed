"""Which dialogs notify (push) and ring (sound): the rules are in the package docstring."""

from __future__ import annotations

import functools

from sqlalchemy import bindparam
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
    return int(dialog_id) in ringing([dialog_id])




def ringing(dialog_ids) -> set[int]:
    """Which of these dialogs play the sound for a new inbound message (sound_for, for a
    live update's whole batch in one query): a client in a custom folder rings when one
    of its folders has sound on, a client in none when "All chats" has."""
    ids = {int(d) for d in dialog_ids}
    if not ids:
        return set()
    with db.reading() as conn:
        rows = conn.execute(_ringing_query(), {"ids": sorted(ids)}).all()
    in_folders: dict[int, bool] = {}
    for did, sound in rows:
        if sound is None:  # no folder row (only in "All chats")
            in_folders.setdefault(did, None)
        else:
            in_folders[did] = bool(in_folders.get(did)) or bool(sound)
    all_chats = settings.get().sound_all_chats
    return {did for did, sound in in_folders.items() if (all_chats if sound is None else sound)}


@functools.cache
def _ringing_query():
    """ringing()'s SELECT, built once (a statement used again skips SQLAlchemy's cache key
    and result matching: it runs for every live update with an inbound message)."""
    return (select(Dialog.id, Folder.sound)
            .join(ContactFolder, ContactFolder.contact_id == Dialog.contact_id, isouter=True)
            .join(Folder, Folder.id == ContactFolder.folder_id, isouter=True)
            .where(Dialog.id.in_(bindparam("ids", expanding=True))))
