"""counters.planned_hours: the hours a counter is planned to serve each day
("09:00-13:00, 14:00-18:00"), which the wait estimates count it in (queue.setup)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 12:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a batch copy of `counters` is not needed.
    op.add_column("counters", sa.Column("planned_hours", sa.String(120), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE counters DROP COLUMN planned_hours")
