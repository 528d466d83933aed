"""Custom folders (L8) and which clients are in them. "All chats" and "With operator" are
built in, not rows: "With operator" is Dialog.bot_paused (R5)."""

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow


class Folder(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    push: bool = Field(default=True)  # N1: Web Push for new messages of its clients
    sound: bool = Field(default=True)  # N2: a sound while a tab is open
    position: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)


class ContactFolder(SQLModel, table=True):
    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    folder_id: int = Field(foreign_key="folder.id", primary_key=True, index=True)
