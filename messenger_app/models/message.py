"""A message in a dialog, inbound or outbound. Outbound rows are also the send queue."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint, literal_column, text
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow

IN, OUT = "in", "out"
# statuses: received (inbound), queued -> sending (claimed by a send lane) -> sent ->
# delivered -> read, failed
QUEUED, SENDING, SENT, DELIVERED, READ, FAILED, RECEIVED = (
    "queued", "sending", "sent", "delivered", "read", "failed", "received")


class Message(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id", name="uq_message_channel_ext"),
        Index("ix_message_dialog", "dialog_id", "id"),
        # the queue's indexes hold only outbound rows (0013): queries say OUTBOUND (below)
        Index("ix_message_outbox", "status", "next_attempt_at",
              sqlite_where=text("direction = 'out'"), postgresql_where=text("direction = 'out'")),
        Index("ix_message_lane", "channel_id", "status", "next_attempt_at",
              sqlite_where=text("direction = 'out'"), postgresql_where=text("direction = 'out'")),
        Index("uq_message_dedup_key", "dedup_key", unique=True,  # only rows with a key (0013)
              sqlite_where=text("dedup_key IS NOT NULL"), postgresql_where=text("dedup_key IS NOT NULL")),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    dialog_id: int = Field(foreign_key="dialog.id")
    contact_id: int = Field(foreign_key="contact.id", index=True)
    identity_id: Optional[int] = Field(default=None, foreign_key="channelidentity.id")
    channel_id: Optional[int] = Field(default=None, foreign_key="channel.id")
    channel_kind: str = Field(default="", max_length=32)
    direction: str = Field(max_length=8)  # in | out
    sender_kind: str = Field(max_length=16)  # client | operator | bot
    operator_id: Optional[int] = Field(default=None, foreign_key="operator.id")
    text: str = Field(default="")
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    status: str = Field(default=RECEIVED, max_length=16)
    error: str = Field(default="", max_length=1000)
    external_id: Optional[str] = Field(default=None, max_length=200)
    status_history: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    choices: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))  # buttons sent
    choice_id: str = Field(default="", max_length=256)  # inbound: the button the client chose
    # what made an outbound message when no operator typed it: "bot" (a scenario run) or
    # "mailing"; origin_id is the run or the mailing, origin_label the scenario's or mailing's
    # name as it was then (C3), origin_detail e.g. {"scenario_id", "version", "step"} (C4)
    origin_kind: str = Field(default="", max_length=16)
    origin_id: Optional[int] = Field(default=None)
    origin_label: str = Field(default="", max_length=200)
    origin_detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    # set by automatic senders (bot: run/step/attempt, mailing: mailing/recipient): queueing the
    # same key twice gives back the first row instead of a second message
    dedup_key: Optional[str] = Field(default=None, max_length=200)
    subject: str = Field(default="", max_length=998)  # e-mail subject (inbound) / thread subject
    claimed_by: str = Field(default="", max_length=200)  # the send lane that holds the row
    claim_until: Optional[datetime] = Field(default=None)  # after this, the claim is stale
    attempts: int = Field(default=0)
    next_attempt_at: Optional[datetime] = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)  # when we stored it
    sent_at: Optional[datetime] = Field(default=None)  # when the channel says it was sent
    updated_at: datetime = Field(default_factory=utcnow)


# The term every query of the send queue says (status queued / sending): the queue's indexes
# hold only outbound rows (an inbound INSERT writes neither), and a query must imply their
# WHERE to use them. A literal 'out', not a bound parameter: PostgreSQL's generic plans
# cannot prove the index's WHERE from a parameter.
OUTBOUND = Message.direction == literal_column("'out'", String)
