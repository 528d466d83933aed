"""Message templates (C6): created in Profile -> Message templates, inserted from the composer."""

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow


class MessageTemplate(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    body: str = Field(max_length=4096)
    # casefolded "title\nbody" (also ё -> е): SQLite's lower() is ASCII-only, so the
    # case-insensitive search (Cyrillic included) runs LIKE over this copy. Kept by
    # services/templates.py; never shown.
    search_key: str = Field(default="", max_length=4300)
    created_by: Optional[int] = Field(default=None, foreign_key="operator.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
