"""a counter's called and served tickets indexed: a call no longer walks every ticket

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 22:40:00
"""
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_counter_status", "tickets", ["counter_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_tickets_counter_status", table_name="tickets")
