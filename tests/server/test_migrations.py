"""The migrations build the schema the models describe, on SQLite and PostgreSQL, and
0005 goes down and up again (audit log triggers included)."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DatabaseError

import turnero.appointments.models  # noqa: F401  (their tables join Base.metadata)
import turnero.integrations.models  # noqa: F401
import turnero.messaging.models  # noqa: F401
from turnero.migrate import alembic_config, upgrade
from turnero.models import Base


def test_the_migrated_schema_is_the_models_schema(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}),
                                       Base.metadata)
    engine.dispose()
    assert differences == []


def test_the_audit_log_migration_goes_down_and_up(tmp_path):
    from alembic import command
    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    upgrade(engine)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    with engine.connect() as conn:
        assert "audit_log" not in {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, actor, action) VALUES ('2031-01-01', 'cli', 'data.purged')"))
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    engine.dispose()
