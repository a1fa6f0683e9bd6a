"""a branch's brand: its colour and its logo (the image itself, at most 256 KB)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 08:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("branches") as batch:
        batch.add_column(sa.Column("brand_color", sa.String(7), nullable=True))
        batch.add_column(sa.Column("brand_logo", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("brand_logo_type", sa.String(20), nullable=True))
        batch.add_column(sa.Column("brand_logo_version", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("branches") as batch:
        batch.drop_column("brand_logo_version")
        batch.drop_column("brand_logo_type")
        batch.drop_column("brand_logo")
        batch.drop_column("brand_color")
