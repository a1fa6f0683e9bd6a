"""tickets.version: bumped by the database at every update of a ticket, whatever
wrote it (the ORM, Core, a purge), so a process that read a row knows, by one small
column, whether it is still as read (the followers' refresh: queue.places)

SQLite drops a table's triggers when a batch migration copies the table: a later
migration that alters `tickets` that way must create this one again (and 0025's).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# SQLite's triggers cannot change the row being written: the row is written again.
# Its own update sets `version` alone, which neither this trigger (WHEN) nor the line
# counts' (UPDATE OF status, service_id) answer.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER tickets_version AFTER UPDATE ON tickets WHEN NEW.version = OLD.version "
    "BEGIN UPDATE tickets SET version = OLD.version + 1 WHERE seq = NEW.seq; END",
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION tickets_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.version := OLD.version + 1; RETURN NEW; END $$",
    "CREATE TRIGGER tickets_version BEFORE UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_version()",
]


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a batch copy of `tickets` is not needed.
    op.add_column("tickets", sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    for statement in POSTGRES_TRIGGERS if op.get_bind().dialect.name == 'postgresql' else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER tickets_version ON tickets")
        op.execute("DROP FUNCTION tickets_version()")
    else:
        op.execute("DROP TRIGGER tickets_version")
    op.execute("ALTER TABLE tickets DROP COLUMN version")
