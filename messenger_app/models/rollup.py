"""Statistics (X9): hourly rollups written as things happen, and bot hand-overs.

A Rollup row counts one metric in one UTC hour, per channel, operator and key (0 / "" when a
dimension does not apply): the page sums hours into the days of any reporting time zone, so
changing the zone never needs a rebuild. See services/rollups.py and services/stats/.

RollupDay / DialogDay hold the same figures per local day of one reporting zone (StatsZone),
kept on write and by the rebuild, so the page reads a few rows per day for that zone
(services/rollup_days.py).
"""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class Rollup(SQLModel, table=True):
    # the cell is the primary key and, on SQLite, the table is that b-tree itself (WITHOUT
    # ROWID): a range of hours of one metric is read in order with its counts, no lookups
    __table_args__ = ({"sqlite_with_rowid": False},)

    metric: str = Field(max_length=32, primary_key=True)
    bucket: datetime = Field(primary_key=True)  # the UTC hour (minutes and seconds zero)
    channel_id: int = Field(default=0, primary_key=True)
    operator_id: int = Field(default=0, primary_key=True)
    # scenario / mailing id, a time bin, a dialog id
    key: str = Field(default="", max_length=64, primary_key=True)
    n: int = Field(default=0)


class Handover(SQLModel, table=True):
    """The bot handed a dialog to an operator: the first response is timed from here.
    home_dialog_id is the dialog it happened in; dialog_id follows merges (X7) and comes home
    when a merge is undone."""

    __table_args__ = (Index("ix_handover_dialog", "dialog_id", "at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    dialog_id: int
    home_dialog_id: int
    at: datetime


class RollupDay(SQLModel, table=True):
    """The rollups summed per local day of the zone in StatsZone (metric names as Rollup's;
    "dialog_active" is not kept here: "active_dialogs" counts distinct dialogs per day —
    channel 0 = any channel, operator 0 = anyone — and "operator_dialog" (key = dialog id)
    counts an operator's messages per dialog and day)."""

    __table_args__ = ({"sqlite_with_rowid": False},)

    metric: str = Field(max_length=32, primary_key=True)
    day: date = Field(primary_key=True)
    channel_id: int = Field(default=0, primary_key=True)
    operator_id: int = Field(default=0, primary_key=True)
    key: str = Field(default="", max_length=64, primary_key=True)
    n: int = Field(default=0)


class DialogDay(SQLModel, table=True):
    """Messages per (local day, dialog, channel, operator) in the StatsZone: tells the write
    path whether a message is its dialog's first that day (active_dialogs)."""

    __table_args__ = ({"sqlite_with_rowid": False},)

    day: date = Field(primary_key=True)
    dialog_id: int = Field(primary_key=True)
    channel_id: int = Field(default=0, primary_key=True)
    operator_id: int = Field(default=0, primary_key=True)
    n: int = Field(default=0)


class StatsZone(SQLModel, table=True):
    """The one reporting zone the per-day tables are kept for (none: not kept yet)."""

    zone: str = Field(max_length=64, primary_key=True)
