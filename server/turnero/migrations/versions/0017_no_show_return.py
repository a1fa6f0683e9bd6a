"""a console that forgives: how long a no-show may come back to the line

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 17:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("branches") as batch:
        batch.add_column(sa.Column("no_show_return_min", sa.Integer(), nullable=False, server_default="30"))


def downgrade() -> None:
    with op.batch_alter_table("branches") as batch:
        batch.drop_column("no_show_return_min")
