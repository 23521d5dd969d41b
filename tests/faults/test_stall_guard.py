"""The stall guard (backend/stall.py) shuts down only the connections of a watched turn held past their time:
a job's, a report's or a migration's connection is never touched, however long it is held."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backend.db import make_engine
from backend.stall import StallGuard
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PARCELBOT_TEST_DATABASE_URL)")


def test_a_watched_connection_held_too_long_is_shut_down_and_an_unwatched_one_is_left_alone():
    engine = make_engine(PG_URL)
    guard = StallGuard(5).install(engine)
    try:
        with engine.connect() as unwatched:  # not inside watching(): a job, a report
            unwatched.execute(text("SELECT 1"))
            assert guard.check(time.monotonic() + 60) == 0
            assert unwatched.execute(text("SELECT 2")).scalar() == 2
        with guard.watching(), engine.connect() as turn:
            turn.execute(text("SELECT 1"))
            assert guard.check(time.monotonic() + 1) == 0, "within its time: left alone"
            assert not guard.stalled_here()
            assert guard.check(time.monotonic() + 60) == 1
            assert guard.stalled_here()
            with pytest.raises(DBAPIError) as failed:
                turn.execute(text("SELECT 3"))
            assert failed.value.connection_invalidated, "the pool drops it: the next turn gets a fresh one"
        assert not guard.stalled_here(), "the next block starts clean"
        with guard.watching(), engine.connect() as fresh:
            assert fresh.execute(text("SELECT 4")).scalar() == 4
    finally:
        engine.dispose()


def test_another_threads_watched_turn_is_not_this_ones():
    engine = make_engine(PG_URL)
    guard = StallGuard(5).install(engine)
    held, release = threading.Event(), threading.Event()

    def job() -> None:
        with engine.connect() as conn:  # unwatched, in its own thread, held "for ever"
            conn.execute(text("SELECT 1"))
            held.set()
            release.wait(10)
            conn.execute(text("SELECT 1"))

    worker = threading.Thread(target=job)
    worker.start()
    try:
        assert held.wait(10)
        with guard.watching():  # this thread is watched, the job's thread is not
            assert guard.check(time.monotonic() + 60) == 0
    finally:
        release.set()
        worker.join(10)
        engine.dispose()


def test_blocks_nest_each_connection_keeps_the_limit_of_the_block_it_was_lent_in():
    """A web request is watched with a long limit and the shopper's turn inside it with the short one
    (bot/web/stall_watch.py, bot/engine/): the turn's connection is cut at the turn's limit, the request's own at
    the request's, and a stall met by the turn is the request's too."""
    engine = make_engine(PG_URL)
    guard = StallGuard(5).install(engine)
    try:
        with guard.watching(30), engine.connect() as request:
            request.execute(text("SELECT 1"))
            with guard.watching(), engine.connect() as turn:
                turn.execute(text("SELECT 1"))
                assert guard.check(time.monotonic() + 10) == 1, "the turn's 5 s, not the request's 30"
                assert guard.stalled_here()
                with pytest.raises(DBAPIError):
                    turn.execute(text("SELECT 3"))
            assert guard.stalled_here(), "the request met a stall inside it"
            assert request.execute(text("SELECT 2")).scalar() == 2, "its own connection is within its 30 s"
            assert guard.check(time.monotonic() + 31) == 1
            with pytest.raises(DBAPIError):
                request.execute(text("SELECT 4"))
        with guard.watching(30):
            assert not guard.stalled_here(), "the next request starts clean"
    finally:
        engine.dispose()
