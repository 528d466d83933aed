"""message.dedup_key's unique index holds only the rows that have a key

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 02:00:00

Hand-written. Only queued sends that must not go twice (bot steps, mailings) have a
dedup_key; every other message, every inbound one above all, wrote a NULL entry into
uq_message_dedup_key. Now a partial unique index (WHERE dedup_key IS NOT NULL): an inbound
INSERT writes one index fewer. The only query by key (outbox._by_dedup_key:
dedup_key = :key) implies the predicate on SQLite and PostgreSQL alike, so it still uses the
index; uniqueness of the keys is unchanged (NULLs were never compared). Matches
Index("uq_message_dedup_key", ...) in models/message.py.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_HAS_KEY = sa.text("dedup_key IS NOT NULL")


def upgrade() -> None:
    # plain DROP / CREATE INDEX, not a batch: on SQLite a batch rebuilds the table and drops
    # the full-text triggers of 0004
    op.drop_index('uq_message_dedup_key', table_name='message')
    op.create_index('uq_message_dedup_key', 'message', ['dedup_key'], unique=True,
                    sqlite_where=_HAS_KEY, postgresql_where=_HAS_KEY)


def downgrade() -> None:
    op.drop_index('uq_message_dedup_key', table_name='message')
    op.create_index('uq_message_dedup_key', 'message', ['dedup_key'], unique=True)
