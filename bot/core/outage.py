"""The database being away is not a bug in a turn: it is an outage, answered as one.

A connection dropped mid-turn, refused, timed out, a pool with no connection to give, SQLite locked past its
busy timeout or unable to open its file: the turn's transaction is rolled back (nothing half-written); if the
connection broke under a statement the engine runs the turn once more on a fresh one (SQLAlchemy retires the
pool on a broken connection, and the pool pings one that sat idle, so a restarted PostgreSQL is picked up by
itself); if the database is still away it raises
StoreUnavailable with what to tell the shopper. Channels answer that in their own way (TwiML for Twilio, 503
for REST): never silence, never a trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)
T = TypeVar("T")

# When a caller told "briefly unavailable" (a 503: the API, the consoles, the REST channel, a delivery receipt) may
# try again: long enough for a restart or a failover, short enough that nothing waits long once it is back.
RETRY_AFTER_SECONDS = 30


class StoreUnavailable(RuntimeError):
    """The database can't be reached: the message was not stored; `reply` is what to tell the sender."""

    def __init__(self, reply: str) -> None:
        super().__init__("the database is unavailable")
        self.reply = reply


def is_store_outage(error: BaseException | None) -> bool:
    """A failure of the database's availability (try again later), not of what we asked it. The chain is
    followed: a connection lost inside a savepoint surfaces as the rollback's own error, caused by the loss."""
    seen = 0
    while error is not None and seen < 8:
        if _outage(error):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def lost_connection(error: BaseException | None) -> bool:
    """The connection broke under a statement (a restart, a failover, a killed backend): worth running the turn
    again at once on a fresh one. A refused connect or a locked SQLite file is not: trying again at once only
    makes the shopper wait longer for the same apology."""
    seen = 0
    while error is not None and seen < 8:
        if _invalidated(error):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def on_a_fresh_connection(work: Callable[[], T]) -> T:
    """`work` run once more if the connection broke under it. A restarted database leaves every pooled connection
    dead and the pool pings only one that sat idle (backend/db.py), so the first request on each met the restart
    with a 503 though the database was back: a delivery receipt, which Twilio doesn't send again, was lost (review
    9). For short work that is the same done twice (a receipt only moves a message forward; a read), as the
    engine does for a turn."""
    try:
        return work()
    except Exception as exc:
        if not lost_connection(exc):
            raise
        log.warning("database connection lost (%s); once more on a fresh one", exc.__class__.__name__)
    return work()


def _invalidated(error: BaseException) -> bool:
    """The connection was found broken: by the statement that met it, or by the next one in the same transaction
    (SQLAlchemy's "can't reconnect until invalid transaction is rolled back", code 8s2b: a turn's own error
    handling read one more attribute after the loss)."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa_exc.PendingRollbackError) and error.code == "8s2b"


def _outage(error: BaseException) -> bool:
    if isinstance(error, StoreUnavailable | sa_exc.TimeoutError):  # TimeoutError: no connection in the pool
        return True
    if _invalidated(error):
        return True
    return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
