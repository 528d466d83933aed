"""A log of contact merges (X7): enough to see who merged what, and to undo it."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow


class MergeLog(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    kept_contact_id: int = Field(index=True)
    merged_contact_id: int
    operator_id: Optional[int] = Field(default=None)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
    undone_at: Optional[datetime] = Field(default=None)
