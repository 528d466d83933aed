"""X7: merging two clients keeps every message in one thread; the merge is logged and undoable."""

import pytest

from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Channel, Contact, Dialog, Message
from messenger_app.services import crm, dialog_list, dialogs, folders, inbox, merge
from tests.factories import count


def _ch(kind):
    with db.session() as s:
        ch = Channel(kind=kind, name=kind)
        s.add(ch)
        s.commit()
        return ch


def _say(ch, user, ext, text, **kw):
    return inbox.receive(ch.id, ch.kind, InboundMessage(external_id=ext, identity_external_id=user,
                                                        text=text, **kw))


@pytest.fixture
def two(data_dir):
    tg, mail = _ch("telegram"), _ch("email")
    a = _say(tg, "1", "t1", "hello from telegram", first_name="Anna")
    b1 = _say(mail, "anna@example.com", "m1", "hello by mail", display_name="A. Ivanova")
    _say(mail, "anna@example.com", "m2", "second mail")
    vip = folders.create("VIP")
    folders.set_contact_folders(b1.contact_id, [vip.id])
    crm.create_field("city", "City")
    crm.set_value(b1.contact_id, "city", "Kazan")
    crm.set_tag1(b1.contact_id, "wholesale")
    crm.set_blacklisted(b1.contact_id, True)
    return a, b1, vip


def test_merge_makes_one_thread_and_keeps_everything(two):
    a, b, vip = two
    log_id = merge.merge(a.contact_id, b.contact_id, operator_id=None)
    assert count(Contact) == 1 and count(Dialog) == 1 and count(Message) == 3
    texts = [m.text for m in dialogs.messages(a.dialog_id)]
    assert sorted(texts) == sorted(["hello from telegram", "hello by mail", "second mail"])
    [row] = dialog_list.list_page()
    assert row.name == "Anna" and row.unread == 3 and row.tag1 == "wholesale"
    assert row.blacklisted  # a blacklisted half keeps the merged client off mailings (R3)
    assert [f.id for f in folders.folders_of(a.contact_id)] == [vip.id]
    assert {v["key"]: v["value"] for v in crm.values_of(a.contact_id)}["city"] == "Kazan"
    assert {c["kind"] for c in dialogs.card(a.dialog_id).channels} == {"telegram", "email"}
    assert merge.history(a.contact_id)[0].id == log_id
    # new mail from the merged identity lands in the merged dialog
    got = _say(Channel(id=2, kind="email"), "anna@example.com", "m3", "after the merge")
    assert got.dialog_id == a.dialog_id


def test_undo_restores_both_clients(two):
    a, b, vip = two
    log_id = merge.merge(a.contact_id, b.contact_id)
    restored = merge.undo(log_id)
    assert restored == b.contact_id
    assert count(Contact) == 2 and count(Dialog) == 2
    assert [m.text for m in dialogs.messages(a.dialog_id)] == ["hello from telegram"]
    assert [m.text for m in dialogs.messages(b.dialog_id)] == ["hello by mail", "second mail"]
    rows = {r.id: r for r in dialog_list.list_page()}
    assert rows[a.dialog_id].tag1 == "" and not rows[a.dialog_id].blacklisted
    assert rows[b.dialog_id].blacklisted and rows[b.dialog_id].unread == 2
    assert folders.folders_of(a.contact_id) == []
    assert [f.id for f in folders.folders_of(b.contact_id)] == [vip.id]
    with pytest.raises(merge.MergeError):
        merge.undo(log_id)


def test_merge_refuses_nonsense(two):
    a, b, _ = two
    with pytest.raises(merge.MergeError):
        merge.merge(a.contact_id, a.contact_id)
    with pytest.raises(merge.MergeError):
        merge.merge(a.contact_id, 999)
    assert count(Contact) == 2
