"""services/folders.py (L7, L8, L9, R4): custom folders, memberships, unread counters."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Contact, ContactFolder, Dialog, Folder
from messenger_app.services import dialog_list, events, folders
from messenger_app.services.folders import BuiltinFolder, FolderError, UnknownFolder


def client(name: str, unread: int = 0, bot_paused: bool = False) -> tuple[int, int]:
    with db.session() as s:
        c = Contact(first_name=name)
        s.add(c)
        s.flush()
        d = Dialog(contact_id=c.id, unread_count=unread, bot_paused=bot_paused)
        s.add(d)
        s.commit()
        return c.id, d.id


@pytest.fixture
def published_state(monkeypatch):
    """Events as published, each with what the database held at that moment (after commit?);
    the plain list of events is the shared `published` fixture (tests/unit/conftest.py)."""
    got = []

    def record(kind, **data):
        with db.session() as s:
            names = sorted(s.exec(select(Folder.name)).all())
            members = sorted(s.exec(select(ContactFolder.contact_id, ContactFolder.folder_id)).all())
        got.append({"kind": kind, **data, "_names": names, "_members": members})

    monkeypatch.setattr(events, "deliver", lambda ev: record(**ev))  # on commit
    return got


def unread_of() -> dict:
    return {f.id: f.unread for f in folders.list_with_unread()}


def all_unread_counts() -> list[int]:
    with db.session() as s:
        return list(s.exec(select(Dialog.unread_count).order_by(Dialog.id)).all())


def test_create_rename_flags_delete_publish_after_commit(data_dir, published_state):
    a = folders.create("  Leads ", push=False, sound=True)
    assert (a.name, a.push, a.sound) == ("Leads", False, True)
    assert published_state[-1]["kind"] == "folders" and published_state[-1]["_names"] == ["Leads"]
    b = folders.create("Партнёры")
    assert [f.name for f in folders.list_folders()] == ["Leads", "Партнёры"]
    folders.rename(a.id, "Hot leads")
    assert published_state[-1]["_names"] == ["Hot leads", "Партнёры"]
    folders.set_flags(a.id, push=True)
    got = folders.get(a.id)
    assert (got.push, got.sound) == (True, True)
    folders.set_flags(a.id, sound=False)
    assert (folders.get(a.id).push, folders.get(a.id).sound) == (True, False)
    folders.delete(b.id)
    assert published_state[-1]["kind"] == "folders" and published_state[-1]["_names"] == ["Hot leads"]
    assert [p["kind"] for p in published_state] == ["folders"] * 6


def test_list_order_builtins_first_then_custom_in_order(data_dir):
    x, y, z = folders.create("X"), folders.create("Y"), folders.create("Z")
    listed = folders.list_with_unread()
    assert [f.id for f in listed] == ["all", "operator", x.id, y.id, z.id]
    assert [f.name for f in listed[:2]] == ["All chats", "With operator"]
    assert all(f.builtin for f in listed[:2]) and not any(f.builtin for f in listed[2:])
    assert [f.name for f in folders.list_with_unread("ru")[:2]] == ["Все чаты", "С оператором"]
    folders.reorder([z.id, x.id])
    assert [f.id for f in folders.list_with_unread()][2:] == [z.id, x.id, y.id]


@pytest.mark.parametrize("name,message", [
    ("", "empty"), ("   ", "empty"), ("x" * 101, "too long"), (None, "text"),
    ("vip", "already exists"), (" VIP ", "already exists"), ("all chats", "built-in"),
    ("С ОПЕРАТОРОМ", "built-in"),
])
def test_name_validation(data_dir, name, message):
    folders.create("VIP")
    with pytest.raises(FolderError, match=message):
        folders.create(name)
    assert [f.name for f in folders.list_folders()] == ["VIP"]


def test_name_limits_and_rename_rules(data_dir):
    long = folders.create(" " + "я" * 100 + " ")
    assert long.name == "я" * 100
    a, b = folders.create("Alpha"), folders.create("Beta")
    folders.rename(a.id, "ALPHA")  # its own name in another case is fine
    assert folders.get(a.id).name == "ALPHA"
    with pytest.raises(FolderError, match="already exists"):
        folders.rename(b.id, "alpha")
    with pytest.raises(UnknownFolder):
        folders.rename(9999, "Gamma")
    with pytest.raises(UnknownFolder):
        folders.delete(9999)
    with pytest.raises(UnknownFolder):
        folders.reorder([a.id, 9999])
    for builtin in ("all", "operator"):
        with pytest.raises(BuiltinFolder):
            folders.rename(builtin, "Mine")
        with pytest.raises(BuiltinFolder):
            folders.delete(builtin)
        with pytest.raises(BuiltinFolder):
            folders.set_flags(builtin, push=False)
    assert isinstance(BuiltinFolder("x"), ValueError) and issubclass(UnknownFolder, FolderError)


def test_unread_counters_per_folder_and_builtins(data_dir):
    leads, vip, empty = folders.create("Leads"), folders.create("VIP"), folders.create("Empty")
    a, _ = client("a", unread=2)
    b, _ = client("b", unread=0)
    c, _ = client("c", unread=5, bot_paused=True)
    d, _ = client("d", unread=0, bot_paused=True)
    e, _ = client("e", unread=1)
    folders.set_contact_folders(a, [leads.id, vip.id])
    folders.set_contact_folders(b, [leads.id])
    folders.set_contact_folders(c, [vip.id])
    folders.set_contact_folders(d, [leads.id, vip.id])
    before = all_unread_counts()
    assert unread_of() == {"all": 3, "operator": 1, leads.id: 1, vip.id: 2, empty.id: 0}
    # moving clients between folders: counters follow, unread messages stay unread
    folders.set_contact_folders(a, [empty.id])
    folders.set_contact_folders(e, [leads.id, empty.id])
    assert unread_of() == {"all": 3, "operator": 1, leads.id: 1, vip.id: 1, empty.id: 2}
    folders.set_contact_folders(c, [])
    assert unread_of() == {"all": 3, "operator": 1, leads.id: 1, vip.id: 0, empty.id: 2}
    assert all_unread_counts() == before


def test_counters_are_a_constant_number_of_queries(data_dir):
    def queries() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine(), "before_cursor_execute", listener)
        try:
            folders.list_with_unread()
        finally:
            event.remove(db.engine(), "before_cursor_execute", listener)
        return len(seen)

    cid, _ = client("a", unread=1)
    folders.set_contact_folders(cid, [folders.create("One").id])
    few = queries()
    ids = [folders.create(f"F{i}").id for i in range(15)]
    for i in range(10):
        folders.set_contact_folders(client(f"c{i}", unread=i % 2)[0], ids[i:i + 3])
    assert queries() == few == 2
    assert sum(f.unread for f in folders.list_with_unread() if not f.builtin) == 1 + 5 * 3


def test_deleting_a_folder_keeps_its_clients(data_dir):
    gone, stays = folders.create("Gone"), folders.create("Stays")
    a, da = client("a", unread=1)
    b, db_ = client("b")
    folders.set_contact_folders(a, [gone.id, stays.id])
    folders.set_contact_folders(b, [gone.id])
    folders.delete(gone.id)
    assert folders.get(gone.id) is None
    assert [f.id for f in folders.folders_of(a)] == [stays.id]
    assert folders.folders_of(b) == []
    assert {r.contact_id for r in dialog_list.list_page()} == {a, b}  # still in "All chats"
    assert dialog_list.list_page(folder=gone.id) == []
    assert unread_of() == {"all": 1, "operator": 0, stays.id: 1}
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(ContactFolder)).one() == 1
    folders.set_contact_folders(b, [folders.create("Gone").id])  # the name is free again


def test_set_contact_folders_rules_and_events(data_dir, published_state):
    x, y = folders.create("X"), folders.create("Y")
    cid, did = client("a", unread=4)
    published_state.clear()
    assert folders.set_contact_folders(cid, [y.id, x.id, str(x.id)]) == [x.id, y.id]
    assert [f.name for f in folders.folders_of(cid)] == ["X", "Y"]
    dialog_event = [p for p in published_state if p["kind"] == "dialog"]
    assert len(dialog_event) == 1 and (dialog_event[0]["dialog_id"], dialog_event[0]["contact_id"],
                                       dialog_event[0]["reason"]) == (did, cid, "folders")
    assert (cid, x.id) in dialog_event[0]["_members"]  # published_state after the commit
    assert any(p["kind"] == "folders" for p in published_state)
    published_state.clear()
    folders.set_contact_folders(cid, [x.id, y.id])  # nothing changes: nothing to announce
    assert published_state == []
    for bad, error in [(["all"], BuiltinFolder), (["operator"], BuiltinFolder),
                       ([x.id, 9999], UnknownFolder), ([None], UnknownFolder),
                       ([True], UnknownFolder)]:
        with pytest.raises(error):
            folders.set_contact_folders(cid, bad)
    with pytest.raises(FolderError, match="doesn't exist"):
        folders.set_contact_folders(424242, [x.id])
    assert [f.id for f in folders.folders_of(cid)] == [x.id, y.id]  # a refusal changes nothing
    assert published_state == []
    folders.set_contact_folders(cid, [])
    assert folders.folders_of(cid) == []
    assert all_unread_counts() == [4]  # an operator action never changes what is unread


def test_parse_key(data_dir):
    assert folders.parse_key(None) is None and folders.parse_key("all") is None
    assert folders.parse_key("operator") == "operator"
    assert folders.parse_key(7) == 7 and folders.parse_key("7") == 7
    for bad in ("vip", True, 1.5, "-1"):
        with pytest.raises(UnknownFolder):
            folders.parse_key(bad)
