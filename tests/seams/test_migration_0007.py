"""Migration 0007 keeps every outbox message and delivery change as it was, and from then on a dedupe key or an
idempotency key is unique per merchant: two merchants may use one, one merchant still can't use it twice.
Checked on the database the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from backend.db import alembic_config

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
MESSAGE = ("INSERT INTO messages (merchant_id, direction, channel, sender, recipient, body, media_urls, status, "
           "dedupe_key, attempts, created_at) VALUES (:merchant, 'out', 'sms', 'shop', '+447700900111', :body, '[]', "
           "'queued', :key, 0, :at)")
CHANGE = ("INSERT INTO delivery_changes (merchant_id, tracking_number, action, params, idempotency_key, status, "
          "created_at, updated_at) VALUES (:merchant, 'ZZ1', 'leave_in_safe_place', '{}', :key, 'accepted', :at, :at)")


def _merchant(conn: sa.Connection, merchant_id: int) -> None:
    conn.execute(sa.text("INSERT INTO merchants (id, slug, name, timezone, settings, created_at) "
                         "VALUES (:id, :slug, 'M', 'Europe/London', '{}', :at)"),
                 {"id": merchant_id, "slug": f"m{merchant_id}", "at": AT})


def test_keys_are_kept_and_become_unique_per_merchant(db_url):
    engine = sa.create_engine(db_url)
    command.downgrade(alembic_config(db_url), "0006")  # the schema before 0007 (the suite's is at head)
    try:
        with engine.begin() as conn:
            _merchant(conn, 1)
            conn.execute(sa.text(MESSAGE), {"merchant": 1, "body": "held", "key": "notify:ZZ1:delivered", "at": AT})
            conn.execute(sa.text(CHANGE), {"merchant": 1, "key": "ticket-43", "at": AT})
        command.upgrade(alembic_config(db_url), "head")
        with engine.begin() as conn:
            _merchant(conn, 2)
            conn.execute(sa.text(MESSAGE), {"merchant": 2, "body": "theirs", "key": "notify:ZZ1:delivered", "at": AT})
            conn.execute(sa.text(CHANGE), {"merchant": 2, "key": "ticket-43", "at": AT})
            kept = conn.execute(sa.text("SELECT merchant_id, body, dedupe_key FROM messages ORDER BY id")).all()
        assert [tuple(r) for r in kept] == [(1, "held", "notify:ZZ1:delivered"), (2, "theirs", "notify:ZZ1:delivered")]
        for statement, values in ((MESSAGE, {"body": "again", "key": "notify:ZZ1:delivered"}),
                                  (CHANGE, {"key": "ticket-43"})):
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # still once per merchant
                conn.execute(sa.text(statement), {"merchant": 1, "at": AT, **values})
    finally:  # back to head for the suite (each test's database starts empty: tests/conftest.py db_url)
        command.upgrade(alembic_config(db_url), "head")
        engine.dispose()


def test_the_downgrade_runs_while_no_two_merchants_share_a_key(db_url):
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            _merchant(conn, 1)
            conn.execute(sa.text(MESSAGE), {"merchant": 1, "body": "held", "key": "survey:ZZ1", "at": AT})
        command.downgrade(alembic_config(db_url), "0006")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT dedupe_key FROM messages")).scalar_one() == "survey:ZZ1"
    finally:
        command.upgrade(alembic_config(db_url), "head")
        engine.dispose()
