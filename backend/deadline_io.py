"""One whole deadline for an HTTP try, whatever the far side does: status line, headers and body included.

requests' read timeout is per socket read, so a far side that trickles its answer (a byte every second, each gap
under the read timeout) held the calling thread for as long as it liked: past the client's own timeouts, past any
`answer_within` budget, and with it a carrier's lane thread, a tracking page's web thread or a background job.

Here each try gets a Watch with its deadline. The connection classes the sessions below use (WatchedAdapter) hand
the watch every socket the try touches, from the TCP connect on (the TLS handshake and a proxy's tunnel included),
and one watchdog thread shuts those sockets down at the deadline: whatever read or write is waiting ends at once,
the connection is closed and never goes back to the pool half-read. `fetch` sends with stream=True and reads the
body while the watch still holds, then reports a try that was cut as TotalTimeout (a requests.ReadTimeout).
A session without WatchedAdapter (one handed in from outside) still has its body cut (urllib3's own shutdown).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import ProxyManager

log = logging.getLogger(__name__)


class TotalTimeout(requests.ReadTimeout):
    """The try's whole deadline passed before its whole answer was in: its connection was shut down."""


@dataclass(frozen=True)
class _Held:
    cut: Callable[[], object]  # shuts the connection down: whatever waits on it ends at once
    release: Callable[[], object] | None  # closes our duplicate descriptor
    owner: object  # the connection (or response) it belongs to: let go when that goes back to the pool


@dataclass(eq=False)
class Watch:
    """A try's deadline and how to cut each connection it uses. A socket is held as a duplicate descriptor: TLS
    takes the original socket object over (detaching it), and shutdown() through any descriptor ends the one
    connection."""

    deadline: float  # time.monotonic()
    armed: bool = True
    expired: bool = False
    cut: bool = False  # a connection was shut down: whatever the try read after that is not the whole answer
    _held: list[_Held] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def attach(self, sock: Any, owner: object = None) -> None:
        """Watch `sock` too, until the try ends or `owner` (its connection) goes back to the pool (let_go)."""
        sock = _plain(sock)
        if sock is None:
            return
        try:
            handle = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except (OSError, ValueError):
            return  # already closed: nothing left to wait on
        self._hold(_Held(lambda: handle.shutdown(socket.SHUT_RDWR), handle.close, owner))

    def attach_response(self, raw: Any) -> None:
        """Watch a response's body through urllib3's own shutdown() (2.3 and later): for a session whose
        connections are not Watched, whose socket may already be out of its connection's hands (Connection: close).
        Let go as the response hands its connection back to the pool (its body read whole)."""
        shutdown, release_conn = getattr(raw, "shutdown", None), getattr(raw, "release_conn", None)
        if not callable(shutdown) or not callable(release_conn):
            return

        def let_go_first() -> None:
            self.let_go(raw)
            release_conn()

        raw.release_conn = let_go_first  # urllib3 calls self.release_conn() when the body has been read
        self._hold(_Held(shutdown, None, raw))

    def let_go(self, owner: object) -> None:
        """`owner`'s connection goes back to the pool, whole: from now on it may serve another thread's try, so
        this try's deadline must never cut it (review: the watch was disarmed only after the pool had it back)."""
        with self._lock:
            gone = [held for held in self._held if held.owner is owner]
            self._held = [held for held in self._held if held.owner is not owner]
        for held in gone:
            if held.release is not None:
                held.release()

    def _hold(self, held: _Held) -> None:
        with self._lock:
            if self.armed:
                self._held.append(held)
                if self.expired:  # handed over after the deadline: cut at once
                    self._cut(held.cut)
                return
        if held.release is not None:
            held.release()

    def expire(self) -> None:
        """The deadline: cut every connection of the try (the watchdog's thread)."""
        with self._lock:
            if not self.armed:
                return
            self.expired = True
            for held in self._held:
                self._cut(held.cut)

    def _cut(self, cut: Callable[[], object]) -> None:
        try:
            cut()
        except (OSError, ValueError, RuntimeError, NotImplementedError):
            return  # already dropped by the far side, or released: nothing was waiting on it
        self.cut = True

    def disarm(self) -> bool:
        """The try is over: nothing is cut after this (the connection may serve the next try). Returns whether the
        try was cut."""
        with self._lock:
            self.armed = False
            held, self._held = self._held, []
        for each in held:
            if each.release is not None:
                each.release()
        return self.cut


def _plain(sock: Any) -> socket.socket | None:
    """The OS socket under `sock` (urllib3's TLS-in-TLS transport wraps one in `.socket`)."""
    for _ in range(3):
        if sock is None or isinstance(sock, socket.socket):
            return sock
        sock = getattr(sock, "socket", None)
    return None


class _Watchdog:
    """One thread for every watch in the process, asleep until the nearest deadline. A watch disarmed before its
    deadline stays queued until then and is passed over (expire() does nothing once disarmed)."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:  # also in a forked child: the parent's thread and lock are not its own
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, watch: Watch) -> None:
        with self._cond:
            heapq.heappush(self._queue, (watch.deadline, next(self._order), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="parcelbot-deadline", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue or self._queue[0][0] > time.monotonic():
                    self._cond.wait(self._queue[0][0] - time.monotonic() if self._queue else None)
                watch = heapq.heappop(self._queue)[2]
            try:
                watch.expire()
            except Exception:  # noqa: BLE001 - the thread must outlive one bad socket, or no deadline holds
                log.exception("could not cut a try at its deadline")


_WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_WATCHDOG._reset)

# The try in progress on this thread (set by fetch): the connection classes below hand it their sockets.
_WATCH: ContextVar[Watch | None] = ContextVar("parcelbot_try_watch", default=None)


def _hand_over(sock: Any, owner: object) -> None:
    watch = _WATCH.get()
    if watch is not None and sock is not None:
        watch.attach(sock, owner)


def fetch(send: Callable[..., requests.Response], seconds: float, *args: Any, **kwargs: Any) -> requests.Response:
    """`send(*args, stream=True, **kwargs)` (a Session's send, post...) with the whole answer, status line to the
    body's last byte, in within `seconds`; TotalTimeout if not. The body is read here, so the returned response
    is complete and its connection back in the pool, or closed."""
    watch = Watch(time.monotonic() + max(seconds, 0.0))
    _WATCHDOG.add(watch)
    token = _WATCH.set(watch)
    response: requests.Response | None = None
    try:
        response = send(*args, stream=True, **kwargs)
        watch.attach_response(getattr(response, "raw", None))  # a session without WatchedAdapter: its body at least
        response.content  # noqa: B018 - read while the watch holds
    except Exception as exc:
        if response is not None:
            response.close()
        if watch.disarm():
            raise TotalTimeout(f"no whole answer within {seconds:.2f} s") from exc
        raise
    finally:
        watch.disarm()  # whatever happened: its duplicate descriptors closed, nothing cut from now on
        _WATCH.reset(token)
    if watch.cut:  # cut as the answer ended: a body ended by the connection closing may be short
        response.close()
        raise TotalTimeout(f"no whole answer within {seconds:.2f} s")
    return response


# -- the connection classes ---------------------------------------------------------------------------------
class Watched:
    """Mixed into urllib3's connection classes: each socket goes to the try's watch, a new one as soon as it is
    connected (before TLS), a pooled one as the try's request is written."""

    sock: Any

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        _hand_over(sock, self)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _hand_over(self.sock, self)  # None for a connection not made yet: _new_conn hands it over
        super().request(*args, **kwargs)  # type: ignore[misc]


class WatchedHTTPConnection(Watched, HTTPConnection):
    pass


class WatchedHTTPSConnection(Watched, HTTPSConnection):
    pass


class LetsGo:
    """Mixed into the pools: a connection coming back (its answer read whole) is let go by the try's watch first, so
    a deadline striking a moment later can't cut it under the next try (a redirect's first hop included)."""

    def _put_conn(self, conn: Any) -> None:
        watch = _WATCH.get()
        if watch is not None and conn is not None:
            watch.let_go(conn)
        super()._put_conn(conn)  # type: ignore[misc]


class _WatchedHTTPPool(LetsGo, HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class _WatchedHTTPSPool(LetsGo, HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections (direct or through an HTTP(S) proxy) are cut at a try's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):  # a SOCKS proxy's connections are its own: only its body is watched
            manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
        return manager


def session() -> requests.Session:
    """A requests Session whose tries `fetch` can cut at their deadline."""
    http = requests.Session()
    adapter = WatchedAdapter()
    http.mount("https://", adapter)
    http.mount("http://", adapter)
    return http
