"""`parcelbot bench load` run as the README shows it, by an operator following the deployment guide: its database is
named by --database-url, and the database must exist (the run drops and re-creates its schema, not the database).

It said "the database can't be reached (DATABASE_URL): ... database "bench" does not exist": DATABASE_URL was not
what it read, and its help said the database was "dropped and re-created", so nothing hinted at creating it."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.test_cli import run

QUICK = ["--rates", "50", "--seconds", "1", "--max-seconds", "0", "--no-floor", "--redis-url", "redis://127.0.0.1:9/0"]


@pytest.mark.sqlite_only  # no server needed: one pass is enough
def test_an_unreachable_benchmark_database_is_named_by_its_option(env, tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:9/bench"
    result = run(env, "bench", "load", *QUICK, "--database-url", url, "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-600:]
    assert "--database-url" in result.stderr and "(DATABASE_URL)" not in result.stderr, result.stderr[-600:]


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PARCELBOT_TEST_DATABASE_URL)")
def test_a_missing_benchmark_database_says_to_create_it(env, tmp_path):
    url = make_url(PG_URL).set(database="parcelbot_bench_never_created").render_as_string(hide_password=False)
    result = run(env, "bench", "load", *QUICK, "--database-url", url, "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-600:]
    assert "--database-url" in result.stderr and "create database" in result.stderr, result.stderr[-600:]


def test_the_help_says_the_schema_is_dropped_and_the_database_must_exist(env):
    said = " ".join(run(env, "bench", "load", "--help").stdout.split())
    assert "schema" in said and "must exist" in said, said
