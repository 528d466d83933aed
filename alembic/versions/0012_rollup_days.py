"""statistics: the rollups per local day of the reporting zone (X9 speed)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:00:00

A new, empty database keeps the per-day tables for the server's reporting zone at once
(REPORT_TZ, else the machine's); a database with messages gets them from
`python -m messenger_app.services.stats rebuild` (until then the page sums the hourly rollups).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'rollupday',
        sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('operator_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''),
        sa.Column('n', sa.Integer(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint('metric', 'day', 'channel_id', 'operator_id', 'key'),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'dialogday',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('dialog_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('operator_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('n', sa.Integer(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint('day', 'dialog_id', 'channel_id', 'operator_id'),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'statszone',
        sa.Column('zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint('zone'),
    )
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM message")).scalar() == 0:
        from messenger_app.services.stats.zones import server_zone

        conn.execute(sa.text("INSERT INTO statszone (zone) VALUES (:z)"), {"z": server_zone()})


def downgrade() -> None:
    op.drop_table('statszone')
    op.drop_table('dialogday')
    op.drop_table('rollupday')
