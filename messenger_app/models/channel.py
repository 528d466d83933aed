"""A configured channel instance (one Telegram bot, the website widget, ...)."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow


class Channel(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)  # telegram | widget | ...
    name: str = Field(default="", max_length=200)
    token: str = Field(default="", max_length=500)  # credentials; never sent to the browser
    base_url: str = Field(default="", max_length=500)
    enabled: bool = Field(default=True)
    cursor: str = Field(default="", max_length=200)  # poll cursor, saved after messages commit
    bot_username: str = Field(default="", max_length=200)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))  # per-kind settings
    webhook_secret: str = Field(default="", max_length=64)  # path part of its webhook URL
    last_poll_at: Optional[datetime] = Field(default=None)
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
