"""The ports: what the core needs from the outside world, as Protocols and plain value types.

The core (engine, dialogues, services) talks only to these; the composition root (bot/runtime.py) plugs
in the real thing: Twilio or the sandbox for sending, Celery or threads for jobs, Redis or memory for
events, the merchant's carrier for the backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from backend import models as m
from backend.protocol import Backend

Clock = Callable[[], datetime]
# The merchant's backend for one unit of work: (session, merchant, now) -> Backend.
BackendFactory = Callable[[Session, m.Merchant, datetime], Backend]


# -- sending ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outgoing:
    id: int
    channel: str
    sender: str
    to: str
    body: str
    media_urls: tuple[str, ...] = ()
    # An earlier attempt may have gone out unseen (its answer lost, its sender killed): a transport that can
    # look it up does so, and returns that send rather than texting the shopper twice.
    maybe_sent_since: datetime | None = None
    # SIDs of our sends to the same recipient already recorded on other rows since then: never this message's
    # (two rows with the very same text, a notice sent twice on purpose, must not be taken for one another).
    recorded_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SendResult:
    status: str  # "sent" | "sandbox"
    channel_message_id: str | None = None


class SendError(Exception):
    """A send that didn't go through; `retry` says whether trying again later can help, `status` is the
    transport's HTTP status when it answered one (the metrics count failures by its class), `reached` whether
    the transport was reached at all (False: the network failed), `retry_after` how many seconds the transport
    asked us to wait (a 429's or 503's Retry-After), if it said, `maybe_sent` whether the message may have gone
    out all the same (the request left, its answer never came), `opted_out` whether the transport refused because
    the recipient told it to send them nothing (Twilio's 21610: they texted STOP to it)."""

    def __init__(self, message: str, *, retry: bool, status: int | None = None, reached: bool = True,
                 retry_after: float | None = None, maybe_sent: bool = False, opted_out: bool = False) -> None:
        super().__init__(message)
        self.retry = retry
        self.status = status
        self.reached = reached
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent
        self.opted_out = opted_out


class Sender(Protocol):
    name: str

    def send(self, message: Outgoing) -> SendResult: ...


# -- background work --------------------------------------------------------------------------------------
class ServiceAway(RuntimeError):
    """A shared service this process can live without for a while (Redis: the queue, the events) could not be
    reached. Raised by adapters in place of their driver's error, with what was missed and why in one line: the
    caller logs that line, not a traceback, since an outage repeats it for every message (docs/faults.md 3)."""


class JobQueue(Protocol):
    """Runs a registered job (bot/jobs) by name with JSON-able keyword arguments, now or soon."""

    def enqueue(self, name: str, **kwargs: Any) -> None: ...
