"""messaging: outbox, inbound log, ticket notices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:23:12.847844
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbound_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('sender', sa.String(length=48), nullable=False),
    sa.Column('to', sa.String(length=48), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('command', sa.String(length=20), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('ticket_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_inbound_messages_branch_id_branches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_seq'], ['tickets.seq'], name=op.f('fk_inbound_messages_ticket_seq_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
    sa.UniqueConstraint('provider_sid', name=op.f('uq_inbound_messages_provider_sid'))
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_messages_sender', ['sender', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_messages_ticket_seq'), ['ticket_seq'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('to', sa.String(length=48), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('ticket_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('uncertain_since', sa.DateTime(), nullable=True),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('status_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_outbox_messages_branch_id_branches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_seq'], ['tickets.seq'], name=op.f('fk_outbox_messages_ticket_seq_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_messages_phone', ['phone', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_provider_sid'), ['provider_sid'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_ticket_seq'), ['ticket_seq'], unique=False)

    op.create_table('ticket_notices',
    sa.Column('ticket_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_seq'], ['tickets.seq'], name=op.f('fk_ticket_notices_ticket_seq_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_seq', 'kind', name=op.f('pk_ticket_notices'))
    )


def downgrade() -> None:
    op.drop_table('ticket_notices')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_ticket_seq'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_provider_sid'))
        batch_op.drop_index('ix_outbox_messages_phone')
        batch_op.drop_index('ix_outbox_messages_due')

    op.drop_table('outbox_messages')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_ticket_seq'))
        batch_op.drop_index('ix_inbound_messages_sender')

    op.drop_table('inbound_messages')
