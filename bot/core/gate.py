"""How many shoppers' turns one process runs at once: the rest wait their turn, first come first served.

Why: a turn is mostly Python, and Python runs one thread at a time (the GIL). A gunicorn worker has 8 threads so
that open agent consoles (each holds a thread with its event stream), the API and health checks are never locked
out; but when 8 turns run at once they share the worker's one interpreter, so each takes about 8 times as long
and all of them finish late together. Measured (`parcelbot bench load --no-floor --rates 150,200 --seconds 15
--max-seconds 0`, two pairs, docs/performance.md round 9): at 200 messages/s, p99 272 and 309 ms with 8 threads
free to run turns, 57 and 44 ms with 2 threads per worker, and less CPU a message. With a gate, a turn that finds
the gate full waits a few milliseconds and then runs at full speed, and the worker keeps its 8 threads for the
rest.

A turn that waits on the network (a carrier's answer) steps aside (`aside`): the next turn runs meanwhile. A turn
never waits for the gate more than `patience` seconds: past that it runs anyway, so a stuck turn can slow the
others down but never hold them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class TurnGate:
    """At most `size` turns of this process at once (0: no limit). Re-entrant per thread."""

    def __init__(self, size: int, *, patience: float = 1.0) -> None:
        self.size, self.patience = size, patience
        self._permits = threading.Semaphore(size) if size > 0 else None
        self._held = threading.local()

    def _holding(self) -> bool:
        return getattr(self._held, "yes", False)

    def _take(self) -> None:
        assert self._permits is not None
        self._held.yes = self._permits.acquire(timeout=self.patience)  # noqa: FBT003 - not got: run anyway

    def _give_back(self) -> None:
        if self._permits is not None and self._holding():
            self._held.yes = False
            self._permits.release()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Around a shopper's turn."""
        if self._permits is None or self._holding():
            yield
            return
        self._take()
        try:
            yield
        finally:
            self._give_back()

    @contextlib.contextmanager
    def aside(self) -> Iterator[None]:
        """Around a wait inside a turn that needs no CPU (a carrier's answer): the permit is lent meanwhile."""
        if not self._holding():
            yield
            return
        self._give_back()
        try:
            yield
        finally:
            self._take()
