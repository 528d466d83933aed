"""services/inbox.receive(): one transaction, one dialog per client, idempotent."""

import threading

import pytest


from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Channel, ChannelIdentity, Contact, Dialog, Message
from messenger_app.services import dialog_list, dialogs, events, inbox
from tests.factories import count


def _channel(kind="telegram", name="bot"):
    with db.session() as s:
        ch = Channel(kind=kind, name=name, token="1:x")
        s.add(ch)
        s.commit()
        return ch


def _msg(ext="1:1", user="42", text="hello", **kw):
    return InboundMessage(external_id=ext, identity_external_id=user, text=text,
                          first_name=kw.pop("first_name", "Anna"), last_name=kw.pop("last_name", "Ivanova"),
                          display_name="Anna Ivanova", **kw)


def test_receive_creates_client_dialog_and_message(data_dir):
    ch = _channel()
    got = inbox.receive(ch.id, ch.kind, _msg())
    assert got.created and got.new_identity
    with db.session() as s:
        contact = s.get(Contact, got.contact_id)
        dialog = s.get(Dialog, got.dialog_id)
        msg = s.get(Message, got.message_id)
    assert (contact.first_name, contact.last_name) == ("Anna", "Ivanova")
    assert contact.first_message_at is not None  # a billed subscriber now (B3)
    assert dialog.unread_count == 1 and dialog.last_preview == "hello"
    assert dialog.last_channel_kind == "telegram" and dialog.last_message_at is not None
    assert (msg.direction, msg.sender_kind, msg.text) == ("in", "client", "hello")


def test_same_external_id_twice_stores_one_message(data_dir):
    ch = _channel()
    first = inbox.receive(ch.id, ch.kind, _msg())
    again = inbox.receive(ch.id, ch.kind, _msg(text="a replay of the same update"))
    assert not again.created and again.message_id == first.message_id
    assert count(Message) == 1
    assert dialog_list.row(first.dialog_id).unread == 1  # counters not bumped by the replay


def test_concurrent_duplicates_store_once(data_dir):
    ch = _channel()
    results, errors = [], []

    def worker():
        try:
            results.append(inbox.receive(ch.id, ch.kind, _msg(ext="7:7")))
        except Exception as e:  # pragma: no cover - the assertion below shows it
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    assert count(Message) == 1 and count(Contact) == 1
    assert len({r.message_id for r in results}) == 1


def test_second_message_same_client_same_dialog(data_dir):
    ch = _channel()
    a = inbox.receive(ch.id, ch.kind, _msg(ext="1:1"))
    b = inbox.receive(ch.id, ch.kind, _msg(ext="1:2", text="second"))
    assert a.dialog_id == b.dialog_id and not b.new_identity
    assert dialog_list.row(a.dialog_id).unread == 2
    assert dialog_list.row(a.dialog_id).preview == "second"


def test_same_phone_in_two_channels_is_one_client(data_dir):
    tg, wa = _channel("telegram"), _channel("whatsapp", "wa")
    a = inbox.receive(tg.id, "telegram", _msg(ext="1:1", user="42", phone="+7 (999) 123-45-67"))
    b = inbox.receive(wa.id, "whatsapp", _msg(ext="wamid.1", user="79991234567", phone="89991234567"))
    assert a.contact_id == b.contact_id and a.dialog_id == b.dialog_id
    assert count(Dialog) == 1 and count(ChannelIdentity) == 2
    kinds = [m.channel_kind for m in dialogs.messages(a.dialog_id)]
    assert kinds == ["telegram", "whatsapp"]
    assert dialog_list.row(a.dialog_id).channel_kind == "whatsapp"


def test_avatar_comes_from_first_channel_with_one(data_dir):
    tg, wa = _channel("telegram"), _channel("whatsapp", "wa")
    a = inbox.receive(tg.id, "telegram", _msg(ext="1:1", user="1", phone="+79990000001"))
    b = inbox.receive(wa.id, "whatsapp", _msg(ext="w1", user="2", phone="+79990000001"))
    inbox.set_identity_profile(a.identity_id, avatar="/files/avatars/first.jpg")
    inbox.set_identity_profile(b.identity_id, avatar="/files/avatars/second.jpg")
    assert dialog_list.row(a.dialog_id).avatar == "/files/avatars/first.jpg"


def test_profile_never_overwrites_crm_names(data_dir):
    ch = _channel()
    got = inbox.receive(ch.id, ch.kind, _msg())
    with db.session() as s:
        c = s.get(Contact, got.contact_id)
        c.first_name = "Typed by operator"
        s.add(c)
        s.commit()
    inbox.set_identity_profile(got.identity_id, display_name="Telegram Name")
    assert dialog_list.row(got.dialog_id).name.startswith("Typed by operator")


def test_a_profile_that_changes_nothing_tells_no_tab(data_dir, monkeypatch):
    ch = _channel()
    got = inbox.receive(ch.id, ch.kind, _msg())  # display name "Anna Ivanova"
    heard = []
    monkeypatch.setattr(events, "deliver", lambda ev: heard.append(ev))
    inbox.set_identity_profile(got.identity_id)  # a channel without profiles (SMS)
    inbox.set_identity_profile(got.identity_id, display_name="Anna Ivanova")  # the same again
    assert heard == []
    inbox.set_identity_profile(got.identity_id, display_name="Anna I.", avatar="/files/avatars/a.jpg")
    inbox.set_identity_profile(got.identity_id, avatar="/files/avatars/a.jpg")
    assert [(e["kind"], e["reason"]) for e in heard] == [("dialog", "profile")]
    with db.session() as s:
        ident = s.get(ChannelIdentity, got.identity_id)
        assert (ident.display_name, ident.avatar) == ("Anna I.", "/files/avatars/a.jpg")


def test_mark_read_clears_counter_and_publishes(data_dir):
    import asyncio

    ch = _channel()
    got = inbox.receive(ch.id, ch.kind, _msg())

    async def scenario():
        q = events.bus().subscribe()
        assert inbox.mark_read(got.dialog_id) is True
        ev = await asyncio.wait_for(q.get(), 2)
        assert inbox.mark_read(got.dialog_id) is False  # nothing left to read
        return ev

    ev = asyncio.run(scenario())
    assert ev["reason"] == "read" and ev["dialog_id"] == got.dialog_id
    assert dialog_list.row(got.dialog_id).unread == 0


def test_hostile_text_is_stored_verbatim(data_dir):
    ch = _channel()
    evil = "<script>alert(1)</script> \u202e\u0000 👨‍👩‍👧 Ünïcödé"
    got = inbox.receive(ch.id, ch.kind, _msg(text=evil, first_name="<img src=x onerror=alert(1)>"))
    # verbatim but for NUL, which PostgreSQL cannot store in text
    assert dialogs.messages(got.dialog_id)[0].text == evil.replace("\u0000", "")
    assert dialog_list.row(got.dialog_id).name.startswith("<img")


def test_lone_surrogates_nul_and_huge_text_are_made_storable(data_dir, monkeypatch):
    from messenger_app import settings

    monkeypatch.setenv("INBOUND_MAX_CHARS", "50")
    settings.reset()
    ch = _channel()
    got = inbox.receive(ch.id, ch.kind, _msg(text="a\ud800b\x00" + "x" * 100,
                                             first_name="Ann\udfff", last_name="", user="u\ud800"))
    [m] = dialogs.messages(got.dialog_id)
    assert m.text == "a\ufffdb" + "x" * 47 and len(m.text) == 50
    assert dialog_list.row(got.dialog_id).name == "Ann\ufffd"
    # the same message again (same cleaned ids) is still stored once
    assert not inbox.receive(ch.id, ch.kind, _msg(text="again", user="u\ud800")).created


def test_unstorable_message_is_rejected_and_writes_nothing(data_dir):
    ch = _channel()
    for bad in [_msg(ext=""), _msg(ext="x" * 201), _msg(user=""),
                InboundMessage(external_id="9", identity_external_id="9", problem="text is a list")]:
        with pytest.raises(inbox.Rejected):
            inbox.receive(ch.id, ch.kind, bad)
    assert dialog_list.list_page() == []


def test_list_orders_newest_first_and_pages(data_dir):
    ch = _channel()
    ids = [inbox.receive(ch.id, ch.kind, _msg(ext=f"{i}:1", user=str(i))).dialog_id for i in range(7)]
    page1 = dialog_list.list_page(limit=4)
    assert [r.id for r in page1] == ids[::-1][:4]
    page2 = dialog_list.list_page(limit=4, after=(page1[-1].activity_at, page1[-1].id))
    assert [r.id for r in page2] == ids[::-1][4:]


def test_phone_search_any_format(data_dir):
    ch = _channel()
    got = inbox.receive(ch.id, ch.kind, _msg(phone="+79991234567"))
    inbox.receive(ch.id, ch.kind, _msg(ext="2:2", user="2", phone="+79990000000"))
    for q in ["+7 (999) 123-45", "8999123", "79991234567", "123-45-67"]:
        assert [r.id for r in dialog_list.list_page(search=q)] == [got.dialog_id], q


def test_receive_many_stores_a_batch_once_and_publishes_after_commit(data_dir, monkeypatch):
    ch = _channel()
    old = inbox.receive(ch.id, ch.kind, _msg(ext="0", user="7", first_name="Old"))
    seen = []

    def publish(kind, **fields):  # what the tabs hear, and what was committed by then
        seen.append((kind, fields["dialog_id"], fields["message_id"], count(Message)))

    monkeypatch.setattr(events, "deliver", lambda ev: publish(**ev))  # on commit
    batch = [_msg(ext="1", user="42", text="one"), _msg(ext="0", user="7", text="already stored"),
             _msg(ext="2", user="42", text="two"), _msg(ext="1", user="42", text="twice in the batch"),
             _msg(ext="3", user="43", text="new client", phone="+79991230000")]
    got = inbox.receive_many(ch.id, ch.kind, batch)
    assert [g.created for g in got] == [True, False, True, False, True]
    assert got[1].message_id == old.message_id and got[3].message_id == got[0].message_id
    assert got[0].new_identity and not got[2].new_identity and got[0].dialog_id == got[2].dialog_id
    assert count(Message) == 4 and count(Contact) == 3 and count(Dialog) == 3
    assert [s[2] for s in seen] == [got[0].message_id, got[2].message_id, got[4].message_id]
    assert all(s[3] == 4 for s in seen)  # published only once all of it was committed
    row = dialog_list.row(got[0].dialog_id)
    assert (row.unread, row.preview) == (2, "two")  # counters from the batch's last message
    assert dialog_list.row(old.dialog_id).unread == 1
    with db.session() as s:
        contact = s.get(Contact, got[4].contact_id)
        assert contact.phone == "+79991230000" and contact.first_message_at is not None
    # the same batch again (a replayed poll): nothing written, nothing published
    seen.clear()
    again = inbox.receive_many(ch.id, ch.kind, batch)
    assert [a.message_id for a in again] == [g.message_id for g in got]
    assert not any(a.created for a in again) and seen == [] and count(Message) == 4
    assert dialog_list.row(got[0].dialog_id).unread == 2
    assert inbox.receive_many(ch.id, ch.kind, []) == []


def test_receive_many_joins_a_phone_from_another_channel(data_dir):
    tg, wa = _channel(), _channel("whatsapp", "wa")
    a = inbox.receive(tg.id, "telegram", _msg(ext="1:1", user="42", phone="+7 (999) 123-45-67"))
    got = inbox.receive_many(wa.id, "whatsapp", [
        _msg(ext="w1", user="79991234567", phone="89991234567"),
        _msg(ext="w2", user="79991234567", phone="89991234567", text="again")])
    assert {g.contact_id for g in got} == {a.contact_id} and got[0].dialog_id == a.dialog_id
    assert dialog_list.row(a.dialog_id).unread == 3


def test_a_known_client_without_a_phone_gets_the_one_its_channel_gives_later(data_dir):
    """A phone is filled in once, never overwritten: one by one, and within one batch (the
    batch's first message has none, a later one has it)."""
    ch = _channel()
    a = inbox.receive(ch.id, "telegram", _msg(ext="1", user="42"))
    inbox.receive(ch.id, "telegram", _msg(ext="2", user="42", phone="8 999 123-45-67"))
    inbox.receive(ch.id, "telegram", _msg(ext="3", user="42", phone="+79990000000"))
    got = inbox.receive_many(ch.id, "telegram", [_msg(ext="4", user="7"), _msg(ext="5", user="7"),
                                                 _msg(ext="6", user="7", phone="+79991110000"),
                                                 _msg(ext="7", user="7", phone="+79992220000")])
    with db.session() as s:
        first, second = s.get(Contact, a.contact_id), s.get(Contact, got[0].contact_id)
    assert (first.phone, first.phone_raw, first.phone_digits) == (
        "+79991234567", "8 999 123-45-67", "79991234567")
    assert second.phone == "+79991110000"


def _buttons_sent(dialog_id, contact_id, channel_id):
    """The last message we sent in the dialog had two buttons."""
    with db.session() as s:
        s.add(Message(dialog_id=dialog_id, contact_id=contact_id, channel_id=channel_id,
                      channel_kind="telegram", direction="out", sender_kind="bot", text="Which city?",
                      status="sent", choices=[{"id": "msk", "label": "Moscow"},
                                              {"id": "spb", "label": "St Petersburg"}]))
        s.commit()


def _choice(message_id):
    with db.session() as s:
        return s.get(Message, message_id).choice_id


def test_a_typed_answer_to_the_last_buttons_is_their_choice_in_any_channel(data_dir):
    """Known sender, a new sender joined by phone (the dialog existed) and a batch: the
    buttons of the last message we sent are read with the sender and a typed label or
    number is that button's choice; anything else is none."""
    tg, wa = _channel(), _channel("whatsapp", "wa")
    first = inbox.receive(tg.id, "telegram", _msg(ext="1", user="42", phone="+79991234567"))
    _buttons_sent(first.dialog_id, first.contact_id, tg.id)
    typed = inbox.receive(tg.id, "telegram", _msg(ext="2", user="42", text=" moscow! "))
    other_channel = inbox.receive(wa.id, "whatsapp", _msg(ext="w1", user="79991234567", text="2",
                                                          phone="89991234567"))
    assert other_channel.new_identity and other_channel.dialog_id == first.dialog_id
    batch = inbox.receive_many(tg.id, "telegram", [_msg(ext="3", user="42", text="St Petersburg"),
                                                   _msg(ext="4", user="42", text="Kazan"),
                                                   _msg(ext="5", user="77", text="1")])
    assert [_choice(r.message_id) for r in (typed, other_channel, *batch)] == ["msk", "spb", "spb", "", ""]
