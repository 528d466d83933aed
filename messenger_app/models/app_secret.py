"""Secrets the app generates itself (the VAPID key, ...), kept in the database so that every
process and every host uses the same ones (a file in DATA_DIR exists on one host only)."""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow


class AppSecret(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
