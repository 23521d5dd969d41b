"""Alembic environment: runs migrations against the URL given by backend.migrate.alembic_config, one at a time
(backend.migrate.one_at_a_time: the lock is taken on the connection Alembic migrates with)."""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from backend.migrate import one_at_a_time
from backend.models import Base

config = context.config
target_metadata = Base.metadata


def _migrate(connection: Connection) -> None:
    with one_at_a_time(connection):
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:  # backend.migrate.upgrade's
        _migrate(connectable)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=NullPool)  # `alembic`, the tests
    with engine.connect() as connection:
        _migrate(connection)
    engine.dispose()


run_migrations_online()
