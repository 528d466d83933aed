"""message origin (bot / mailing), dedup key for automatic senders, e-mail subject

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 13:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin_kind', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('origin_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('origin_label', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('origin_detail', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('dedup_key', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=998),
                                      nullable=False, server_default=''))
        # an index, not a constraint: on SQLite a new constraint rebuilds the table and drops
        # the full-text triggers of 0004
        batch_op.create_index('uq_message_dedup_key', ['dedup_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('uq_message_dedup_key')
        batch_op.drop_column('subject')
        batch_op.drop_column('dedup_key')
        batch_op.drop_column('origin_detail')
        batch_op.drop_column('origin_label')
        batch_op.drop_column('origin_id')
        batch_op.drop_column('origin_kind')
