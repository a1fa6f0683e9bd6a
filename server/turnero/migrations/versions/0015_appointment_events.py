"""the appointments' log, and webhooks that tell appointments too

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "appointment_events",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("appointment_id", sa.String(36), sa.ForeignKey("appointments.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("branch_id", sa.Integer(), sa.ForeignKey("branches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_appointment_events_appointment_id", "appointment_events", ["appointment_id"])
    op.create_index("ix_appointment_events_branch", "appointment_events", ["branch_id", "id"])
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("appointment_cursor", BIG_ID, nullable=False, server_default="0"))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.alter_column("event_id", existing_type=BIG_ID, nullable=True)
        batch.add_column(sa.Column("appointment_event_id", BIG_ID, nullable=True))
    op.create_index("ix_webhook_deliveries_appointment_event", "webhook_deliveries",
                    ["endpoint_id", "appointment_event_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_appointment_event", table_name="webhook_deliveries")
    op.execute("DELETE FROM webhook_deliveries WHERE event_id IS NULL")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("appointment_event_id")
        batch.alter_column("event_id", existing_type=BIG_ID, nullable=False)
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("appointment_cursor")
    op.drop_table("appointment_events")
