"""The database being away is not a bug in a turn: it is an outage, answered as one.

A connection dropped mid-turn, refused, timed out, a pool with no connection to give, SQLite locked past its
busy timeout or unable to open its file: the turn's transaction is rolled back (nothing half-written), the
engine runs it once more on a fresh connection (the pool pings before lending one, so a restarted PostgreSQL is
picked up by itself), and if the database is still away it raises StoreUnavailable with what to tell the
shopper. Channels answer that in their own way (TwiML for Twilio, 503 for REST): never silence, never a trace.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc


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


def _outage(error: BaseException) -> bool:
    if isinstance(error, StoreUnavailable | sa_exc.TimeoutError):  # TimeoutError: no connection in the pool
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
