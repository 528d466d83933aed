"""Statistics (X9): hourly rollups written as things happen, and bot hand-overs.

A Rollup row counts one metric in one UTC hour, per channel, operator and key (0 / "" when a
dimension does not apply): the page sums hours into the days of any reporting time zone, so
changing the zone never needs a rebuild. See services/rollups.py and services/stats.py.
"""

from datetime import datetime
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
