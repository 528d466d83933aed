"""indexes an inbound message does not need to write: the send queue's and the dedup key's

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 02:00:00

Hand-written. Every inbound INSERT wrote entries into three indexes that only outbound rows
are looked up by; now they are partial:
- ix_message_outbox (status, next_attempt_at) and ix_message_lane (channel_id, status,
  next_attempt_at): WHERE direction = 'out'. Every query of the send queue (outbox.due /
  next_due_in, outbox_delivery.claim_next / recover_stale, the mailings' in-flight counts)
  says models.message.OUTBOUND, a literal direction = 'out', so SQLite and PostgreSQL's
  generic plans prove the index's WHERE. Smaller too: inbound messages and notes are most rows.
- uq_message_dedup_key: WHERE dedup_key IS NOT NULL. Only queued sends that must not go
  twice (bot steps, mailings) have a key; the only lookup (dedup_key = :key) implies it.
  Uniqueness of the keys is unchanged (NULLs were never compared).
Plain DROP / CREATE INDEX, not a batch: on SQLite a batch rebuilds the table and drops the
full-text triggers of 0004. Matches the Index(...) entries in models/message.py.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_OUT = sa.text("direction = 'out'")
_HAS_KEY = sa.text("dedup_key IS NOT NULL")
_INDEXES = [  # (name, columns, unique, partial WHERE)
    ('ix_message_outbox', ['status', 'next_attempt_at'], False, _OUT),
    ('ix_message_lane', ['channel_id', 'status', 'next_attempt_at'], False, _OUT),
    ('uq_message_dedup_key', ['dedup_key'], True, _HAS_KEY),
]


def upgrade() -> None:
    for name, cols, unique, where in _INDEXES:
        op.drop_index(name, table_name='message')
        op.create_index(name, 'message', cols, unique=unique, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, cols, unique, _ in _INDEXES:
        op.drop_index(name, table_name='message')
        op.create_index(name, 'message', cols, unique=unique)
