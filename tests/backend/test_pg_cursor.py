"""backend/pg_cursor.py: the cursor whose `description` makes its Column objects only when read must describe
every result exactly as psycopg's own cursor does (names, types, sizes; None where psycopg says None), or
SQLAlchemy would map a row's values to the wrong names."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from backend.pg_cursor import SUPPORTED, LazyDescriptionCursor
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PARCELBOT_TEST_DATABASE_URL)")

STATEMENTS = [
    "SELECT 1 AS one, 'x'::text AS word, now() AS at, 1.5::numeric(5, 2) AS money, NULL::jsonb AS doc",
    "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(n, s) WHERE false",  # columns, no rows
    "CREATE TEMP TABLE IF NOT EXISTS lazy_t (id serial, v varchar(20))",  # no result columns: None
    "INSERT INTO lazy_t (v) VALUES ('a')",
    "INSERT INTO lazy_t (v) VALUES ('b') RETURNING id, v",
    "UPDATE lazy_t SET v = 'c' WHERE false",
]


def _described(cursor: psycopg.Cursor, sql: str) -> list[tuple] | None:
    cursor.execute(sql)
    d = cursor.description
    return None if d is None else [(c.name, c.type_code, c.display_size, c.internal_size, c.precision, c.scale)
                                   for c in d]


def test_the_lazy_description_is_psycopgs_own_for_every_kind_of_statement() -> None:
    assert SUPPORTED, f"psycopg {psycopg.__version__}: the lazy cursor is off (still correct, only slower)"
    url = make_url(PG_URL).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as plain, \
            psycopg.connect(url.render_as_string(hide_password=False), cursor_factory=LazyDescriptionCursor) as lazy:
        for sql in STATEMENTS:
            assert _described(lazy.cursor(), sql) == _described(plain.cursor(), sql), sql


def test_a_description_read_after_the_cursor_moved_on_describes_the_first_result() -> None:
    url = make_url(PG_URL).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), cursor_factory=LazyDescriptionCursor) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT 1 AS first_col")
        kept = cursor.description
        cursor.execute("SELECT 'x' AS other, 2 AS more")
        assert kept is not None and [c.name for c in kept] == ["first_col"]
        assert [c.name for c in cursor.description or ()] == ["other", "more"]
