"""A lease row: which process runs the pollers and senders (one at a time, renewed)."""

from datetime import datetime

from sqlmodel import Field, SQLModel


class WorkerLease(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=200)
    expires_at: datetime
