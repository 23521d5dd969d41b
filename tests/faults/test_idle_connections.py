"""The pool's ping after idle (backend/db.py): a connection that died while idle is replaced before it is lent,
and one lent again at once is not pinged (the round trip every turn used to pay), yet recovers when it died."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backend import db
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PARCELBOT_TEST_DATABASE_URL)")


def _pid(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def _kill(pid: int) -> None:
    killer = db.make_engine(PG_URL)
    with killer.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_a_connection_that_died_while_idle_is_replaced_before_it_is_lent(monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every return to the pool counts as idle
    engine = db.make_engine(PG_URL)
    first = _pid(engine)
    _kill(first)
    again = _pid(engine)  # no error: the ping found it dead and the pool opened another
    assert again != first
    engine.dispose()


def test_a_connection_lent_again_at_once_is_not_pinged_and_a_death_shows_once_then_recovers(monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)  # never idle long enough: no ping
    engine = db.make_engine(PG_URL)
    first = _pid(engine)
    _kill(first)
    with pytest.raises(DBAPIError) as failed:  # not pinged: the dead connection shows on first use
        _pid(engine)
    assert failed.value.connection_invalidated
    assert _pid(engine) != first  # ...and the pool has replaced it (a turn runs again: bot/engine/)
    engine.dispose()
