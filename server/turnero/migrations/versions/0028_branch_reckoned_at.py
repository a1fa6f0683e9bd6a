"""branches.reckoned_at: the moment a turn taken last had the waits reckoned again
(queue.issuing), one of the moments the waits are estimated as of (queue.setup)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 10:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a batch copy of `branches` is not needed.
    op.add_column("branches", sa.Column("reckoned_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE branches DROP COLUMN reckoned_at")
