"""running late and arriving: letting people pass, "I'm here" for remote turns, no-shows by themselves

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("branches") as batch:
        batch.add_column(sa.Column("remote_check_in", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("remote_grace_min", sa.Integer(), nullable=False, server_default="30"))
        batch.add_column(sa.Column("no_show_after_recalls", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("arrived_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("passed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("late_moves", sa.SmallInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("late_moves")
        batch.drop_column("passed_at")
        batch.drop_column("arrived_at")
    with op.batch_alter_table("branches") as batch:
        batch.drop_column("no_show_after_recalls")
        batch.drop_column("remote_grace_min")
        batch.drop_column("remote_check_in")
