"""how many wait in each line, kept by the database as tickets change

A change read every waiting ticket of its branch to count its lines (a walk that grew
with the line). Now triggers on `tickets` keep `line_counts` in the same statement as
each change, whatever wrote it (the ORM, Core, a purge), so a count is one row.

SQLite drops a table's triggers when a batch migration copies the table: a later
migration that alters `tickets` that way must create these again.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 02:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

_ADD = ("INSERT INTO line_counts (service_id, branch_id, waiting) {source} "
        "ON CONFLICT (service_id) DO UPDATE SET waiting = line_counts.waiting + 1")
_NEW_ONE = "VALUES (NEW.service_id, NEW.branch_id, 1)"
_NEW_IF_WAITING = "SELECT NEW.service_id, NEW.branch_id, 1 WHERE NEW.status = 'waiting'"
_TAKE = "UPDATE line_counts SET waiting = waiting - 1 WHERE service_id = OLD.service_id"
# An update matters when the ticket enters or leaves the waiting lines, or moves to another one.
_MOVES = ("(OLD.status = 'waiting') <> (NEW.status = 'waiting') "
          "OR (OLD.status = 'waiting' AND OLD.service_id <> NEW.service_id)")

SQLITE_TRIGGERS = [
    "CREATE TRIGGER tickets_line_counts_insert AFTER INSERT ON tickets WHEN NEW.status = 'waiting' "
    f"BEGIN {_ADD.format(source=_NEW_ONE)}; END",
    "CREATE TRIGGER tickets_line_counts_delete AFTER DELETE ON tickets WHEN OLD.status = 'waiting' "
    f"BEGIN {_TAKE}; END",
    # A trigger's body has no IF: each statement says when it applies.
    f"CREATE TRIGGER tickets_line_counts_update AFTER UPDATE OF status, service_id ON tickets WHEN {_MOVES} "
    f"BEGIN {_TAKE} AND OLD.status = 'waiting'; "
    f"{_ADD.format(source=_NEW_IF_WAITING)}; END",
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION tickets_line_counts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP <> 'INSERT' THEN IF OLD.status = 'waiting' THEN {_TAKE}; END IF; END IF; "
    "IF TG_OP <> 'DELETE' THEN IF NEW.status = 'waiting' THEN "
    f"{_ADD.format(source=_NEW_ONE)}; END IF; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER tickets_line_counts AFTER INSERT OR DELETE ON tickets "
    "FOR EACH ROW EXECUTE FUNCTION tickets_line_counts()",
    "CREATE TRIGGER tickets_line_counts_update AFTER UPDATE OF status, service_id ON tickets "
    f"FOR EACH ROW WHEN ({_MOVES}) EXECUTE FUNCTION tickets_line_counts()",
]


def upgrade() -> None:
    op.create_table('line_counts',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('waiting', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_line_counts_branch_id_branches'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_line_counts_service_id_services'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', name=op.f('pk_line_counts'))
    )
    op.create_index(op.f('ix_line_counts_branch_id'), 'line_counts', ['branch_id'], unique=False)
    for statement in POSTGRES_TRIGGERS if op.get_bind().dialect.name == 'postgresql' else SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO line_counts (service_id, branch_id, waiting) "
               "SELECT service_id, branch_id, count(*) FROM tickets WHERE status = 'waiting' "
               "GROUP BY service_id, branch_id")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER tickets_line_counts_update ON tickets")
        op.execute("DROP TRIGGER tickets_line_counts ON tickets")
        op.execute("DROP FUNCTION tickets_line_counts()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER tickets_line_counts_{name}")
    op.drop_index(op.f('ix_line_counts_branch_id'), table_name='line_counts')
    op.drop_table('line_counts')
