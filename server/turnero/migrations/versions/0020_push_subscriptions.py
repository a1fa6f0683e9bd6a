"""Web Push subscriptions of tickets (the tracking page's "Allow notifications")

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False, autoincrement=True),
        sa.Column("ticket_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("endpoint_hash", sa.String(64), nullable=False),
        sa.Column("p256dh", sa.String(100), nullable=False),
        sa.Column("auth", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_seq"], ["tickets.seq"], name="fk_push_subscriptions_ticket_seq_tickets",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name="fk_push_subscriptions_branch_id_branches",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_push_subscriptions"),
    )
    op.create_index("ix_push_subscriptions_ticket", "push_subscriptions", ["ticket_seq", "endpoint_hash"],
                    unique=True)
    op.create_index("ix_push_subscriptions_branch_id", "push_subscriptions", ["branch_id"])


def downgrade() -> None:
    op.drop_index("ix_push_subscriptions_branch_id", table_name="push_subscriptions")
    op.drop_index("ix_push_subscriptions_ticket", table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
