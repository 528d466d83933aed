"""Exactly one Dialog per client, denormalised for the dialog list (one indexed query)."""

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow


class Dialog(SQLModel, table=True):
    __table_args__ = (
        Index("ix_dialog_list", "activity_at", "id"),
        # the Unread view and the folder unread counters (alembic 0003)
        Index("ix_dialog_unread", "activity_at", "id", "contact_id", "bot_paused",
              sqlite_where=text("unread_count > 0"), postgresql_where=text("unread_count > 0")),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    activity_at: datetime = Field(default_factory=utcnow)  # list order: last message or creation
    last_message_at: Optional[datetime] = Field(default=None)
    last_preview: str = Field(default="", max_length=300)
    last_channel_kind: str = Field(default="", max_length=32)  # "" = no messages yet (L2)
    last_direction: str = Field(default="", max_length=8)
    unread_count: int = Field(default=0)
    bot_paused: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
