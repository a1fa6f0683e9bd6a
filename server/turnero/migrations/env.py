"""Alembic environment: runs on the connection `turnero db upgrade` hands it."""
import turnero.appointments.models  # noqa: F401
import turnero.messaging.models  # noqa: F401
import turnero.reports.models  # noqa: F401
from alembic import context
from turnero.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # plain `alembic` use: build an engine from the URL
        from sqlalchemy import create_engine
        with create_engine(config.get_main_option("sqlalchemy.url")).connect() as conn:
            _run(conn)
            conn.commit()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
