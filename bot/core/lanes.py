"""A few threads per carrier for writes (bulkheads), so one carrier that hangs can't hold every other's.

A write to a remote carrier runs on a pool thread while the turn waits at most what is left of its budget
(bot/core/carrier.py); past it the shopper hears "not confirmed yet" and the call runs on, up to the HTTP
client's own timeouts (about 31 s). With one pool for every merchant, a carrier that hangs on a busy morning
filled all its threads within a few messages, and every other carrier's writes queued behind them and timed out
too. Each carrier (its `lane`: the host it is reached at) now has a pool of its own: a hung carrier fills and
queues only its own lane. Threads start when a lane first needs them; the lanes are capped, and carriers past
the cap share one more lane, so a deployment with very many carrier hosts has a bounded number of threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

SHARED = "(shared)"


class Lanes(Executor):
    """An executor per lane name, made on first use. `submit` (no lane) uses the shared lane."""

    def __init__(self, per_lane: int = 4, max_lanes: int = 32, prefix: str = "parcelbot-carrier") -> None:
        self.per_lane, self.max_lanes, self.prefix = per_lane, max_lanes, prefix
        self._lock = threading.Lock()
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        self._closed = False

    def lane(self, name: str) -> Executor:
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            pool = self._lanes.get(name)
            if pool is None:
                if len(self._lanes) >= self.max_lanes and name != SHARED:
                    return self._shared_locked()
                pool = self._lanes[name] = ThreadPoolExecutor(self.per_lane,
                                                              thread_name_prefix=f"{self.prefix}-{len(self._lanes)}")
            return pool

    def _shared_locked(self) -> ThreadPoolExecutor:
        pool = self._lanes.get(SHARED)
        if pool is None:
            pool = self._lanes[SHARED] = ThreadPoolExecutor(self.per_lane, thread_name_prefix=f"{self.prefix}-shared")
        return pool

    def names(self) -> list[str]:
        with self._lock:
            return list(self._lanes)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self.lane(SHARED).submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            pools = list(self._lanes.values())
        for pool in pools:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)
