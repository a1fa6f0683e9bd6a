"""priority classes as data: each with its boost and whether the kiosk offers it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "priority_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("name_es", sa.String(80), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False),
        sa.Column("boost_min", sa.Integer(), nullable=False),
        sa.Column("at_kiosk", sa.Boolean(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name="fk_priority_classes_branch_id_branches",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_priority_classes"),
    )
    op.create_index("ix_priority_classes_branch_id", "priority_classes", ["branch_id"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("priority_class_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_tickets_priority_class_id_priority_classes", "priority_classes",
                                 ["priority_class_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("fk_tickets_priority_class_id_priority_classes", type_="foreignkey")
        batch.drop_column("priority_class_id")
    op.drop_index("ix_priority_classes_branch_id", table_name="priority_classes")
    op.drop_table("priority_classes")
