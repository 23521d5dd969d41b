"""The Alembic migrations build exactly the schema the models describe (on SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from backend.migrate import MigrationError, alembic_config, upgrade
from backend.models import Base
from tests.conftest import PG_URL


# SQLite can't reflect an expression index (shipments' upper(order_number), migration 0017): Alembic skips
# comparing it there and says so; PostgreSQL compares it.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_match_models(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_every_model_table_exists(db_url):
    engine = create_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


@pytest.fixture
def empty_db_url(tmp_path):  # noqa: ANN001, ANN201
    """An empty database of this test's own: a schema of the PostgreSQL test database, else a new SQLite file."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    schema = f"migrations_{os.getpid()}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def _version(url: str) -> str | None:
    engine = create_engine(url)
    with engine.connect() as conn:
        version = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return version


def test_two_upgrades_at_once_take_turns_and_both_end_at_head(empty_db_url):
    """The second waits for the first's lock, then finds the schema at head (without the lock one of them failed
    half-way: 'table merchants already exists', or an IntegrityError on PostgreSQL)."""
    # processes, as in production (Alembic's `context` is one per process: two threads can't migrate at once)
    code = "import sys; from backend.migrate import upgrade; upgrade(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, empty_db_url], stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-800:]
    head = ScriptDirectory.from_config(alembic_config(empty_db_url)).get_current_head()
    assert _version(empty_db_url) == head
    upgrade(empty_db_url)  # the lock was given back


def test_a_migration_that_fails_on_a_database_it_reached_is_not_an_outage(empty_db_url):
    """A table in the way (a schema changed by hand) is a MigrationError: the CLI must not say the database can't
    be reached, as it did for SQLite's OperationalError."""
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE merchants (id INTEGER)"))
    engine.dispose()
    with pytest.raises(MigrationError, match="merchants"):
        upgrade(empty_db_url)
    with pytest.raises(MigrationError, match="nope"):
        upgrade(empty_db_url, "nope")
