"""the day's called tickets indexed apart: the setup a call reads no longer walks the waiting line

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 15:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

CALLED = sa.text("called_at IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_tickets_called_day", "tickets", ["branch_id", "day", "service_id"],
                    sqlite_where=CALLED, postgresql_where=CALLED)


def downgrade() -> None:
    op.drop_index("ix_tickets_called_day", table_name="tickets")
