"""a branch's address and what each service's customers should bring

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 18:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("branches") as batch:
        batch.add_column(sa.Column("address", sa.String(200), nullable=True))
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("bring_es", sa.String(300), nullable=True))
        batch.add_column(sa.Column("bring_en", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("bring_en")
        batch.drop_column("bring_es")
    with op.batch_alter_table("branches") as batch:
        batch.drop_column("address")
