"""indexes for the left panel: the unread view and the folder unread counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:00:00

Hand-written. One partial index on dialog, only over dialogs with unread messages (~5%):
- ordered by (activity_at, id), it is the "Unread" view (L3) read in list order;
- with contact_id and bot_paused in it, the folder unread counters (L9: one GROUP BY over
  contactfolder, plus "All chats" / "With operator") read nothing but this index.
Queries must say `unread_count > 0` with a literal 0 (services/filters.unread()) so that
SQLite and PostgreSQL's generic plans can prove the index's WHERE.
Matches Index("ix_dialog_unread", ...) in models/dialog.py.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_dialog_unread', 'dialog', ['activity_at', 'id', 'contact_id', 'bot_paused'],
                    unique=False, sqlite_where=sa.text('unread_count > 0'),
                    postgresql_where=sa.text('unread_count > 0'))


def downgrade() -> None:
    op.drop_index('ix_dialog_unread', table_name='dialog')
