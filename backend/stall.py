"""A database that stops answering without going away: a shopper's turn gives up in seconds, not never.

A crashed server or a failed-over address refuses or resets the connection, and the driver fails at once (the
outage path, bot/core/outage.py). A server frozen on a storage stall, a paused VM or a hung proxy in front of
PostgreSQL is worse: the TCP connection stays up, the statement is sent, and no answer ever comes. psycopg has no
client-side statement timeout, and a server-side `statement_timeout` can't fire on a server that isn't running,
so a webhook would wait past Twilio's 15 seconds and the shopper would hear nothing (the review's probe measured
100 s and more).

StallGuard watches the connections lent to threads inside `watching()` (the engine wraps each message in it).
One lent longer than `seconds` is shut down at the socket from a watchdog thread; the waiting driver fails as it
would on a dropped connection, the turn is rolled back, and the message takes the outage path (kept, and answered
by text once the database is back). Connections used elsewhere (jobs, reports, migrations) are never touched. A
turn holds its connection for milliseconds (a carrier is never called inside the transaction, bot/engine.py), so
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
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
# One watchdog thread per process for every guard (a process may build several runtimes: tests, the CLI), started on
# first use: a thread started before gunicorn forks its workers doesn't survive in them.
_GUARDS: weakref.WeakSet[StallGuard] = weakref.WeakSet()
_WATCHDOG: dict[str, Any] = {"pid": 0, "thread": None}
_WATCHDOG_LOCK = threading.Lock()


class StallGuard:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lent: dict[int, tuple[float, int, int]] = {}  # id(pool record) -> (lent at, socket fd, thread)
        self._watched: dict[int, bool] = {}  # thread ident -> a connection of its turn was shut down
        self._lock = threading.Lock()

    def install(self, engine: Engine) -> StallGuard:
        """Follow the pool's lending on `engine` (PostgreSQL: SQLite has no socket and its own busy timeout)."""

        @event.listens_for(engine, "checkout")
        def _lent(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
            with suppress(Exception):  # a connection without a socket is simply not watched
                self._lent[id(record)] = (time.monotonic(), dbapi_conn.pgconn.socket, threading.get_ident())

        @event.listens_for(engine, "checkin")
        def _returned(_dbapi_conn: Any, record: Any) -> None:
            with self._lock:
                self._lent.pop(id(record), None)

        @event.listens_for(engine, "invalidate")
        def _dropped(_dbapi_conn: Any, record: Any, _exc: Any) -> None:
            with self._lock:
                self._lent.pop(id(record), None)

        return self

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Connections this thread borrows inside the block are shut down if held longer than `seconds`."""
        _watch(self)
        ident = threading.get_ident()
        self._watched[ident] = False
        try:
            yield
        finally:
            self._watched.pop(ident, None)

    def stalled_here(self) -> bool:
        """Whether a connection of this thread's current block was shut down for stalling: a turn that met a
        stalled database does not run again (a fresh connection would wait out the connect timeout as well)."""
        return self._watched.get(threading.get_ident(), False)

    def close(self) -> None:
        """No more watching (the runtime is closing)."""
        _GUARDS.discard(self)

    def check(self, now: float) -> int:
        """Shut down every watched connection lent for longer than `seconds`; how many (the watchdog's tick)."""
        shut = 0
        for key, (since, fd, ident) in list(self._lent.items()):
            if now - since <= self.seconds or ident not in self._watched:
                continue
            with self._lock:
                if self._lent.get(key) != (since, fd, ident):
                    continue  # returned (and maybe lent again) meanwhile: the fd may be another connection's now
                del self._lent[key]
                self._watched[ident] = True
                with suppress(OSError), socket.socket(fileno=os.dup(fd)) as sock:
                    sock.shutdown(socket.SHUT_RDWR)  # the socket, not our dup: the waiting driver wakes and fails
            shut += 1
            log.warning("a database connection answered nothing for %.0f s: shut down, the turn takes the outage "
                        "path", now - since)
        return shut


def _watch(guard: StallGuard) -> None:
    if guard in _GUARDS and _WATCHDOG["pid"] == os.getpid():
        return
    with _WATCHDOG_LOCK:
        _GUARDS.add(guard)
        if _WATCHDOG["pid"] != os.getpid() or not _WATCHDOG["thread"].is_alive():
            thread = threading.Thread(target=_watchdog, name="parcelbot-stall-guard", daemon=True)
            _WATCHDOG.update(pid=os.getpid(), thread=thread)
            thread.start()


def _watchdog() -> None:
    while True:
        guards = list(_GUARDS)
        time.sleep(min([0.5, *(g.seconds / 4 for g in guards)]))
        now = time.monotonic()
        for guard in guards:
            guard.check(now)
