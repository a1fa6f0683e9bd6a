"""tickets sent to one counter are found through an index (call-next on a long line)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:10:00
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_target_counter", "tickets", ["target_counter_id", "status", "sort_at", "seq"])


def downgrade() -> None:
    op.drop_index("ix_tickets_target_counter", table_name="tickets")
