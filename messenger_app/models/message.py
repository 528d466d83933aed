"""A message in a dialog, inbound or outbound. Outbound rows are also the send queue."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
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
        Index("ix_message_outbox", "status", "next_attempt_at"),
        Index("ix_message_lane", "channel_id", "status", "next_attempt_at"),
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
    claimed_by: str = Field(default="", max_length=200)  # the send lane that holds the row
    claim_until: Optional[datetime] = Field(default=None)  # after this, the claim is stale
    attempts: int = Field(default=0)
    next_attempt_at: Optional[datetime] = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)  # when we stored it
    sent_at: Optional[datetime] = Field(default=None)  # when the channel says it was sent
    updated_at: datetime = Field(default_factory=utcnow)
