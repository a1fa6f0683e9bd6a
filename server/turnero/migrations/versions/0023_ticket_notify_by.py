"""a turn's own messaging channel: a number typed on a page or at a kiosk chooses SMS or
WhatsApp for that ticket or appointment only, not for the customer

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("notify_by", sa.String(16), nullable=True))
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("notify_by", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("notify_by")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("notify_by")
