"""CRM fields ("variables", R6) defined by an admin, their values per client, and the
options of the built-in "Tag 2" select (R7). Tag 1 / Tag 2 values live on Contact."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow

FIELD_TYPES = ("text", "number", "date", "bool", "link", "select")


class CrmField(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)  # slug used in templates {key} and imports
    label: str = Field(max_length=200)
    type: str = Field(default="text", max_length=16)
    options: list[Any] = Field(default_factory=list, sa_column=Column(JSON))  # for "select"
    position: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)


class ContactValue(SQLModel, table=True):
    """One client's value of one field; typed copies make filters plain SQL (L5)."""

    __table_args__ = (
        Index("ix_value_text", "field_id", "value_text"),
        Index("ix_value_num", "field_id", "value_num"),
    )

    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    field_id: int = Field(foreign_key="crmfield.id", primary_key=True)
    value_text: str = Field(default="", max_length=2000)  # always set (as typed / ISO date)
    value_num: Optional[float] = Field(default=None)  # number, bool (0/1)
    value_date: Optional[datetime] = Field(default=None)


class Tag2Option(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    value: str = Field(max_length=100, unique=True)
    position: int = Field(default=0)
