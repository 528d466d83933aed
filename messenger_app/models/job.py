"""A durable background job (profile and media fetches, later bot timeouts and scheduled
mailings): a row claimed like an outbox row, so it survives kill -9 and runs after restart."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow

# queued -> running (claimed) -> done | failed; a stale claim goes back to queued
JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED = "queued", "running", "done", "failed"


class Job(SQLModel, table=True):
    __table_args__ = (Index("ix_job_due", "status", "run_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)  # e.g. "profile", "media"
    key: str = Field(max_length=200, unique=True)  # one job per key ("media:123")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    status: str = Field(default=JOB_QUEUED, max_length=16)
    run_at: datetime = Field(default_factory=utcnow)
    attempts: int = Field(default=0)
    max_attempts: int = Field(default=6)
    claimed_by: str = Field(default="", max_length=200)
    claim_until: Optional[datetime] = Field(default=None)
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: Optional[datetime] = Field(default=None)
