"""Operators who log in, and their browser sessions (X1)."""

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow

ADMIN, OPERATOR = "admin", "operator"


class Operator(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=300)
    role: str = Field(default=OPERATOR, max_length=16)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class OperatorSession(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 of the cookie value
    operator_id: int = Field(foreign_key="operator.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime

