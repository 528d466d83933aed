"""statistics: hourly rollups and bot hand-overs (X9, B3)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'rollup',
        sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('bucket', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('operator_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''),
        sa.Column('n', sa.Integer(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint('metric', 'bucket', 'channel_id', 'operator_id', 'key'),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'handover',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dialog_id', sa.Integer(), nullable=False),
        sa.Column('home_dialog_id', sa.Integer(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handover_dialog', 'handover', ['dialog_id', 'at'])


def downgrade() -> None:
    op.drop_index('ix_handover_dialog', table_name='handover')
    op.drop_table('handover')
    op.drop_table('rollup')
