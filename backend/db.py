"""Engine, sessions and migrations. One place that knows how to reach the database."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Table, create_engine, event, insert, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, Row, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.dml import Insert

from backend.migrate import MIGRATIONS, MigrationError, alembic_config, upgrade

__all__ = ["MIGRATIONS", "MigrationError", "alembic_config", "upgrade"]  # migrations live in backend/migrate.py

_Statement = TypeVar("_Statement", bound=ClauseElement)
_Model = TypeVar("_Model")
# How long a SQLite writer waits for the write lock: well under Twilio's 15 s webhook timeout, so a database
# locked for longer (a stuck writer, a backup holding it) is answered as an outage (the text kept and answered
# later, docs/faults.md) instead of Twilio giving up on us and the shopper hearing nothing. A turn holds the
# lock for milliseconds, so ordinary queueing never comes near it.
SQLITE_BUSY_SECONDS = 10
CONNECT_TIMEOUT_SECONDS = 5
PING_AFTER_IDLE_SECONDS = 1.0
# An execution option: this connection only reads, so on SQLite it needn't queue for the write lock.
READ_ONLY = "parcelbot_read_only"
# libpq's TCP settings, so a network path that died (a pulled cable, a firewall dropping the flow) fails a
# statement in about ten seconds instead of the kernel's fifteen minutes of retransmits: keepalive probes on an
# idle connection, and tcp_user_timeout (ms) for data sent and never acknowledged. A server that is reachable but
# answers nothing is backend/stall.py's job.
TCP_LIVENESS = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3,
                "tcp_user_timeout": 10_000}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001 - DBAPI types
            # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # In WAL mode NORMAL is corruption-safe; it skips an fsync per commit (a power cut may lose
            # the last few turns, never the database).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):  # noqa: ANN001
            # A turn reads then writes. A plain (deferred) BEGIN would fail with "database is locked" when
            # two turns both try to upgrade their read lock; IMMEDIATE takes the write lock up front, so
            # concurrent turns queue (busy_timeout) instead of failing. PostgreSQL needs none of this.
            # A connection marked READ_ONLY (it only reads: WAL readers never wait for the writer) doesn't take it.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    # connect_timeout: an unreachable server fails a request in seconds, not at the OS's TCP timeout
    # (docs/faults.md). LIFO: the connections in use stay the same few, so they are rarely idle long enough to
    # need the ping below.
    connect_args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, **TCP_LIVENESS}
    if make_url(url).get_driver_name() == "psycopg":  # psycopg 3: Column objects made only when read (pg_cursor)
        from backend.pg_cursor import SUPPORTED, LazyDescriptionCursor

        if SUPPORTED:
            connect_args["cursor_factory"] = LazyDescriptionCursor
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_use_lifo=True, connect_args=connect_args)
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """A pooled connection that sat idle for PING_AFTER_IDLE_SECONDS is pinged before it is lent, and replaced if
    it died meanwhile (a restart, a failover): what `pool_pre_ping` does on every checkout, minus the round trip
    when the connection was in use a moment ago, which under load is every turn (docs/performance.md). A
    connection that dies while in use (a restart under load) fails its statement and SQLAlchemy retires the
    whole pool: a shopper's turn runs again on a fresh connection (bot/engine/); a console page or an API call
    answers 503 with Retry-After once (bot/web/errors.py), and the next one gets a fresh connection."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record) -> None:  # noqa: ANN001
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy) -> None:  # noqa: ANN001
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_conn.rollback()  # the ping began a transaction (psycopg): lend the connection clean
        except Exception as exc:
            raise DisconnectionError("the pooled connection died while idle") from exc  # the pool tries another


def take_turns(session: Session, name: str) -> None:
    """Until this transaction ends, other transactions asking for the same name wait (a check-then-write
    limit such as "3 codes per 15 minutes" can't be raced). PostgreSQL only: SQLite's BEGIN IMMEDIATE already
    makes writers take turns."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(f"parcelbot:{name}".encode()).digest()[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


_INSERT_OR_NOTHING = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_or_nothing(session: Session, table: object) -> Insert:
    """`INSERT ... ON CONFLICT DO NOTHING` for the session's database (PostgreSQL or SQLite, the two we run on).

    A unique constraint answers "is it there already?" in the same statement as the write, and a conflict does
    not abort the transaction, so no SELECT before and no SAVEPOINT around it (two round trips each). On
    PostgreSQL a row another transaction is inserting makes this wait for that one to end, then do nothing."""
    return _or_nothing(session.get_bind().dialect.name, table)


def insert_or_nothing_on(dialect: str, table: object) -> Insert:
    """insert_or_nothing for a database named up front: for a statement built once, at import."""
    return _or_nothing(dialect, table)


def _or_nothing(dialect: str, table: object) -> Insert:
    if dialect not in _INSERT_OR_NOTHING:
        raise NotImplementedError(f"Parcelbot runs on PostgreSQL or SQLite, not {dialect}")
    return _INSERT_OR_NOTHING[dialect](table).on_conflict_do_nothing()


@functools.cache
def _insert_returning_id(dialect: str, table: Table, unless_exists: bool) -> Insert:
    return (_or_nothing(dialect, table) if unless_exists else insert(table)).returning(table.c.id)


def add_row(session: Session, model: type, values: dict[str, Any], *, unless_exists: bool = False) -> int | None:
    """One row in, through Core on the session's own connection and transaction; its id back (None when
    `unless_exists` and a unique constraint says it is there already).

    For the rows every message writes (the message, its replies, the audit trail): `session.add` + flush runs
    the ORM's unit of work, and building a statement per call costs as much again; this prebuilt statement
    does the same INSERT for about a fifth of the CPU (docs/performance.md). Column defaults apply as usual.
    The row is not in the session: use it for rows nothing reads back as an object in the same transaction."""
    conn = session.connection()
    stmt = _insert_returning_id(conn.dialect.name, model.__table__, unless_exists)  # type: ignore[attr-defined]
    return conn.execute(stmt, values).scalar()


@functools.cache
def _column_attributes(model: type) -> tuple[tuple[str, Any], ...]:
    return tuple((prop.key, prop.columns[0]) for prop in inspect(model).column_attrs)


def attached(session: Session, model: type[_Model], row: Row) -> _Model:
    """The ORM object for a row just written (or read) through Core with every column (`RETURNING *`), in the
    session as if the ORM had loaded it: persistent, in the identity map, no change pending, its relationships
    loaded lazily as usual (a many-to-one whose target is in the session: no query). SQLAlchemy's documented way
    of making a persistent object without SQL (`make_transient_to_detached`, then `Session.add`).

    For the ORM object of a row the message path inserts with its id and defaults back (a shopper's first
    conversation): an ORM INSERT ... RETURNING the entity cost about 900 Python calls, this about a third
    (docs/performance.md, round 12). The row must not be in the session already (a row just inserted is not)."""
    obj = model()
    values = row._mapping
    for key, column in _column_attributes(model):
        set_committed_value(obj, key, values[column])
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def shared(statement: _Statement) -> _Statement:
    """A statement built once at import and run by every thread, compiled once here, before any thread can.

    SQLAlchemy computes some of a statement's parts on first use and keeps them (an aliased subquery's columns,
    say), without a lock. Two threads compiling such a statement for the first time at once can each make their
    own: the engine caches one thread's compiled form while the statement keeps the other's columns, and from then
    on every run of it in that process fails to find its own columns in the row (NoSuchColumnError). Seen in a
    fresh gunicorn worker whose first requests came together; every message that worker took then failed.
    Compiling here, at import, fixes those parts before any request thread exists (tests/races/
    test_shared_statements_race.py)."""
    statement.compile(dialect=postgresql.dialect())
    return statement


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    with factory() as session, session.begin():
        yield session


def recreate(url: str) -> None:
    """An empty schema, migrated to head: PostgreSQL's public schema dropped and re-created (everything in it is
    lost: the benchmark's and the tests' own databases only); a SQLite file is just migrated."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).has_table("merchants")
