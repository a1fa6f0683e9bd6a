"""pairing a kiosk or display with a short code; when each device was last seen

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pairing_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("lookup", sa.String(8), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name="fk_pairing_codes_branch_id_branches",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_pairing_codes"),
        sa.UniqueConstraint("code_hash", name="uq_pairing_codes_code_hash"),
    )
    op.create_index("ix_pairing_codes_branch_id", "pairing_codes", ["branch_id"])
    op.create_index("ix_pairing_codes_lookup", "pairing_codes", ["lookup"])
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("online_sid", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("online_sid")
        batch.drop_column("last_seen_at")
    op.drop_table("pairing_codes")
