"""Browser push subscriptions of operators (N1)."""

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow


class PushSubscription(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    user_agent: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    last_success_at: Optional[datetime] = Field(default=None)
