"""Alembic migrations, one at a time: `parcelbot db upgrade`, `parcelbot serve`'s start, the tests, `alembic` itself.

Two upgrades started at once on an older schema used to race: both read the same version and ran the same
revisions, and the loser failed half-way (a long IntegrityError traceback on PostgreSQL, "table ... already exists"
on SQLite). Now each takes a lock before Alembic reads the version, on the connection Alembic migrates with:
PostgreSQL's session-level advisory lock, or an flock on a file beside the SQLite database. The second waits, then
finds the schema at head and does nothing (docs/deployment.md).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

try:
    import fcntl
except ImportError:  # not POSIX: no file lock for SQLite (run one upgrade at a time yourself)
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_lock's key: fixed, so every Parcelbot process asks for the same lock (a different name than
# backend.db.take_turns' keys, so no turn ever waits for it)
LOCK_KEY = int.from_bytes(hashlib.sha256(b"parcelbot:migrations").digest()[:8], "big", signed=True)
CONNECT_TIMEOUT_SECONDS = 5
log = logging.getLogger(__name__)


class MigrationError(RuntimeError):
    """A migration failed on a database that was reached (a bad revision, a schema changed by hand, a bug in a
    migration): not an outage, and not to be reported as "the database can't be reached"."""


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@cache
def code_revisions() -> tuple[str, frozenset[str]]:
    """This code's head revision and every revision it knows, read once from backend/migrations."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return str(script.get_current_head()), frozenset(r.revision for r in script.walk_revisions())


def revision_of(conn: Connection) -> str | None:
    """The revision `conn`'s database is at, or None before the first migration. Ends the transaction it
    began: Alembic begins its own on this connection, and one already open would swallow its commit."""
    try:
        if not inspect(conn).has_table("alembic_version"):
            return None
        at = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return None if at is None else str(at)
    finally:
        conn.rollback()


def schema_behind(conn: Connection) -> str | None:
    """Why this code can't serve `conn`'s database yet: "no schema", or the revision it is at when that is one of
    this code's own before its head (run `parcelbot db upgrade`). None at head, and None ahead (a revision this
    code doesn't know: a later release migrated it, the normal state of a rolling deploy's old hosts)."""
    if not inspect(conn).has_table("alembic_version"):
        return "no schema"
    at = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head, known = code_revisions()
    if at is None:
        return "no schema"
    return None if at == head or at not in known else str(at)


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate `url` to `revision`, waiting for any other migration of the same database to finish first.
    Returns the revision the database was at and the one it is at now, so an operator reading a deploy's log
    sees what a rolling deploy's migration step did (None: no schema yet).

    Can't connect: SQLAlchemy's own error, which the CLI reports as the database being unreachable. Anything that
    goes wrong once connected (but the connection breaking, or SQLite staying locked): MigrationError, one line."""
    connect_args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if url.startswith("postgresql") else {}
    # NullPool: closing the connection ends the session, and with it the advisory lock, whatever happened
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn  # env.py migrates on it, under one_at_a_time
            try:
                # read before the lock: a second upgrade waiting on the first may name a revision it then finds
                # already passed; the one it reports after is read under no doubt
                before = revision_of(conn)
                command.upgrade(cfg, revision)
                return before, revision_of(conn)
            except Exception as exc:
                if _unavailable(exc):
                    raise
                log.info("the migration's traceback", exc_info=True)  # `parcelbot -v` shows it
                first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:300]
                raise MigrationError(f"migrating the database to {revision} failed: {first}") from None
    finally:
        engine.dispose()


def _unavailable(error: BaseException | None) -> bool:
    """The connection broke under the migration, or SQLite stayed locked by another writer past its timeout."""
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, OperationalError) and "database is locked" in str(error.orig):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


@contextmanager
def one_at_a_time(conn: Connection) -> Iterator[None]:
    """Hold the database's migration lock while the block migrates on `conn` (backend/migrations/env.py).
    Take it once per process and database: a second flock in the same process would wait for the first."""
    if conn.dialect.name == "postgresql":
        with _advisory_lock(conn):
            yield
    elif conn.dialect.name == "sqlite":
        with _file_lock(conn.engine.url.database):
            yield
    else:
        yield


@contextmanager
def _advisory_lock(conn: Connection) -> Iterator[None]:
    """pg_advisory_lock, session-level: it outlives the transaction Alembic commits, and is released by unlock
    or, if the connection broke, by the session's end."""
    if not conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}):
        log.warning("another migration of this database is running: waiting for it to finish")
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
    conn.commit()  # Alembic begins and commits its own transaction
    try:
        yield
    finally:
        try:
            conn.rollback()
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            conn.commit()
        except SQLAlchemyError:  # the connection is gone, and the lock with it; the migration's error is the news
            pass


@contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    """flock on `<database>.lock`: SQLite has no advisory lock, and its own write lock does not span Alembic's
    separate transactions. An in-memory database, or a lock file that can't be created, goes without: SQLite's
    own error (the directory does not exist, say) then speaks for itself."""
    fd = None
    if fcntl is not None and database and database != ":memory:" and not database.startswith("file:"):
        try:
            fd = os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            fd = None
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("another migration of this database is running: waiting for it to finish")
                fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fd is not None:
            os.close(fd)  # releases the flock
