"""A database that stops answering without going away: a shopper's turn gives up in seconds, not never.

A crashed server or a failed-over address refuses or resets the connection, and the driver fails at once (the
outage path, bot/core/outage.py). A server frozen on a storage stall, a paused VM or a hung proxy in front of
PostgreSQL is worse: the TCP connection stays up, the statement is sent, and no answer ever comes. psycopg has no
client-side statement timeout, and a server-side `statement_timeout` can't fire on a server that isn't running,
so a webhook would wait past Twilio's 15 seconds and the shopper would hear nothing (the review's probe measured
100 s and more).

StallGuard watches the connections lent to threads inside `watching()`: the engine wraps each message in it, with
`seconds`; the web app wraps every request, with a longer limit (bot/web/stall_watch.py), so an API call or a
console page gets a 503 instead of holding a worker's thread for ever, and a frozen database can't use up the
threads the webhooks need.
One lent longer than `seconds` is shut down at the socket from a watchdog thread; the waiting driver fails as it
would on a dropped connection, the turn is rolled back, and the message takes the outage path (kept, and answered
by text once the database is back). Connections used elsewhere (jobs, reports, migrations) are never touched. A
turn holds its connection for milliseconds (a carrier is never called inside the transaction, bot/engine/), so
a lend of several seconds means the database stopped answering. TCP keepalives and `tcp_user_timeout`
(backend/db.py) cover the other half: a network path that died while a connection sat idle.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
# One watchdog thread per process for every guard (a process may build several runtimes: tests, the CLI), started on
# first use: a thread started before gunicorn forks its workers doesn't survive in them.
_GUARDS: weakref.WeakSet[StallGuard] = weakref.WeakSet()  # watched at least once: the watchdog's list
_INSTALLED: weakref.WeakSet[StallGuard] = weakref.WeakSet()  # every guard, to reset in a forked child
_WATCHDOG: dict[str, Any] = {"pid": 0, "thread": None}
_WATCHDOG_LOCK = threading.Lock()


@dataclass
class _Block:
    """One `watching()` block of a thread: its limit, whether it met a stall, and the block it sits in."""

    seconds: float
    outer: _Block | None = None
    stalled: bool = False


@dataclass(frozen=True)
class _Lend:
    since: float  # time.monotonic() at checkout
    fd: int
    inode: tuple[int, int]  # (st_dev, st_ino) of the socket: an fd number reused by another socket is not it
    block: _Block  # the block it was lent in: its limit, and where a shutdown is reported


class StallGuard:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lent: dict[int, _Lend] = {}  # id(pool record) -> the lend, for connections lent inside watching()
        self._watched: dict[int, _Block] = {}  # thread ident -> its innermost watching() block
        self._lock = threading.Lock()

    def install(self, engine: Engine) -> StallGuard:
        """Follow the pool's lending on `engine` (PostgreSQL: SQLite has no socket and its own busy timeout).
        The listeners go first (`insert=True`), so the ping of a connection that sat idle (backend/db.py) is
        watched too: a frozen server would otherwise hang that SELECT 1 for ever, before the turn began."""

        @event.listens_for(engine, "checkout", insert=True)
        def _lent(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
            block = self._watched.get(threading.get_ident())
            if block is None:
                return  # lent outside a watched block (a job, a report): never touched
            with suppress(Exception):  # a connection without a socket is simply not watched
                fd = dbapi_conn.pgconn.socket
                stat = os.fstat(fd)
                self._lent[id(record)] = _Lend(time.monotonic(), fd, (stat.st_dev, stat.st_ino), block)

        @event.listens_for(engine, "checkin", insert=True)
        def _returned(_dbapi_conn: Any, record: Any) -> None:
            if self._lent:
                with self._lock:
                    self._lent.pop(id(record), None)

        @event.listens_for(engine, "invalidate", insert=True)
        def _dropped(_dbapi_conn: Any, record: Any, _exc: Any) -> None:
            with self._lock:
                self._lent.pop(id(record), None)

        _INSTALLED.add(self)
        return self

    @contextmanager
    def watching(self, seconds: float | None = None) -> Iterator[None]:
        """Connections this thread borrows inside the block are shut down if held longer than `seconds` (the
        guard's own by default). Blocks nest: a web request is watched with a longer limit, and the shopper's
        turn inside it with the short one; a stall met inside is the outer block's too."""
        _watch(self)
        ident = threading.get_ident()
        outer = self._watched.get(ident)
        block = _Block(self.seconds if seconds is None else seconds, outer)
        self._watched[ident] = block
        try:
            yield
        finally:
            with self._lock:
                if outer is None:
                    self._watched.pop(ident, None)
                else:
                    outer.stalled = outer.stalled or block.stalled
                    self._watched[ident] = outer

    @contextmanager
    def unwatched(self) -> Iterator[None]:
        """A stretch that may hold a connection for seconds on purpose (a carrier asked from inside the
        transaction, the engine's last resort): what it borrows is not watched."""
        ident = threading.get_ident()
        with self._lock:
            was = self._watched.pop(ident, None)
        try:
            yield
        finally:
            if was is not None:
                with self._lock:
                    self._watched[ident] = was

    def stalled_here(self) -> bool:
        """Whether a connection of this thread's current block was shut down for stalling: a turn that met a
        stalled database does not run again (a fresh connection would wait out the connect timeout as well)."""
        block = self._watched.get(threading.get_ident())
        return block is not None and block.stalled

    def close(self) -> None:
        """No more watching (the runtime is closing)."""
        _GUARDS.discard(self)

    def check(self, now: float) -> int:
        """Shut down every watched connection lent for longer than its block's limit; how many (the watchdog's
        tick)."""
        shut = 0
        for key, lend in list(self._lent.items()):
            if now - lend.since <= lend.block.seconds:
                continue
            with self._lock:
                if self._lent.get(key) is not lend:
                    continue  # returned (and maybe lent again) meanwhile
                del self._lent[key]
                if _shut_down(lend):
                    lend.block.stalled = True
            shut += 1
            log.warning("a database connection answered nothing for %.0f s: shut down, its request or turn takes "
                        "the outage path", now - lend.since)
        return shut

    def _after_fork(self) -> None:
        """In a forked child: what the parent's threads had lent is not this process's to watch."""
        self._lent, self._watched, self._lock = {}, {}, threading.Lock()


def _shut_down(lend: _Lend) -> bool:
    """Shut the lent connection's socket down (the socket, not our dup: the waiting driver wakes and fails), if
    the fd is still that socket: libpq may have closed it, and the number gone to another connection."""
    try:
        dup = os.dup(lend.fd)
    except OSError:
        return False
    try:
        stat = os.fstat(dup)
        if (stat.st_dev, stat.st_ino) != lend.inode:
            return False
        with socket.socket(fileno=dup) as sock:
            dup = -1  # the socket object closes it
            sock.shutdown(socket.SHUT_RDWR)
        return True
    except OSError:
        return False
    finally:
        if dup >= 0:
            os.close(dup)


def _watch(guard: StallGuard) -> None:
    thread = _WATCHDOG["thread"]
    if guard in _GUARDS and _WATCHDOG["pid"] == os.getpid() and thread is not None and thread.is_alive():
        return
    with _WATCHDOG_LOCK:
        _GUARDS.add(guard)
        if _WATCHDOG["pid"] != os.getpid() or _WATCHDOG["thread"] is None or not _WATCHDOG["thread"].is_alive():
            thread = threading.Thread(target=_watchdog, name="parcelbot-stall-guard", daemon=True)
            _WATCHDOG.update(pid=os.getpid(), thread=thread)
            thread.start()


def _watchdog() -> None:
    while True:
        with _WATCHDOG_LOCK:
            guards = list(_GUARDS)
        time.sleep(min([0.5, *(g.seconds / 4 for g in guards)]))  # a request's longer limit is checked as often
        now = time.monotonic()
        for guard in guards:
            try:
                guard.check(now)
            except Exception:  # the watchdog outlives any one guard's trouble
                log.exception("the stall guard's check failed")
        del guards


def _after_fork_in_child() -> None:
    global _WATCHDOG_LOCK
    _WATCHDOG_LOCK = threading.Lock()
    _WATCHDOG.update(pid=0, thread=None)
    for guard in list(_INSTALLED):
        guard._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
