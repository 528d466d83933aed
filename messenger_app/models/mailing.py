"""A mailing (B2) and its recipients: fixed when it starts, one row per client (and per
occurrence, for automatic mailings), so a restart never picks a second audience."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow

# a mailing: draft -> scheduled -> running <-> paused -> done | cancelled
# an automatic one: draft -> active <-> paused, cancelled (it never is "done")
DRAFT, SCHEDULED, RUNNING, PAUSED, DONE, CANCELLED, ACTIVE = (
    "draft", "scheduled", "running", "paused", "done", "cancelled", "active")
# a recipient: pending (not handed to the outbox yet) -> queued (a message exists: its status
# tells sent / delivered / read / failed), skipped (with the reason), cancelled
R_PENDING, R_QUEUED, R_SKIPPED, R_CANCELLED, R_FAILED = (
    "pending", "queued", "skipped", "cancelled", "failed")
R_STARTED = "started"  # a mailing that starts a scenario: the recipient's run has begun


class Mailing(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    status: str = Field(default=DRAFT, max_length=16)
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))  # an L5 filter
    channel_id: Optional[int] = Field(default=None, foreign_key="channel.id")  # None: each client's last
    text: str = Field(default="")
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    choices: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    template_id: Optional[int] = Field(default=None)  # the template the text came from (C6)
    # instead of a message: start this chat-bot scenario (B1) for each recipient
    scenario_id: Optional[int] = Field(default=None)
    send_at: Optional[datetime] = Field(default=None)  # scheduled start (UTC); None = now
    tz: str = Field(default="UTC", max_length=64)  # the operator's time zone (schedule, triggers)
    # automatic: {"type": "after_subscription", "days": N} | {"type": "date_field",
    # "field": key} | {"type": "weekly", "days": [0..6]}; {} = a one-off mailing
    trigger: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_by: Optional[int] = Field(default=None, foreign_key="operator.id")
    created_at: datetime = Field(default_factory=utcnow)
    started_at: Optional[datetime] = Field(default=None)
    finished_at: Optional[datetime] = Field(default=None)
    updated_at: datetime = Field(default_factory=utcnow)


class MailingRecipient(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("mailing_id", "contact_id", "occurrence", name="uq_recipient_once"),
        Index("ix_recipient_feed", "mailing_id", "status", "channel_id", "id"),
        Index("ix_recipient_message", "message_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    mailing_id: int = Field(foreign_key="mailing.id")
    contact_id: int = Field(foreign_key="contact.id")
    dialog_id: int = Field(foreign_key="dialog.id")
    occurrence: str = Field(default="", max_length=32)  # "" one-off; a day / year / "once"
    identity_id: Optional[int] = Field(default=None)  # the route chosen when fixed
    channel_id: Optional[int] = Field(default=None)
    status: str = Field(default=R_PENDING, max_length=16)
    skip_reason: str = Field(default="", max_length=32)  # blacklisted | no_channel | ...
    message_id: Optional[int] = Field(default=None)
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
