"""How many shoppers' turns one process runs at once: the rest wait their turn, first come first served.

Why: a turn is mostly Python, and Python runs one thread at a time (the GIL). A gunicorn worker has 8 threads so
that open agent consoles (each holds a thread with its event stream), the API and health checks are never locked
out; but when 8 turns run at once they share the worker's one interpreter, so each takes about 8 times as long
and all of them finish late together. Measured (`parcelbot bench load --no-floor --rates 150,200 --seconds 15
--max-seconds 0`, two pairs, docs/performance.md round 9): at 200 messages/s, p99 272 and 309 ms with 8 threads
free to run turns, 57 and 44 ms with 2 threads per worker, and less CPU a message. With a gate, a turn that finds
the gate full waits a few milliseconds and then runs at full speed, and the worker keeps its 8 threads for the
rest.

A turn that waits on the network (a carrier's answer, an NLU server's) steps aside (`aside`): the next turn runs
meanwhile. A turn
never waits for the gate more than `patience` seconds: past that it runs anyway, so a stuck turn can slow the
others down but never hold them.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Iterator


class TurnGate:
    """At most `size` turns of this process at once (0: no limit). Re-entrant per thread.

    First come first served: a place given back goes straight to the turn that has waited longest (a ticket
    each), so a thread running turn after turn (the kept-message replay draining a backlog) can't take it back
    ahead of a shopper who was already waiting, as a plain semaphore lets it. A turn coming back from `aside` is
    served before newcomers: it was inside already."""

    def __init__(self, size: int, *, patience: float = 1.0) -> None:
        self.size, self.patience = size, patience
        self._lock = threading.Lock()
        self._free = max(size, 0)  # places nobody holds; only while nobody waits
        self._waiting: deque[threading.Event] = deque()
        self._held = threading.local()

    def _holding(self) -> bool:
        return getattr(self._held, "yes", False)

    def _take(self, *, first: bool = False) -> None:
        with self._lock:
            if self._free > 0:
                self._free -= 1
                self._held.yes = True
                return
            ticket = threading.Event()
            self._waiting.appendleft(ticket) if first else self._waiting.append(ticket)
        try:
            got = ticket.wait(self.patience)
        except BaseException:  # interrupted while waiting: leave no ticket (nor a place handed to it) behind
            self._forsake(ticket, give_back=True)
            raise
        if not got:
            got = self._forsake(ticket, give_back=False)
        self._held.yes = got  # not got: the turn runs anyway, without a place

    def _forsake(self, ticket: threading.Event, *, give_back: bool) -> bool:
        """Stop waiting on `ticket`. True if a place was handed to it meanwhile (kept, or passed on if
        `give_back`)."""
        with self._lock:
            if not ticket.is_set():
                self._waiting.remove(ticket)
                return False
        if give_back:
            self._held.yes = True
            self._give_back()
        return True

    def _give_back(self) -> None:
        if not self._holding():
            return
        self._held.yes = False
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # straight to the longest waiting
            else:
                self._free += 1

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Around a shopper's turn."""
        if self.size <= 0 or self._holding():
            yield
            return
        self._take()
        try:
            yield
        finally:
            self._give_back()

    @contextlib.contextmanager
    def aside(self) -> Iterator[None]:
        """Around a wait inside a turn that needs no CPU (a carrier's or an NLU server's answer): the place is lent
        meanwhile, and taken back ahead of turns that have not started."""
        if not self._holding():
            yield
            return
        self._give_back()
        try:
            yield
        finally:
            self._take(first=True)
