"""a branch's day: joining only in opening hours, pausing a line, why a counter is paused

Opening hours and closures move to the core models (their tables do not change).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("branches") as batch:
        batch.add_column(sa.Column("join_hours", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("last_entry_min", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("join_paused", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("join_message", sa.String(200), nullable=True))
        batch.add_column(sa.Column("join_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("counters") as batch:
        batch.add_column(sa.Column("pause_reason", sa.String(80), nullable=True))
        batch.add_column(sa.Column("state_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_counters_agent_id_users", "users", ["agent_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("counters") as batch:
        batch.drop_constraint("fk_counters_agent_id_users", type_="foreignkey")
        batch.drop_column("agent_id")
        batch.drop_column("state_since")
        batch.drop_column("pause_reason")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("join_until")
        batch.drop_column("join_message")
        batch.drop_column("join_paused")
    with op.batch_alter_table("branches") as batch:
        batch.drop_column("last_entry_min")
        batch.drop_column("join_hours")
