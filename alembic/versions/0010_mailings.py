"""mailings (B2): the mailing and its fixed recipients

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'mailing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', S(length=200), nullable=False),
        sa.Column('status', S(length=16), nullable=False),
        sa.Column('audience', sa.JSON(), nullable=True),
        sa.Column('channel_id', sa.Integer(), nullable=True),
        sa.Column('text', S(), nullable=False),
        sa.Column('attachments', sa.JSON(), nullable=True),
        sa.Column('choices', sa.JSON(), nullable=True),
        sa.Column('template_id', sa.Integer(), nullable=True),
        sa.Column('send_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('tz', S(length=64), nullable=False),
        sa.Column('trigger', sa.JSON(), nullable=True),
        sa.Column('scenario_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id']),
        sa.ForeignKeyConstraint(['created_by'], ['operator.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'mailingrecipient',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mailing_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('dialog_id', sa.Integer(), nullable=False),
        sa.Column('occurrence', S(length=32), nullable=False),
        sa.Column('identity_id', sa.Integer(), nullable=True),
        sa.Column('channel_id', sa.Integer(), nullable=True),
        sa.Column('status', S(length=16), nullable=False),
        sa.Column('skip_reason', S(length=32), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('error', S(length=500), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['mailing_id'], ['mailing.id']),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.ForeignKeyConstraint(['dialog_id'], ['dialog.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('mailing_id', 'contact_id', 'occurrence', name='uq_recipient_once'),
    )
    op.create_index('ix_recipient_feed', 'mailingrecipient',
                    ['mailing_id', 'status', 'channel_id', 'id'])
    op.create_index('ix_recipient_message', 'mailingrecipient', ['message_id'])


def downgrade() -> None:
    op.drop_index('ix_recipient_message', table_name='mailingrecipient')
    op.drop_index('ix_recipient_feed', table_name='mailingrecipient')
    op.drop_table('mailingrecipient')
    op.drop_table('mailing')
