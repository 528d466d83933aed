"""The events services send to the open tabs and the workers, one dataclass per kind (as
Zulip's `event_types`). A service adds them to its transaction with
`events.on_commit(session, DialogChanged(...))`; they go out after the commit.

On the wire (in-process queues and Redis pub/sub) an event is a dict
`{"kind": <kind>, <field>: <value>, ...}`; an optional field left at None is not sent, so the
dicts are the ones the listeners (states/live.py, workers, the push notifier) read today.
A wrong or missing field is a TypeError where the event is built.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = ""

    def wire(self) -> dict[str, Any]:
        """The dict listeners receive: the kind, the required fields, the optional ones set."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None and f.default is None:
                continue
            out[f.name] = value
        return out


@dataclass(frozen=True)
class DialogChanged(Event):
    """A dialog's row changed: a message in or out, read, the card, folders, a merge, the bot."""
    kind: ClassVar[str] = "dialog"
    dialog_id: int
    contact_id: int
    reason: str  # inbound | outbound | read | card | note | folders | merge | unmerge | bot | ...
    message_id: int | None = None
    handover: bool | None = None  # the bot handed the dialog to an operator
    field: str | None = None  # the CRM field a card edit changed
    bot_paused: bool | None = None
    by: str | None = None  # who paused the bot
    created: bool | None = None  # the card created the client


@dataclass(frozen=True)
class MessageChanged(Event):
    """One message changed: its status (outbox) or its downloaded media."""
    kind: ClassVar[str] = "message"
    dialog_id: int
    contact_id: int
    message_id: int
    status: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class OutboxQueued(Event):
    """Something waits to be sent on a channel (None: look at every channel)."""
    kind: ClassVar[str] = "outbox"
    channel_id: int | None
    message_id: int | None = None


@dataclass(frozen=True)
class FoldersChanged(Event):
    """The folders or a client's membership changed (the counters to reread)."""
    kind: ClassVar[str] = "folders"
    action: str | None = None  # created | renamed | flags | reordered | deleted | membership
    folder_id: int | None = None
    contact_id: int | None = None


@dataclass(frozen=True)
class ChannelsChanged(Event):
    """A channel was connected, enabled or disabled."""
    kind: ClassVar[str] = "channels"
    channel_id: int | None = None


@dataclass(frozen=True)
class TemplatesChanged(Event):
    kind: ClassVar[str] = "templates"
    template_id: int
    reason: str  # created | updated | deleted


@dataclass(frozen=True)
class JobsQueued(Event):
    """A durable job is due: the job runner looks now instead of at its next tick."""
    kind: ClassVar[str] = "jobs"


@dataclass(frozen=True)
class MailingChanged(Event):
    kind: ClassVar[str] = "mailing"
    mailing_id: int


@dataclass(frozen=True)
class MailingFeedChanged(Event):
    """Mailings were queued or finished: the sender and the mailings page look."""
    kind: ClassVar[str] = "mailing_feed"


@dataclass(frozen=True)
class Tag2OptionsChanged(Event):
    kind: ClassVar[str] = "tag2_options"
    reason: str


@dataclass(frozen=True)
class DialogsBulkChanged(Event):
    """Many clients changed at once (an import, a CRM field, Tag 2): lists reload."""
    kind: ClassVar[str] = "dialogs_bulk"
    reason: str
    created: int | None = None
    updated: int | None = None


@dataclass(frozen=True)
class CrmFieldsChanged(Event):
    kind: ClassVar[str] = "crm_fields"
    reason: str
    key: str | None = None


@dataclass(frozen=True)
class PushSubscriptionsChanged(Event):
    """A browser subscribed or unsubscribed, or a dead subscription was deleted."""
    kind: ClassVar[str] = "push_subscriptions"


@dataclass(frozen=True)
class Resync(Event):
    """Fanned out locally when the Redis subscription comes back: refresh fully."""
    kind: ClassVar[str] = "resync"


KINDS: dict[str, type[Event]] = {cls.kind: cls for cls in (
    DialogChanged, MessageChanged, OutboxQueued, FoldersChanged, ChannelsChanged,
    TemplatesChanged, JobsQueued, MailingChanged, MailingFeedChanged, Tag2OptionsChanged,
    DialogsBulkChanged, CrmFieldsChanged, PushSubscriptionsChanged, Resync)}


def from_wire(data: dict[str, Any]) -> Event:
    """The event a wire dict stands for. KeyError: unknown kind; TypeError: wrong fields."""
    fields = dict(data)
    cls = KINDS[fields.pop("kind")]
    return cls(**fields)
