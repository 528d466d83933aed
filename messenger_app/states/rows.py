"""The typed rows the states hold and send to the tab (Reflex serialises a dataclass to an
object of its fields): one message of the open dialog and its files, one row of the dialog
list, the open dialog's client, its channels and the routes to answer by, one folder of the
left panel, a channel to start a dialog by, one client of the Contacts table, one connected
channel in the settings, one message of the website widget."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from reflex_base.utils.serializers import serializer


@dataclass
class AttachmentItem:
    """One file of a message, display-ready (services.message_details.attachment_rows)."""

    kind: str = "document"
    url: str = ""  # "" when the file is missing
    name: str = "file"
    mime: str = ""
    size: str = ""  # human-readable ("12 KB")
    inline: bool = False  # the UI may show it in place
    media: str = ""  # img | audio | video | "" (a link): proved by the stored bytes
    error: str = ""
    width: str = ""  # pixels of an image, "" when unknown (HTML attribute values)
    height: str = ""


@dataclass
class MessageItem:
    """One message of the open dialog as the thread renders it (states.view.message)."""

    id: str
    dir: str  # in | out | note
    sender: str  # who, in the operator's language (client, bot, mailing, operator)
    channel: str
    text: str
    subject: str = ""
    short: str = ""  # a long message's start with "…", "" when it is shown whole (C2)
    time: str = ""  # HH:MM in the operator's time zone
    day: str = ""  # its day label (Today, Yesterday, dd.mm.yyyy)
    status: str = ""  # an outgoing message's delivery status, else ""
    status_label: str = ""
    error: str = ""
    atts: list[AttachmentItem] = field(default_factory=list)  # C5/C4
    new_day: bool = False  # the first message of its day within its block (a separator)


@dataclass(frozen=True)
class DialogItem:
    """One row of the dialog list (L1) as it renders (states.view.dialog_row). Frozen: a
    changed row is a new row (dataclasses.replace), so what it sends can be kept with it."""

    id: str
    name: str
    avatar: str
    initials: str
    channel: str  # the last message's channel; "unknown" before the first message (L2)
    preview: str
    out: bool  # the last message is the operator's
    time: str  # short, in the operator's time zone
    unread: int  # unread messages, 0 for none
    activity: str  # ISO time of the last activity: the list's order
    tag1: str = ""
    tag2: str = ""
    blacklisted: bool = False

    def __getstate__(self) -> dict:  # a pickled state (disk, Redis) keeps the fields alone
        return {k: v for k, v in self.__dict__.items() if k != "_wire"}


_DIALOG_FIELDS = tuple(f.name for f in fields(DialogItem))


@serializer
def _dialog_item_wire(row: DialogItem):
    """What a row sends, made once per row: a live update resends the whole list to every
    tab, and all rows but the changed one are the objects the tab already had, so each tab
    builds one row's fields instead of fifty (no return type: the Var stays a DialogItem)."""
    wire = row.__dict__.get("_wire")
    if wire is None:
        wire = {name: getattr(row, name) for name in _DIALOG_FIELDS}
        object.__setattr__(row, "_wire", wire)
    return wire


@dataclass
class CardItem:
    """The open dialog's client in the header and the card (states.view.card); empty while
    no dialog is open."""

    id: str = ""  # the contact's id
    name: str = ""
    initials: str = ""
    avatar: str = ""
    phone: str = ""
    phone_display: str = ""
    subscribed: str = ""  # dd.mm.yyyy HH:MM in the operator's time zone
    blacklisted: bool = False


@dataclass
class ChannelItem:
    """One channel of the open dialog's client in the card (R1)."""

    kind: str
    name: str  # the connected channel's name
    who: str = ""  # the client's name or username there
    address: str = ""  # e-mail address, phone, ... ("" when the channel has none)
    reachable: bool = True
    reason: str = ""  # why it is not reachable


@dataclass
class RouteItem:
    """A channel the composer can answer the open dialog by (C7); shown disabled with a reason."""

    id: str  # the client's channel identity id
    kind: str
    name: str
    reason: str = ""  # why it cannot be used, in the operator's language; "" = usable


@dataclass
class FolderItem:
    """One folder of the left panel with its unread dialogs (L7-L9)."""

    id: str  # "all" | "operator" | a custom folder's id
    name: str
    unread: int = 0
    builtin: bool = False
    push: bool = False
    sound: bool = False


@dataclass
class ChoiceItem:
    """A button under one of our messages in the widget (B1)."""

    id: str
    label: str


@dataclass
class WidgetItem:
    """One message of the visitor's thread on /widget (states.widget)."""

    id: str
    dir: str  # in | out
    text: str
    time: str  # HH:MM
    atts: list[AttachmentItem] = field(default_factory=list)  # urls signed for the visitor
    choices: list[ChoiceItem] = field(default_factory=list)  # outbound messages only


@dataclass
class ContactItem:
    """One client of the Contacts table (L6; states.contacts)."""

    dialog_id: str
    id: str  # the contact's id
    name: str
    initials: str
    phone: str = ""
    tag1: str = ""
    tag2: str = ""
    blacklisted: bool = False
    subscribed: str = ""  # dd.mm.yyyy in the operator's time zone
    activity: str = ""  # the last message's short time, "" for none
    paused: bool = False  # the bot handed the dialog to an operator


@dataclass
class ConnectedChannelItem:
    """One connected channel on /settings (states.settings)."""

    id: str
    kind: str
    name: str
    label: str  # the kind's label
    enabled: bool = True
    polling: bool = False  # the kind polls its provider (else a webhook)
    last_poll: str = "—"  # dd.mm.yyyy HH:MM:SS UTC
    last_error: str = ""
    health: str = ""  # off | failing | never | stalled | polling | waiting | ok
    bot: str = ""  # @bot_username, "" when it has none
    webhook: str = ""  # the URL the provider calls, "" for a polling kind


@dataclass
class StartChannelItem:
    """A channel the operator may start a new dialog by (L6; states.new_dialog)."""

    id: str
    kind: str
    name: str
    limit: str = ""  # "" | template | client_first: what the channel lets an operator start with
    can: bool = False  # it can write first
