"""A few threads per carrier for writes (bulkheads), so one carrier that hangs can't hold every other's.

A write to a remote carrier runs on a pool thread while the turn waits at most what is left of its budget
(bot/core/carrier.py); past it the shopper hears "not confirmed yet" and the call runs on, up to the HTTP
client's own timeouts (about 31 s). With one pool for every merchant, a carrier that hangs on a busy morning
filled all its threads within a few messages, and every other carrier's writes queued behind them and timed out
too. Each carrier (its `lane`: the host it is reached at) now has a pool of its own: a hung carrier fills and
queues only its own lane. Threads start when a lane first needs them; the lanes are capped (an idle lane is
retired to make room; when all are busy a new carrier shares one more lane), so threads stay bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

SHARED = "(shared)"


class Lanes(Executor):
    """An executor per lane name, made on first use. `submit` (no lane) uses the shared lane.

    At the cap, a lane with nothing running or queued is retired to make room (a deployment that has seen more
    carriers than the cap over its life, or one merchant naming host after host, used to push every later
    carrier onto the shared lane for good: review); only when every lane is busy does a new carrier share, and
    the shared lane has `shared_threads`, as many as the one pool all carriers had before.

    An owner (the merchant whose write it is) with `per_owner` lanes busy opens no more: its further carriers share
    a lane of its own, outside the cap. One merchant naming a new hung host for each message could otherwise keep
    every lane busy, retire the healthy idle ones and jam the shared lane for everyone (second review)."""

    def __init__(self, per_lane: int = 4, max_lanes: int = 32, prefix: str = "parcelbot-carrier",
                 shared_threads: int = 8, per_owner: int = 4) -> None:
        self.per_lane, self.max_lanes, self.prefix, self.shared_threads = per_lane, max_lanes, prefix, shared_threads
        self.per_owner = per_owner
        self._lock = threading.Lock()
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        self._busy: dict[str, int] = {}  # calls submitted to a lane and not finished
        self._owner: dict[str, str] = {}  # lane -> the owner that opened it
        self._closed = False
        self._made = 0

    def submit_to(self, name: str, fn: Callable[..., Any], /, *args: Any, owner: str = "", **kwargs: Any) -> Future:
        """Run `fn` on lane `name` (made, or an idle one retired for it, or the shared lane); `owner`: whose call."""
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            lane = self._own_lane_locked(name, owner)
            future = self._lanes[lane].submit(fn, *args, **kwargs)  # counted once taken: a refusal isn't in flight
            self._busy[lane] = self._busy.get(lane, 0) + 1
        future.add_done_callback(lambda _f: self._done(lane))
        return future

    def _own_lane_locked(self, name: str, owner: str) -> str:
        if name in self._lanes or not owner or name == SHARED:
            return self._lane_locked(name, owner)
        busy = sum(1 for lane, who in self._owner.items() if who == owner and self._busy.get(lane))
        if busy < self.per_owner:
            return self._lane_locked(name, owner)
        own = f"(owner:{owner})"
        if own not in self._lanes:  # outside the cap: it holds only this owner's calls
            self._made += 1
            self._lanes[own] = ThreadPoolExecutor(self.per_lane, thread_name_prefix=f"{self.prefix}-{self._made}")
        return own

    def _lane_locked(self, name: str, owner: str = "") -> str:
        if name in self._lanes:
            return name
        if name != SHARED and len(self._lanes) >= self.max_lanes:
            idle = next((lane for lane in self._lanes if lane != SHARED and not self._busy.get(lane)), None)
            if idle is None:
                name = SHARED
                if name in self._lanes:
                    return name
            else:
                self._lanes.pop(idle).shutdown(wait=False)
                self._busy.pop(idle, None)
                self._owner.pop(idle, None)
        self._made += 1
        if owner and name != SHARED:
            self._owner[name] = owner
        threads = self.shared_threads if name == SHARED else self.per_lane
        self._lanes[name] = ThreadPoolExecutor(threads, thread_name_prefix=f"{self.prefix}-{self._made}")
        return name

    def _done(self, lane: str) -> None:
        with self._lock:
            if self._busy.get(lane):
                self._busy[lane] -= 1

    def names(self) -> list[str]:
        with self._lock:
            return list(self._lanes)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self.submit_to(SHARED, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            pools = list(self._lanes.values())
        for pool in pools:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)
