"""The typed rows the inbox's states hold and send to the tab (Reflex serialises a dataclass
to an object of its fields): one message of the open dialog and its files."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    sender_kind: str
    sender: str  # who, in the operator's language
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
