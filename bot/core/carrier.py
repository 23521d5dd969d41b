"""No database transaction is ever held open across a call to a remote carrier.

A turn runs in one transaction (state, replies, audit, outbox commit together), and its dialogue reads the
carrier as it goes. For the reference carrier that is our own database, but for a remote one (HTTP,
Shopify) it is the network, and a slow carrier must never hold the database for everyone else (on SQLite a
writer holds the one write lock; on PostgreSQL, the conversation's row lock and a pooled connection).

So a remote backend is seen through a CarrierSnapshot during the turn: an answer it already has is returned
at once; one it doesn't have stops the turn (NeedsCarrier) before anything is committed. The engine rolls
the turn back, makes that one call with no transaction open, adds the answer to the snapshot and runs the
turn again from the start, at the same clock time (everything the turn wrote was rolled back, so it
writes it again once). Writes go under their idempotency key, chosen when the shopper was asked to confirm
(the intent, recorded in the conversation by an earlier turn): the carrier is called outside the lock, and
its answer is recorded at once, in a unit of work of its own (`record`, supplied by the service that asked),
before the turn runs again. So a write the carrier made is never lost, even when the replayed turn goes
another way (a second message from the shopper came in between, or the code ran out meanwhile), and a
retried webhook or a replay never applies it twice. A change slower than settings.slow_backend_seconds is
left running: `on_slow` queues the job that records it and texts the shopper, and the turn says "on it"
(CarrierStillWorking). Every write, a cancellation or a return included, gets what is left of one budget per
message (ANSWER_WITHIN): Twilio gives a webhook 15 s, and a carrier that hangs (3 tries of a 10 s read timeout) held
the shopper's answer past it, so they heard nothing (found by review). Past the budget the write is answered "not
answering" (CarrierTimedOut): the turn says so honestly, the write stays kept and retry_pending makes it under the
same key and texts the outcome; the call itself runs on in the background, on its carrier's own few threads
(bot/core/lanes.py: one hung carrier's writes can't queue another's). Reads run
on the request's own thread (their time counts against the budget): on the shared pool, one hung carrier's reads
filled it and every other merchant's calls queued behind them (a second review). A read is bounded by the same
budget from inside the HTTP client (backend.resilience.answer_within: each try's timeouts cut to what is left, no
pause or try past it), so "where is it?" against a hung carrier is answered "not answering" in time too.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from backend.protocol import Backend, BackendError, BackendUnavailable, made_nothing
from backend.resilience import OutOfTime, answer_within
from backend.types import (
    ActionKind,
    ActionOption,
    ActionResult,
    ChangeContext,
    DeliveryAction,
    ProofOfDelivery,
    ResultStatus,
    ReturnInfo,
    ReturnRequest,
    Shipment,
)
from bot.core.lanes import SHARED, Lanes
from bot.core.uow import UnitOfWork

log = logging.getLogger(__name__)

WRITES = frozenset({"apply_action", "create_return", "cancel_order"})
# What one message may spend waiting on its carrier calls, all of them: under Twilio's 15 s webhook timeout with
# room for the rest of the turn (the NLU, the database) and the answer's way back.
ANSWER_WITHIN = 9.0


class NeedsCarrier(Exception):  # noqa: N818 - a signal to the engine, not an error
    """The turn needs an answer from the carrier that the snapshot doesn't have yet: roll back, fetch, replay.

    The service that asked for a write fills in how to keep its answer: `record(uow, answer)` stores it (with
    its audit entry), `on_slow(uow)` queues the job that finishes a write left running; `slow_ok` says a
    write may be left running at all; `before(uow)` keeps the write before the call is made, so a process that
    dies during the call (when the carrier may have made the change) leaves it for retry_pending to settle;
    `on_error(uow)` drops it again when the answer is an error the replayed work reports as "nothing changed"."""

    def __init__(self, key: Hashable, call: Callable[[], Any], *, write: bool) -> None:
        super().__init__(f"carrier call needed: {key}")
        self.key = key
        self.call = call
        self.write = write
        self.lane = ""  # which carrier (bot/core/lanes.py): a write runs on that carrier's own threads
        self.owner = ""  # whose write (the merchant): one merchant can hold only a few lanes busy
        self.slow_ok = False
        self.record: Callable[[UnitOfWork, Any], None] | None = None
        self.on_slow: Callable[[UnitOfWork], None] | None = None
        self.before: Callable[[UnitOfWork], None] | None = None
        # The carrier refused the write outright (a 4xx: BackendRefused, or "no such parcel") and the replayed work
        # will say nothing was changed: drop what `before` kept, so it isn't made later after all. An answer we
        # can't read (a 2xx with a garbled body) may mean it was made: that stays kept, and retry_pending settles it.
        self.on_error: Callable[[UnitOfWork], None] | None = None


class CarrierStillWorking(BackendError):
    """A write the carrier hasn't answered within the deadline; it goes on in the background."""


class CarrierTimedOut(BackendUnavailable):
    """The carrier hasn't answered within the message's budget (ANSWER_WITHIN): read as "not answering"."""


_STILL_WORKING = object()


def _timed_out(*, may_have_arrived: bool = False) -> CarrierTimedOut:
    """A fresh one each time: the answer is raised where the replayed turn asks, and a raise keeps its traceback."""
    return CarrierTimedOut(f"no answer within {ANSWER_WITHIN:.0f} s", may_have_arrived=may_have_arrived)


@dataclass
class CarrierAnswers:
    """What the carrier said during one inbound message (all its replays). Exceptions are answers too."""

    answers: dict[Hashable, Any] = field(default_factory=dict)
    calls: int = 0
    budget: float = ANSWER_WITHIN  # seconds left for this message's calls

    def fetch(self, need: NeedsCarrier, *, executor: Executor, deadline: float) -> None:
        """Make the call (no transaction is open now). A read runs here, its time taken from the message's budget;
        a write gets what is left of it (a change at most `deadline` seconds, then it runs on in the background),
        then is answered "not answering" and runs on."""
        self.calls += 1
        slow_ok = need.write and need.slow_ok
        if not need.write:  # a read runs here, on the request's thread: the shared pool is for writes only, so a
            self.read(need.key, need.call)  # hung carrier's reads can't queue every other merchant's calls (review)
            return
        wait = min(deadline, self.budget) if slow_ok else self.budget
        if wait <= 0:  # spent on this message's earlier calls: not asked at all (a write stays kept for the retry)
            self.answers[need.key] = _timed_out()
            return
        started = time.monotonic()
        future = (executor.submit_to(need.lane or SHARED, _outcome, need.call, owner=need.owner)
                  if isinstance(executor, Lanes)
                  else executor.submit(_outcome, need.call))
        try:
            self.answers[need.key] = future.result(timeout=wait)
        except FutureTimeout:
            if slow_ok:
                log.info("carrier write %s is slow; finishing it in the background", need.key)
                self.answers[need.key] = _STILL_WORKING
            else:
                log.warning("carrier write %s not answered in the %.1f s left of this message's budget; answered "
                            "as not answering", need.key, wait)
                self.answers[need.key] = _timed_out(may_have_arrived=True)  # asked; the call runs on: may be made
        finally:
            self.budget -= time.monotonic() - started

    def read(self, key: Hashable, call: Callable[[], Any]) -> None:
        """A read, on this thread, held to what is left of the budget: fetch's and an inline turn's alike (the
        engine's last resort read with no budget at all, the turn's transaction open: found by review)."""
        if self.budget <= 0:
            self.answers[key] = _timed_out()
            return
        started = time.monotonic()
        with answer_within(self.budget, of=ANSWER_WITHIN):  # the HTTP client's tries and pauses cut to what is left
            answer = _outcome(call)
        self.answers[key] = _timed_out() if isinstance(answer, OutOfTime) else answer
        self.budget -= time.monotonic() - started

    def still_working(self, key: Hashable) -> bool:
        return self.answers.get(key) is _STILL_WORKING

    def made_a_write(self) -> bool:
        """Whether a write of this message was taken, or may have been (an answer, "pending", one still running or
        whose answer was lost): then a turn that fails later must not say nothing was changed. Not a definite no
        (a 4xx, no such parcel) nor an outage met before the write was sent."""
        for key, answer in self.answers.items():
            if not (isinstance(key, tuple) and key and key[0] in WRITES):
                continue
            if made_nothing(answer):
                continue
            if isinstance(answer, BackendUnavailable) and not answer.may_have_arrived:
                continue
            if getattr(answer, "status", None) in (ResultStatus.REJECTED, "rejected"):  # its own no (review)
                continue
            return True
        return False


def keep_ahead(uow: Callable[[], Any], need: NeedsCarrier) -> None:
    """Before the call: keep the write (need.before), so a process killed during the call leaves the change the
    carrier may have made for retry_pending to settle and tell. If it can't be kept (the database just went), the
    call goes ahead: the replayed work then meets the outage itself."""
    if need.before is None:
        return
    try:
        with uow() as work:
            need.before(work)
    except Exception:
        log.exception("couldn't keep the write %s before asking the carrier", need.key)


def keep_answer(uow: Callable[[], Any], need: NeedsCarrier, answers: CarrierAnswers) -> None:
    """After the call: a write's answer is recorded at once, in its own unit of work, whatever the replayed work
    does next (a message that came in between, a code that ran out); one still running gets its follow-up job."""
    try:
        if answers.still_working(need.key):
            if need.on_slow is not None:
                with uow() as work:
                    need.on_slow(work)
        elif need.write and need.record is not None:
            answer = answers.answers[need.key]
            with uow() as work:
                if need.on_error is not None and made_nothing(answer):
                    need.on_error(work)  # it made nothing, and the shopper hears nothing was changed
                else:
                    need.record(work, answer)
    except Exception:  # the replayed work records it itself (the snapshot holds the answer)
        log.exception("couldn't record the carrier's answer to %s at once", need.key)


def _outcome(call: Callable[[], Any]) -> Any:
    """The carrier's answer, or what it raised: any error is an answer the replayed turn meets where it asked
    (inside the turn's own error handling: an honest reply, the message kept)."""
    try:
        return call()
    except BackendError as exc:
        return exc
    except Exception as exc:
        log.exception("the carrier call failed unexpectedly")
        return exc


class Answered:
    """A backend whose write was already answered (outside any transaction): hands that answer to the code
    that records it (backend/changes.py), and never calls the carrier again."""

    is_remote = True

    def __init__(self, name: str, answer: Any) -> None:
        self.name = name
        self._answer = answer

    @property
    def unavailable(self) -> bool:
        """The carrier couldn't be reached (the write is kept and retried); anything else is its answer."""
        return isinstance(self._answer, BackendUnavailable)

    def _give(self) -> Any:
        if isinstance(self._answer, BaseException):
            raise self._answer
        return copy.deepcopy(self._answer)

    def apply_action(self, *_args: Any, **_kwargs: Any) -> ActionResult:
        return self._give()

    def cancel_order(self, *_args: Any, **_kwargs: Any) -> ActionResult:
        return self._give()

    def create_return(self, *_args: Any, **_kwargs: Any) -> ReturnInfo:
        return self._give()


def _freeze(value: Any) -> Hashable:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_freeze(v) for v in value)
    return value if isinstance(value, Hashable) else repr(value)


class CarrierSnapshot:
    """A remote backend as one turn sees it: answers from CarrierAnswers, or NeedsCarrier.

    `inline` (a turn that needed too many answers to replay for each): a missing answer is fetched at once,
    inside the transaction. A last resort that keeps such a turn working; the engine logs it."""

    is_remote = True

    def __init__(self, backend: Backend, answers: CarrierAnswers, *, inline: bool = False) -> None:
        self._backend = backend
        self._answers = answers
        self._inline = inline
        self.name = backend.name
        self.lane: str = getattr(backend, "lane", "") or backend.name
        self.owner: str = getattr(backend, "merchant_slug", "") or ""
        self.supported_actions: frozenset[ActionKind] = backend.supported_actions

    def _ask(self, method: str, *args: Any, **kwargs: Any) -> Any:
        write = method in WRITES
        # A write is one attempt, named by its idempotency key; a read is named by what it asks.
        key = (method, kwargs["idempotency_key"]) if write else (method, _freeze(args), _freeze(kwargs))
        if key not in self._answers.answers:
            if not self._inline:
                need = NeedsCarrier(key, lambda: self._call(method, *args, **kwargs), write=write)
                need.lane, need.owner = self.lane, self.owner
                raise need
            if write:
                self._answers.answers[key] = _outcome(lambda: self._call(method, *args, **kwargs))
            else:
                self._answers.read(key, lambda: self._call(method, *args, **kwargs))
        answer = self._answers.answers[key]
        if answer is _STILL_WORKING:
            raise CarrierStillWorking(f"{self.name} is still working on {method}")
        if isinstance(answer, BaseException):
            raise answer
        return copy.deepcopy(answer)

    def answered(self, method: str, idempotency_key: str) -> bool:
        """The carrier gave this write an answer of its own during the message (taken, refused, or "pending" on
        its side), as opposed to not being reached, still working on it, or not asked at all (an inline turn)."""
        answer = self._answers.answers.get((method, idempotency_key), _STILL_WORKING)
        return answer is not _STILL_WORKING and not isinstance(answer, BaseException)

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        remote = copy.copy(self._backend)
        if hasattr(remote, "pending_sink"):
            remote.pending_sink = None  # backend/changes.py keeps a write the carrier couldn't take, in the turn
        return getattr(remote, method)(*args, **kwargs)

    # -- the Backend protocol ---------------------------------------------------------------------------
    def find_shipments(self, *, phone: str | None = None, email: str | None = None, order_number: str | None = None,
                       tracking_number: str | None = None) -> list[Shipment]:
        return self._ask("find_shipments", phone=phone, email=email, order_number=order_number,
                         tracking_number=tracking_number)

    def get_shipment(self, tracking_number: str) -> Shipment | None:
        return self._ask("get_shipment", tracking_number)

    def available_actions(self, tracking_number: str) -> list[ActionOption]:
        return self._ask("available_actions", tracking_number)

    def proof_of_delivery(self, tracking_number: str) -> ProofOfDelivery | None:
        return self._ask("proof_of_delivery", tracking_number)

    def return_status(self, tracking_number: str) -> ReturnInfo | None:
        return self._ask("return_status", tracking_number)

    def apply_action(self, tracking_number: str, action: DeliveryAction, *, idempotency_key: str,
                     context: ChangeContext) -> ActionResult:
        return self._ask("apply_action", tracking_number, action, idempotency_key=idempotency_key, context=context)

    def create_return(self, tracking_number: str, request: ReturnRequest, *, idempotency_key: str,
                      context: ChangeContext) -> ReturnInfo:
        return self._ask("create_return", tracking_number, request, idempotency_key=idempotency_key, context=context)

    def cancel_order(self, order_number: str, *, idempotency_key: str, context: ChangeContext) -> ActionResult:
        return self._ask("cancel_order", order_number, idempotency_key=idempotency_key, context=context)
