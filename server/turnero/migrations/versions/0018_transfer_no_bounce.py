"""a transfer never bounces back: the counter a ticket was transferred from

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 17:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("sent_from_counter_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_tickets_sent_from_counter_id_counters", "counters",
                                 ["sent_from_counter_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("fk_tickets_sent_from_counter_id_counters", type_="foreignkey")
        batch.drop_column("sent_from_counter_id")
