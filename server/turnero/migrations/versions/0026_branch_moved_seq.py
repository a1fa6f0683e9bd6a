"""branches.moved_seq: the seq of the branch's last change that moved its lines, which
the followers' refresh checks its remembered places against (queue.known_lines)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 22:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a batch copy of `branches` is not needed.
    op.add_column("branches", sa.Column("moved_seq", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.execute("ALTER TABLE branches DROP COLUMN moved_seq")
