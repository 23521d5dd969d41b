"""Changing a delivery, channel-free: propose (what the carrier offers now), then apply exactly once.

The chat (dialogues/subflows/change.py), and later the console and the tracking page, call this service:
it checks the carrier offers the action, applies it under the idempotency key chosen when the shopper
confirmed, records it with its audit entry in the caller's unit of work (backend/changes.py), announces it
after commit (ChangeApplied), and hands a carrier too slow to answer to the finish_slow_change job.
A remote carrier is never called with a transaction open (bot/core/carrier.py).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from backend import changes as records
from backend import models as m
from backend.pending import (
    PENDING,
    PendingWrite,
    apply_write,
    cancel_write,
    close_kept,
    keep_in_case,
    kept_write,
    mark_arrived,
    note_follow_up,
    return_write,
)
from backend.protocol import Backend, BackendError, BackendRefused, BackendUnavailable
from backend.types import (
    ActionKind,
    ActionOption,
    ActionResult,
    ChangeContext,
    DeliveryAction,
    ResultStatus,
    ReturnInfo,
    ReturnRequest,
    Shipment,
)
from bot.core.carrier import Answered, CarrierSnapshot, CarrierStillWorking, NeedsCarrier
from bot.core.events import ChangeApplied
from bot.core.uow import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")
SLOW_JOB_SAFETY_NET = timedelta(minutes=10)  # a slow change's job not done by then is finished by retry_pending
KEPT_AHEAD = "kept before asking the carrier"  # the kept write's note until an attempt says more


@dataclass(frozen=True)
class ChangeRequest:
    """One confirmed change: what, to which parcel, under which key, asked by whom."""

    tracking: str
    action: DeliveryAction
    key: str
    context: ChangeContext
    conversation_id: int | None = None
    summary: str = ""  # what the shopper was told they confirmed (for the follow-up text)
    # Which carrier's parcel with that number (two carriers' parcels may share one, each someone else's): a change
    # applied later, outside the turn that proved it (a paid one), lands on it and no other.
    carrier: str | None = None


@dataclass(frozen=True)
class Proposal:
    """A change as the carrier offers it now, before anyone confirms: its terms, and the idempotency key
    its one attempt will use (chosen now, so a retried confirmation never applies it twice)."""

    tracking: str
    action: DeliveryAction
    option: ActionOption | None
    key: str

    @property
    def available(self) -> bool:
        return self.option is not None and self.option.available


@dataclass(frozen=True)
class ChangeService:
    def propose(self, backend: Backend, shipment: Shipment, action: DeliveryAction,
                option: ActionOption | None = None) -> Proposal:
        """Propose -> (a code, if needed: CodeService) -> apply. Not available: `option` says why (or None:
        the carrier never offers it)."""
        return Proposal(shipment.tracking_number, action, option or self.option(backend, shipment, action.kind),
                        f"chg-{uuid.uuid4().hex}")

    def option(self, backend: Backend, shipment: Shipment, kind: ActionKind) -> ActionOption | None:
        """The carrier's terms for `kind` on this parcel now (None: it never offers it)."""
        if kind not in backend.supported_actions:
            return None
        return next((o for o in backend.available_actions(shipment.tracking_number) if o.kind == kind), None)

    def options(self, backend: Backend, shipment: Shipment) -> dict[ActionKind, list[ActionOption]]:
        """Every kind the carrier offers for this parcel now (a kind may come in several fee tiers)."""
        out: dict[ActionKind, list[ActionOption]] = {}
        for option in backend.available_actions(shipment.tracking_number):
            if option.available and option.kind in backend.supported_actions:
                out.setdefault(option.kind, []).append(option)
        return out

    @staticmethod
    def made(uow: UnitOfWork, merchant: m.Merchant, key: str) -> m.DeliveryChange | None:
        """The change under `key` if the carrier has already made it: a write kept for later (a worker killed
        during the call, the carrier down) may be settled by retry_pending while its question is still open."""
        change = records.stored_change(uow.session, merchant.id, key) if key else None
        return change if change is not None and change.status == ResultStatus.ACCEPTED.value else None

    @staticmethod
    def in_flight(uow: UnitOfWork, merchant: m.Merchant, key: str) -> bool:
        """A write under `key` was kept ahead of its carrier call and is not settled: the call is under way (or its
        worker died, and retry_pending makes it). A remote carrier is asked with no lock held, so the shopper's next
        message can arrive meanwhile (bot/core/carrier.py)."""
        kept = kept_write(uow.session, merchant.id, key) if key else None
        return kept is not None and kept.status == PENDING

    def apply(self, uow: UnitOfWork, backend: Backend, merchant: m.Merchant, request: ChangeRequest,
              now: datetime) -> ActionResult | None:
        """Apply once. None: the carrier is still working on it; the shopper is texted when it answers.

        A remote carrier is asked with no transaction open (bot/core/carrier.py): its answer is recorded here,
        at once, in a unit of work of its own, whatever the replayed turn then does."""
        merchant_id = merchant.id
        kept = partial(apply_write, request.tracking, request.action, request.context, request.key, KEPT_AHEAD)

        def apply(other: UnitOfWork, via: Backend | Answered, shop: m.Merchant) -> ActionResult:
            result = records.apply_change(other.session, via, shop, request.tracking, request.action,
                                          idempotency_key=request.key, context=request.context, now=now)
            _follow_kept(other, via, shop.id, "apply_action", request.key, result.status, request.conversation_id,
                         request.summary)
            self.announce(other, shop, request.tracking, request.action.kind.value, result, request.conversation_id,
                          now)
            return result

        def finish_later(other: UnitOfWork) -> None:
            other.enqueue("finish_slow_change", merchant_id=merchant_id, tracking=request.tracking,
                          action=request.action.kind.value, params=request.action.params,
                          fee_accepted=request.action.fee_accepted, key=request.key, actor=request.context.actor,
                          channel=request.context.channel, verified_by=request.context.verified_by,
                          conversation_id=request.conversation_id, summary=request.summary)
            _keep_ahead(other, merchant_id, kept, request.conversation_id, request.summary, now)

        try:
            return _recorded(uow, backend, merchant, apply, on_slow=finish_later,
                             before=lambda other: _keep_ahead(other, merchant_id, kept, request.conversation_id,
                                                              request.summary, now))
        except CarrierStillWorking:
            return None  # the engine queued finish_slow_change when the deadline passed
        except BackendError as exc:  # not "down" (that is kept and retried): a refusal we couldn't read
            log.warning("backend error applying a change: %s", exc)
            if not isinstance(exc, BackendRefused):  # an answer we couldn't read: it may have been made (review)
                mark_arrived(uow.session, merchant_id, request.key)
            return ActionResult(ResultStatus.PENDING, reason=str(exc))

    def cancel_order(self, uow: UnitOfWork, backend: Backend, merchant: m.Merchant, order: str, *, key: str,
                     context: ChangeContext, tracking: str | None, now: datetime,
                     conversation_id: int | None = None) -> ActionResult:
        merchant_id = merchant.id
        kept = partial(cancel_write, order, context, key, KEPT_AHEAD)

        def cancel(other: UnitOfWork, via: Backend | Answered, shop: m.Merchant) -> ActionResult:
            result = records.cancel_order(other.session, via, shop, order, idempotency_key=key, context=context,
                                          tracking_number=tracking, now=now)
            _follow_kept(other, via, shop.id, "cancel_order", key, result.status, conversation_id, "")
            self.announce(other, shop, tracking or f"#{order}", records.CANCEL_ACTION, result, conversation_id, now)
            return result

        try:
            return _recorded(uow, backend, merchant, cancel,
                             before=lambda other: _keep_ahead(other, merchant_id, kept, conversation_id, "", now),
                             on_error=lambda other: close_kept(other.session, merchant_id, key))
        except BackendError as exc:
            _kept_as_unreadable(exc, uow, merchant_id, key)
            return ActionResult(ResultStatus.PENDING, reason=str(exc))

    def create_return(self, uow: UnitOfWork, backend: Backend, merchant: m.Merchant, tracking: str,
                      request: ReturnRequest, *, key: str, context: ChangeContext, now: datetime,
                      conversation_id: int | None = None) -> ReturnInfo:
        merchant_id = merchant.id
        kept = partial(return_write, tracking, request, context, key, KEPT_AHEAD)

        def create(other: UnitOfWork, via: Backend | Answered, shop: m.Merchant) -> ReturnInfo:
            info = records.create_return(other.session, via, shop, tracking, request, idempotency_key=key,
                                         context=context, now=now)
            status = ResultStatus.PENDING if info.status == "pending" else records.return_result(info)
            _follow_kept(other, via, shop.id, "create_return", key, status, conversation_id, "")
            self.announce(other, shop, tracking, records.RETURN_ACTION, ActionResult(status, info.reference or None),
                          conversation_id, now)
            return info

        try:
            return _recorded(uow, backend, merchant, create,
                             before=lambda other: _keep_ahead(other, merchant_id, kept, conversation_id, "", now),
                             on_error=lambda other: close_kept(other.session, merchant_id, key))
        except BackendError as exc:
            _kept_as_unreadable(exc, uow, merchant_id, key)
            return ReturnInfo(reference="", status="pending")

    @staticmethod
    def announce(uow: UnitOfWork, merchant: m.Merchant, tracking: str, action: str, result: ActionResult,
                 conversation_id: int | None, now: datetime) -> None:
        uow.publish(ChangeApplied(merchant_id=merchant.id, at=now, tracking_number=tracking, action=action,
                                  status=result.status.value, reference=result.reference,
                                  conversation_id=conversation_id))


def _kept_as_unreadable(exc: BackendError, uow: UnitOfWork, merchant_id: int, key: str) -> None:
    """Re-raise all but an answer we couldn't read. That one (a 2xx whose body isn't the carrier's JSON) may mean
    the cancellation or return was made: its copy kept before the call stays, retry_pending asks again under the
    same key and texts the outcome, so the shopper is told "not confirmed yet", never "nothing has been changed"
    (review: they were told that, then texted "it's cancelled"). A definite no (a 4xx: BackendRefused) made nothing
    and its copy was dropped: the turn says so. The carrier still working, or down, is handled where it is met."""
    if isinstance(exc, BackendRefused | BackendUnavailable | CarrierStillWorking):
        raise exc
    log.warning("an answer we could not read from the carrier: %s", exc)
    mark_arrived(uow.session, merchant_id, key)  # given up later: "we can't tell", never "not changed"


def _keep_ahead(uow: UnitOfWork, merchant_id: int, kept: Callable[[], PendingWrite], conversation_id: int | None,
                summary: str, now: datetime) -> None:
    """Kept, due only later, before the carrier is asked (a worker killed during the call, or after it but before
    the turn that tells the shopper commits) and when a job is to finish it (the job is asked for after commit, and
    lost if the queue is away): whoever tells the shopper the answer closes it; if nobody does, retry_pending
    settles it under the same key (or finds it settled) and texts the shopper (docs/faults.md)."""
    write = kept()  # built only when a remote carrier is about to be asked: never for our own carrier's changes
    keep_in_case(uow.session, merchant_id=merchant_id, write=write, first_try_at=now + SLOW_JOB_SAFETY_NET, now=now)
    note_follow_up(uow.session, merchant_id, write.idempotency_key, conversation_id=conversation_id, summary=summary)


def _follow_kept(uow: UnitOfWork, via: Backend | Answered, merchant_id: int, method: str, key: str,
                 status: ResultStatus, conversation_id: int | None, summary: str) -> None:
    """The kept copy of a write, after it was recorded. The turn that replies with the carrier's answer closes it
    in its transaction (its own "pending" is an answer too: by the carrier contract the outcome follows as tracking
    events, and asking again under the same key returns the same "pending"). The answer recorded at once (`via` is
    Answered, its own unit of work) leaves it open: the turn that tells the shopper may still die before its
    commit, and retry_pending then tells them. A turn that tells them a settled outcome from the stored result (a
    YES sent again after a worker died, a turn run again on a fresh connection) closes it too: it tells them as
    surely, and left open, retry_pending texted the same outcome ten minutes later (found by review). A write the
    carrier couldn't take (kept: "pending" of our own) notes whom to tell."""
    if isinstance(via, CarrierSnapshot) and (via.answered(method, key) or status is not ResultStatus.PENDING):
        close_kept(uow.session, merchant_id, key)
    elif status is ResultStatus.PENDING:
        note_follow_up(uow.session, merchant_id, key, conversation_id=conversation_id, summary=summary)


def _recorded(uow: UnitOfWork, backend: Backend, merchant: m.Merchant,
              write: Callable[[UnitOfWork, Backend | Answered, m.Merchant], T], *,
              on_slow: Callable[[UnitOfWork], None] | None = None,
              before: Callable[[UnitOfWork], None] | None = None,
              on_error: Callable[[UnitOfWork], None] | None = None) -> T:
    """Make and record a write in this unit of work. If a remote carrier must be asked first, the engine asks
    it with no transaction open and records its answer through `write` at once, in a unit of work of its own
    (bot/core/carrier.py); `on_slow`: the follow-up for a change left running past the deadline; `before`: how
    to keep the write before the call is made; `on_error`: how to drop it again when the carrier's answer is an
    error the caller reports as "nothing changed" (a cancellation, a return; a change is told "pending" instead
    and kept for retry_pending, which tells the outcome)."""
    merchant_id = merchant.id
    try:
        return write(uow, backend, merchant)
    except NeedsCarrier as need:
        need.record = lambda other, answer: write(other, Answered(backend.name, answer),
                                                  other.session.get(m.Merchant, merchant_id))
        if on_slow is not None:
            need.slow_ok, need.on_slow = True, on_slow
        need.before, need.on_error = before, on_error
        raise
