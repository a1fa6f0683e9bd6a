"""every channel both ways: a customer's preferred channel, WhatsApp templates

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("channel", sa.String(10), nullable=True))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("template", sa.String(32), nullable=True))
        batch.add_column(sa.Column("template_values", sa.JSON(), nullable=True))
    op.create_index("ix_inbound_messages_channel_sender", "inbound_messages", ["channel", "sender", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_channel_sender", table_name="inbound_messages")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("template_values")
        batch.drop_column("template")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("channel")
