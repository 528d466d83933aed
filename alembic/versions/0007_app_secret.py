"""generated secrets shared by every host (VAPID key, ...)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 10:45:00

Written on the multi-host branch next to the send-lanes revision 0006: when both are merged,
this one's down_revision becomes '0006' (one line) so that there is one head again.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0007'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('appsecret',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('appsecret')
