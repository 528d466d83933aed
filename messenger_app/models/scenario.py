"""Chat-bot scenarios (B1): an editable draft, immutable published versions, and the runs.

A run is one client's walk through one published version. At most one run per client is in
progress (a partial unique index); ended runs stay as history with their start, hand-over and
end times (the statistics read them)."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from messenger_app.clock import utcnow

# run status
RUNNING, PAUSED, WAITING_OPERATOR, ENDED = "running", "paused", "waiting_operator", "ended"
# what a run waits for ("" = nothing: the next step is due now)
WAIT_ANSWER, WAIT_BUTTON, WAIT_TIMER = "answer", "button", "timer"


class Scenario(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    draft: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))  # graph JSON
    # {"first_message_channels": [id], "keywords": ["/start"], "start_payloads": ["promo"]}
    triggers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    edited_by: Optional[int] = Field(default=None, foreign_key="operator.id")
    edited_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: Optional[datetime] = Field(default=None)  # kept for the history of its runs


class ScenarioVersion(SQLModel, table=True):
    """A published graph; never changed after it is written."""

    __table_args__ = (UniqueConstraint("scenario_id", "number", name="uq_scenario_version"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id", index=True)
    number: int
    graph: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    published_by: Optional[int] = Field(default=None, foreign_key="operator.id")
    published_at: datetime = Field(default_factory=utcnow)


class BotRun(SQLModel, table=True):
    __table_args__ = (
        # one run in progress per client
        Index("ux_botrun_active", "contact_id", unique=True,
              sqlite_where=text("status != 'ended'"), postgresql_where=text("status != 'ended'")),
        Index("ix_botrun_version", "version_id", "status"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    dialog_id: int = Field(foreign_key="dialog.id")
    channel_id: Optional[int] = Field(default=None, foreign_key="channel.id")  # replies go here
    scenario_id: int = Field(foreign_key="scenario.id")
    version_id: int = Field(foreign_key="scenarioversion.id")
    version: int = Field(default=1)  # the version's number, for display
    scenario_name: str = Field(default="", max_length=200)  # as it was at start (C3)
    step: str = Field(default="", max_length=64)  # the node it is on
    seq: int = Field(default=0)  # steps entered so far (part of each message's dedup key)
    waiting_for: str = Field(default="", max_length=16)  # "" | answer | button | timer
    wait_until: Optional[datetime] = Field(default=None)  # timer end / "no answer within"
    attempts: int = Field(default=0)  # invalid answers to the current ask
    variables: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    status: str = Field(default=RUNNING, max_length=20)
    started_by: str = Field(default="", max_length=32)  # trigger | operator | mailing | goto
    last_inbound_id: int = Field(default=0)  # inbound messages up to this id are consumed
    claimed_by: str = Field(default="", max_length=200)  # the worker stepping it now
    claim_until: Optional[datetime] = Field(default=None)
    started_at: datetime = Field(default_factory=utcnow)
    handed_over_at: Optional[datetime] = Field(default=None)
    ended_at: Optional[datetime] = Field(default=None)
    outcome: str = Field(default="", max_length=32)  # completed | handover | stopped | goto | ...
    updated_at: datetime = Field(default_factory=utcnow)


class BotRunEvent(SQLModel, table=True):
    """start / step / handover / pause / resume / end, with the time (history for statistics)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="botrun.id", index=True)
    kind: str = Field(max_length=16)
    step: str = Field(default="", max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    at: datetime = Field(default_factory=utcnow)
