"""services/dialog_start.py: one list row for live updates (L1) and a new dialog by phone (L6)."""

import pytest
from sqlmodel import func, select

from messenger_app import db
from messenger_app.models import Channel, ChannelIdentity, Contact
from messenger_app.services import channels, crm, dialog_list, dialog_start, outbox, widget


def _channel(kind: str, enabled: bool = True) -> int:
    with db.session() as s:
        ch = Channel(kind=kind, name=f"My {kind}", enabled=enabled)
        s.add(ch)
        s.commit()
        return ch.id


def test_row_carries_tags_and_flags(data_dir):
    contact, dialog = crm.create_contact("+7 999 123-45-67")
    crm.add_tag2_option("Gold")
    crm.set_tag1(contact.id, "vip")
    crm.set_tag2(contact.id, "Gold")
    crm.set_blacklisted(contact.id, True)
    r = dialog_list.row(dialog.id)
    assert (r.id, r.tag1, r.tag2, r.blacklisted, r.channel_kind) == (dialog.id, "vip", "Gold", True, "")
    assert dialog_list.row(dialog.id + 100) is None


def test_start_channels_lists_phone_kinds_those_that_can_write_first_first(data_dir):
    widget.new_visitor()
    tg = _channel("telegram")
    sms = _channel("sms")
    _channel("vk")
    _channel("viber", enabled=False)
    wa = _channel("whatsapp")
    got = [(c.id, c.kind, c.can_start, c.limit) for c in dialog_start.start_channels()]
    assert got == [(sms, "sms", True, ""), (wa, "whatsapp", True, "template"),
                   (tg, "telegram", False, "client_first")]


def test_open_by_phone_creates_a_contact_and_an_sms_account_once(data_dir):
    sms = channels.add("sms", "SMS", config={"send_url": "http://127.0.0.1:9/send"})
    got = dialog_start.open_by_phone("8 (999) 765-43-21", sms.id)
    assert got.created and got.identity_id
    with db.session() as s:
        c = s.get(Contact, got.contact_id)
        ident = s.get(ChannelIdentity, got.identity_id)
    assert c.phone == "+79997654321" and c.first_message_at is None  # not billed yet (B3)
    assert (ident.channel_id, ident.external_id, ident.contact_id) == (sms.id, "79997654321", c.id)
    assert crm.billed_subscribers() == 0
    # the composer can write first through it
    assert [r.identity_id for r in outbox.routes(got.dialog_id)] == [got.identity_id]

    again = dialog_start.open_by_phone("+79997654321", sms.id)
    assert (again.dialog_id, again.created, again.identity_id) == (got.dialog_id, False, got.identity_id)
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(ChannelIdentity)).one() == 1
        assert s.exec(select(func.count()).select_from(Contact)).one() == 1


def test_open_by_phone_without_a_channel_and_errors(data_dir):
    got = dialog_start.open_by_phone("79991112233")
    assert got.created and got.identity_id is None
    with pytest.raises(dialog_start.StartError) as e:
        dialog_start.open_by_phone("12345")
    assert e.value.code == "phone"
    with pytest.raises(dialog_start.StartError) as e:
        dialog_start.open_by_phone("")
    assert e.value.code == "phone"
    tg = _channel("telegram")
    with pytest.raises(dialog_start.StartError) as e:
        dialog_start.open_by_phone("79991112244", tg)
    assert e.value.code == "channel"
    with pytest.raises(dialog_start.StartError) as e:
        dialog_start.open_by_phone("79991112244", 9999)
    assert e.value.code == "channel"
    with db.session() as s:  # refused requests created nobody
        assert s.exec(select(func.count()).select_from(Contact)).one() == 1


def test_readable_names_channel_kinds_for_describe(data_dir):
    from messenger_app.services import filters

    filt = {"join": "and", "conditions": [
        {"field": "channel", "op": "in_list", "value": ["widget", "telegram"]},
        {"join": "or", "conditions": [{"field": "last_channel", "op": "equals", "value": "vk"},
                                      {"field": "tag1", "op": "equals", "value": "widget"}]}]}
    assert filters.describe(filters.readable(filt)) == (
        'channel is one of (Website chat, Telegram) AND (last channel is VK OR Tag 1 is "widget")')
    assert filt["conditions"][0]["value"] == ["widget", "telegram"]  # the original is untouched
