"""The client (Contact) and the client's accounts in channels (ChannelIdentity)."""

from datetime import datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow


class Contact(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    first_name: str = Field(default="", max_length=200)
    last_name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=32, index=True)  # E.164, "" when unknown
    phone_raw: str = Field(default="", max_length=64)  # as typed or as the channel gave it
    phone_digits: str = Field(default="", max_length=32, index=True)  # for any-part search
    avatar: str = Field(default="", max_length=500)  # /files/... of the first channel with one
    blacklisted: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, index=True)  # subscription date (R1)
    first_message_at: Optional[datetime] = Field(default=None)  # billed subscriber from (B3)
    tag1: str = Field(default="", max_length=200, index=True)  # R7: free text
    tag2: str = Field(default="", max_length=100, index=True)  # R7: one of Tag2Option


class ChannelIdentity(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("channel_id", "external_id", name="uq_identity_channel_ext"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    external_id: str = Field(max_length=200)
    display_name: str = Field(default="", max_length=300)
    username: str = Field(default="", max_length=200)
    avatar: str = Field(default="", max_length=500)
    reachable: bool = Field(default=True)
    unreachable_reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    last_inbound_at: Optional[datetime] = Field(default=None)
