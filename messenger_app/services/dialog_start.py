"""Starting a dialog from a phone number (L6).

- `start_channels()`: the connected, enabled channels in which a conversation can be started
  from a phone number (L6), each saying whether the operator can write first and, if not, why.
- `open_by_phone(phone, channel_id)`: L6. The client with this phone, or a new CRM contact
  (crm.create_contact: a contact at once, a question-mark row, not a billed subscriber until
  the first message). For a channel that addresses clients by their phone number (SMS,
  WhatsApp) the client also gets an account in that channel, so the composer can write first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Channel, ChannelIdentity, Contact
from messenger_app.services import crm, events
from messenger_app.services.event_types import DialogChanged
from messenger_app.lib import phones

# kinds that know a client by phone; the value says whether the operator can write first:
# "" yes; "template" only a template until the client answers (WhatsApp's 24-hour rule);
# "client_first" no: the client has to write to the bot first (a bot can't look up a phone)
START_KINDS = {"sms": "", "whatsapp": "template", "viber": "client_first", "telegram": "client_first"}
KIND_ORDER = ("sms", "whatsapp", "viber", "telegram")
ADDRESS_BY_PHONE = ("sms", "whatsapp")  # the account id in the channel is the phone's digits


@dataclass
class StartChannel:
    id: int
    kind: str
    name: str
    limit: str  # "" | "template" | "client_first" (see START_KINDS)

    @property
    def can_start(self) -> bool:
        return self.limit != "client_first"


def start_channels() -> list[StartChannel]:
    """Enabled channels of the kinds in START_KINDS, those that can write first first."""
    with db.session() as s:
        rows = s.exec(select(Channel).where(Channel.enabled == True,  # noqa: E712
                                            Channel.kind.in_(list(START_KINDS)))
                      .order_by(Channel.id)).all()
    out = [StartChannel(c.id, c.kind, c.name, START_KINDS[c.kind]) for c in rows]
    out.sort(key=lambda c: (not c.can_start, KIND_ORDER.index(c.kind), c.id))
    return out


@dataclass
class Opened:
    dialog_id: int
    contact_id: int
    created: bool  # a new client
    identity_id: int | None  # the client's account in the chosen channel, when it has one


class StartError(ValueError):
    """The message is fit to show; `code` is "phone" (bad number) or "channel"."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def open_by_phone(phone: str, channel_id: int | None = None) -> Opened:
    """L6: open (or create) the client with this phone; see the module docstring."""
    channel = None
    if channel_id:
        channel = next((c for c in start_channels() if c.id == channel_id), None)
        if channel is None:
            raise StartError("channel", "This channel is not connected or is disabled.")
        if not channel.can_start:
            raise StartError("channel", "In this channel the client has to write first.")
    try:
        e164 = phones.normalize(crm.clean_text(phone))
    except phones.InvalidPhone as e:
        raise StartError("phone", str(e)) from None
    with db.session() as s:
        existed = s.exec(select(Contact.id).where(Contact.phone == e164)).first() is not None
    try:
        contact, dialog = crm.create_contact(phone)
    except crm.CrmError as e:
        raise StartError("phone", str(e)) from None
    identity_id = None
    if channel is not None:
        identity_id = _identity(contact.id, dialog.id, channel, phones.digits(contact.phone or e164))
    return Opened(dialog.id, contact.id, not existed, identity_id)


def _identity(contact_id: int, dialog_id: int, channel: StartChannel, digits: str) -> int | None:
    """The client's account in the channel: the existing one, or (SMS, WhatsApp) a new one
    addressed by the phone's digits."""
    with db.session() as s:
        mine = s.exec(select(ChannelIdentity.id).where(
            ChannelIdentity.channel_id == channel.id, ChannelIdentity.contact_id == contact_id)
            .order_by(ChannelIdentity.id)).first()
        if mine is not None or channel.kind not in ADDRESS_BY_PHONE or not digits:
            return mine
        taken = s.exec(select(ChannelIdentity.id).where(
            ChannelIdentity.channel_id == channel.id, ChannelIdentity.external_id == digits)).first()
        if taken is not None:  # this number's account belongs to another client: leave it
            return None
        ident = ChannelIdentity(contact_id=contact_id, channel_id=channel.id, external_id=digits)
        s.add(ident)
        events.on_commit(s, DialogChanged(dialog_id=dialog_id, contact_id=contact_id, reason="card"))
        try:
            s.commit()
        except IntegrityError:  # created at the same moment by another tab
            s.rollback()
            return s.exec(select(ChannelIdentity.id).where(
                ChannelIdentity.channel_id == channel.id, ChannelIdentity.contact_id == contact_id)
                .order_by(ChannelIdentity.id)).first()
        ident_id = ident.id
    return ident_id
