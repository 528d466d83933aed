"""Folders of the left panel (L7, L8, L9) and which clients are in them (R4).

Two folders are built in and are not rows: "all" (every dialog) and "operator" ("With
operator" = Dialog.bot_paused). They can't be edited, deleted or chosen for a client.
Custom folders are `Folder` rows; membership is `ContactFolder` (a client can be in several).

Unread counters (L9) are counted for every folder at once: one GROUP BY, never a query per
folder. Nothing here touches Dialog.unread_count: moving a client between folders never
changes what is unread.

Every write commits and then publishes: "folders" (the folder list and its counters changed)
and, for a client's membership, "dialog" with reason="folders".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import delete as sa_delete
from sqlalchemy import Integer, func, literal, literal_column, union_all
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Contact, ContactFolder, Dialog, Folder
from messenger_app.services import events
from messenger_app.services.event_types import DialogChanged, FoldersChanged
from messenger_app.lib.errors import DomainError

ALL = "all"
OPERATOR = "operator"
BUILTINS = (ALL, OPERATOR)
NAME_MAX = 100
_BUILTIN_NAMES = {"en": {ALL: "All chats", OPERATOR: "With operator"},
                  "ru": {ALL: "Все чаты", OPERATOR: "С оператором"}}


class FolderError(DomainError):
    """A folder request that can't be done; `code` + `params` say why (services/errors.py)."""

    code = "folder"


class UnknownFolder(FolderError):
    code = "folder_unknown"


class BuiltinFolder(FolderError):
    code = "folder_builtin"


@dataclass
class FolderCount:
    """A folder as the left panel shows it (L9)."""

    id: int | str  # a Folder.id, or "all" / "operator" for the built-ins
    name: str
    unread: int  # dialogs with unread messages in this folder
    builtin: bool
    push: bool
    sound: bool
    position: int


def builtin_name(key: str, lang: str = "en") -> str:
    return _BUILTIN_NAMES.get(lang, _BUILTIN_NAMES["en"])[key]


def parse_key(folder: str | int | None) -> str | int | None:
    """None / "" / "all" -> None (every dialog); "operator"; an int or "12" -> 12."""
    if folder is None or folder == "" or folder == ALL:
        return None
    if isinstance(folder, bool):
        raise UnknownFolder(f"not a folder: {folder!r}")
    if isinstance(folder, int):
        return folder
    if isinstance(folder, str):
        if folder == OPERATOR:
            return OPERATOR
        if folder.strip().isdigit():
            return int(folder.strip())
    raise UnknownFolder(f"not a folder: {folder!r}")


# -- folders -----------------------------------------------------------------------------

def _clean_name(name: str) -> str:
    if not isinstance(name, str):
        raise FolderError("The folder name must be text.", code="folder_empty")
    clean = name.strip()
    if not clean:
        raise FolderError("The folder name can't be empty.", code="folder_empty")
    if len(clean) > NAME_MAX:
        raise FolderError(f"The folder name is too long ({len(clean)} characters, at most {NAME_MAX}).",
                          code="folder_long", limit=NAME_MAX)
    return clean


def _check_unique(s, name: str, except_id: int | None = None) -> None:
    folded = name.casefold()
    builtin = {n.casefold() for names in _BUILTIN_NAMES.values() for n in names.values()}
    if folded in builtin:
        raise FolderError(f'"{name}" is the name of a built-in folder.', code="folder_builtin_name",
                          name=name)
    for fid, other in s.exec(select(Folder.id, Folder.name)).all():
        if fid != except_id and other.casefold() == folded:
            raise FolderError(f'A folder named "{other}" already exists.', code="folder_taken",
                              name=other)


def _get(s, folder_id) -> Folder:
    if isinstance(folder_id, str) and folder_id in BUILTINS:
        raise BuiltinFolder("The built-in folders can't be changed.")
    if isinstance(folder_id, bool) or not isinstance(folder_id, int):
        raise UnknownFolder(f"Unknown folder: {folder_id!r}.")
    folder = s.get(Folder, folder_id)
    if folder is None:
        raise UnknownFolder(f"Folder {folder_id} doesn't exist (deleted?).")
    return folder


def create(name: str, push: bool = True, sound: bool = True) -> Folder:
    name = _clean_name(name)
    with db.session() as s:
        _check_unique(s, name)
        last = s.exec(select(func.max(Folder.position))).one()
        folder = Folder(name=name, push=bool(push), sound=bool(sound), position=(last or 0) + 1)
        s.add(folder)
        s.flush()
        events.on_commit(s, FoldersChanged(folder_id=folder.id, action="created"))
        s.commit()
        s.refresh(folder)
    return folder


def rename(folder_id: int, name: str) -> Folder:
    name = _clean_name(name)
    with db.session() as s:
        folder = _get(s, folder_id)
        _check_unique(s, name, except_id=folder.id)
        folder.name = name
        s.add(folder)
        events.on_commit(s, FoldersChanged(folder_id=folder.id, action="renamed"))
        s.commit()
    return folder


def set_flags(folder_id: int, push: bool | None = None, sound: bool | None = None) -> Folder:
    """Turn PUSH (N1) and/or sound (N2) on or off; None leaves a flag as it is."""
    with db.session() as s:
        folder = _get(s, folder_id)
        if push is not None:
            folder.push = bool(push)
        if sound is not None:
            folder.sound = bool(sound)
        s.add(folder)
        events.on_commit(s, FoldersChanged(folder_id=folder.id, action="flags"))
        s.commit()
    return folder


def reorder(folder_ids: list[int]) -> None:
    """Put the custom folders in this order (ids not listed keep their place after them)."""
    with db.session() as s:
        folders = {f.id: f for f in s.exec(select(Folder)).all()}
        unknown = [fid for fid in folder_ids if fid not in folders]
        if unknown:
            raise UnknownFolder(f"Unknown folder(s): {', '.join(map(str, unknown))}.")
        rest = sorted((f for fid, f in folders.items() if fid not in set(folder_ids)),
                      key=lambda f: (f.position, f.id))
        for pos, folder in enumerate([folders[i] for i in folder_ids] + rest, start=1):
            folder.position = pos
            s.add(folder)
        events.on_commit(s, FoldersChanged(action="reordered"))
        s.commit()


def delete(folder_id: int) -> None:
    """Delete a custom folder: only its memberships go; its clients stay in "All chats"."""
    with db.session() as s:
        folder = _get(s, folder_id)
        s.execute(sa_delete(ContactFolder).where(ContactFolder.folder_id == folder.id))
        s.delete(folder)
        events.on_commit(s, FoldersChanged(folder_id=folder_id, action="deleted"))
        s.commit()


def get(folder_id: int) -> Folder | None:
    with db.session() as s:
        return s.get(Folder, folder_id)


def list_folders() -> list[Folder]:
    """The custom folders in their order (for the client card's multi-select, R4)."""
    with db.session() as s:
        return list(s.exec(select(Folder).order_by(Folder.position, Folder.id)).all())


def list_with_unread(lang: str = "en") -> list[FolderCount]:
    """"All chats", "With operator", then the custom folders in order, each with the number
    of its dialogs that have unread messages. Two queries whatever the number of folders:
    the folders, and one UNION of the GROUP BY over memberships and the two built-in counts."""
    folders_q, counts_q = _unread_queries()
    with db.reading() as conn:  # plain rows: a live update asks for this once per event batch
        folders = conn.execute(folders_q).all()
        counts = dict(conn.execute(counts_q).all())
    out = [FolderCount(ALL, builtin_name(ALL, lang), counts.get(-1, 0), True, False, False, -2),
           FolderCount(OPERATOR, builtin_name(OPERATOR, lang), counts.get(-2, 0), True, False, False, -1)]
    out += [FolderCount(f.id, f.name, counts.get(f.id, 0), False, f.push, f.sound, f.position)
            for f in folders]
    return out


@functools.cache
def _unread_queries():
    """list_with_unread()'s two statements, built once (used again, they skip SQLAlchemy's
    cache key and result matching)."""
    unread = Dialog.unread_count > literal_column("0", Integer)  # the partial index's own term
    per_folder = (select(ContactFolder.folder_id.label("k"), func.count().label("n"))
                  .select_from(Dialog)
                  .join(ContactFolder, ContactFolder.contact_id == Dialog.contact_id)
                  .where(unread).group_by(ContactFolder.folder_id))
    all_unread = select(literal(-1).label("k"), func.count().label("n")).select_from(Dialog).where(unread)
    op_unread = (select(literal(-2).label("k"), func.count().label("n")).select_from(Dialog)
                 .where(unread, Dialog.bot_paused == True))  # noqa: E712
    return (select(Folder.id, Folder.name, Folder.push, Folder.sound, Folder.position)
            .order_by(Folder.position, Folder.id),
            union_all(per_folder, all_unread, op_unread))


# -- a client's folders (R4) ---------------------------------------------------------------

def folders_of(contact_id: int) -> list[Folder]:
    """The custom folders this client is in, in folder order."""
    with db.session() as s:
        return list(s.exec(select(Folder).join(ContactFolder, ContactFolder.folder_id == Folder.id)
                           .where(ContactFolder.contact_id == contact_id)
                           .order_by(Folder.position, Folder.id)).all())


def set_contact_folders(contact_id: int, folder_ids: list[int]) -> list[int]:
    """Make the client a member of exactly these custom folders. Built-ins can't be chosen;
    an unknown id raises UnknownFolder and changes nothing. Returns the sorted folder ids."""
    wanted: set[int] = set()
    for fid in folder_ids or []:
        if isinstance(fid, str) and fid in BUILTINS:
            raise BuiltinFolder('"All chats" and "With operator" can\'t be chosen for a client.')
        if isinstance(fid, str) and fid.strip().isdigit():
            fid = int(fid.strip())
        if isinstance(fid, bool) or not isinstance(fid, int):
            raise UnknownFolder(f"Unknown folder: {fid!r}.")
        wanted.add(fid)
    for attempt in range(2):
        try:
            _set_members(contact_id, wanted)
            break
        except IntegrityError:  # another tab set the same folder at the same moment: redo
            if attempt:
                raise
    return sorted(wanted)


def _set_members(contact_id: int, wanted: set[int]) -> None:
    with db.session() as s:
        if s.get(Contact, contact_id) is None:
            raise FolderError(f"Client {contact_id} doesn't exist.", code="no_client")
        existing = set(s.exec(select(Folder.id).where(Folder.id.in_(wanted))).all()) if wanted else set()
        missing = sorted(wanted - existing)
        if missing:
            raise UnknownFolder(f"Unknown folder(s): {', '.join(map(str, missing))} (deleted?).")
        current = set(s.exec(select(ContactFolder.folder_id)
                             .where(ContactFolder.contact_id == contact_id)).all())
        if current == wanted:
            return
        gone = current - wanted
        if gone:
            s.execute(sa_delete(ContactFolder).where(ContactFolder.contact_id == contact_id,
                                                  ContactFolder.folder_id.in_(gone)))
        s.add_all(ContactFolder(contact_id=contact_id, folder_id=fid) for fid in wanted - current)
        dialog_id = s.exec(select(Dialog.id).where(Dialog.contact_id == contact_id)).first()
        events.on_commit(s, DialogChanged(dialog_id=dialog_id, contact_id=contact_id, reason="folders"),
                         FoldersChanged(contact_id=contact_id, action="membership"))
        s.commit()
