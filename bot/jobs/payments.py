"""Payments' background work: apply a paid change once, refund what can't be kept, close links left unpaid.

apply_paid_change runs after the payment is recorded paid (queued after that commit). Like finish_slow_change,
it asks a remote carrier with no transaction open, under the change's own idempotency key (a carrier that
already applied it just answers again; a change we already recorded is not asked at all), then records the
result in one unit of work: applied (the shopper texted "done"), or refused (failed, refunded in full).
refund_payment asks the provider with no transaction open either, and records the refund after. The periodic
expire_payments closes open links past their expiry and picks up work a crashed job left (a payment paid but
not applied after a few minutes, a refund that failed).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from backend import models as m
from backend.changes import apply_change, stored_change
from backend.protocol import BackendError, BackendUnavailable, made_nothing, pin_parcel, scope_to_viewer
from backend.reasons import from_stored
from backend.serialize import action_from_json
from backend.types import ActionResult, ChangeContext, ResultStatus
from bot.core.carrier import Answered
from bot.core.payments import PaymentError
from bot.jobs.carrier_calls import ask, carrier_to_ask
from bot.jobs.registry import JobContext, job
from bot.services.changes import ChangeService
from bot.services.payments import EXPIRED, FAILED, PAID, paid_amount, paid_currency

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=5)  # a paid change not applied by then is tried again (same key)
MAX_REFUND_TRIES = 20


@job("apply_paid_change")
def apply_paid_change(ctx: JobContext, *, payment_id: int) -> str:
    """Apply the paid change once; returns the payment's status afterwards."""
    now = ctx.clock()
    with ctx.sessions() as session:  # a short read, finished before any network call
        payment = session.get(m.Payment, payment_id)
        if payment is None or payment.status != PAID:
            return payment.status if payment else "missing"
        merchant = session.get(m.Merchant, payment.merchant_id)
        action, key, tracking = action_from_json(payment.action), payment.idempotency_key, payment.tracking_number
        context = _context(payment.detail)
        recorded, remote = carrier_to_ask(ctx, session, merchant, key, now)
        session.commit()
    answered = ask(remote, tracking, action, key, context)
    with ctx.uow() as uow:
        session = uow.session
        payment = session.scalar(select(m.Payment).where(m.Payment.id == payment_id).with_for_update())
        if payment is None or payment.status != PAID:  # another run got here first
            return payment.status if payment else "missing"
        merchant = session.get(m.Merchant, payment.merchant_id)
        if answered is not None or recorded:
            backend = answered or Answered("recorded", BackendError("no answer for a change that wasn't recorded"))
        else:  # our own carrier (the reference one) shares this transaction
            backend = _the_paid_parcel(ctx.backends(session, merchant, now), tracking, payment.detail)
        result = apply_change(session, _PaidWrite(backend), merchant, tracking, action, idempotency_key=key,
                              context=context, now=now)
        ChangeService.announce(uow, merchant, tracking, action.kind.value, result, payment.conversation_id, now)
        payments = ctx.services.payments
        if result.status is ResultStatus.ACCEPTED:
            payments.applied(uow, payment, result.reference or "", now)
        elif result.status is ResultStatus.REJECTED:
            _refused(ctx, uow, payment, merchant, result.reason_code, result.reason, now)
        else:  # kept for the carrier (down): retried by retry_pending; expire_payments settles the payment
            log.info("payment %s: change %s pending at the carrier", payment_id, key)
            payments.tell(uow, payment, "utter_change_pending", summary=str(payment.detail.get("summary") or ""))
        return payment.status


def _the_paid_parcel(backend: Any, tracking: str, detail: dict | None) -> Any:
    """Our own carrier, pinned to the parcel the shopper proved and paid for: two carriers' parcels may share a
    number, each someone else's (review 3). A payment started before it named the carrier, on a shared number,
    lands on none (scoped to no one), never on the newest."""
    carrier = (detail or {}).get("carrier")
    if carrier:
        pin_parcel(backend, tracking, str(carrier))
    else:
        scope_to_viewer(backend, None)
    return backend


def _refused(ctx: JobContext, uow: Any, payment: m.Payment, merchant: m.Merchant, code: Any, words: str | None,
             now: datetime) -> None:  # fmt: skip
    """Refunded and told why, in the shopper's words on their own channel (never a stored code: review)."""
    session = uow.session
    conv = session.get(m.Conversation, payment.conversation_id) if payment.conversation_id else None
    say = ctx.wording.voice(merchant, conv.channel if conv else None)
    ctx.services.payments.refused(uow, payment, str(say.reason(code, words)), now)


class _PaidWrite:
    """The carrier's error answers to a paid change, as outcomes the payment can be settled from. A definite no (a
    4xx, no such parcel) made nothing: recorded refused, so the payment is refunded and the shopper told (review:
    it escaped the job, nothing was recorded, and expire_payments asked the carrier again every minute while the
    shopper's money stayed taken). An answer we can't read may mean it was made: kept for retry_pending under the
    same key like an outage, whose settled outcome settles the payment (expire_payments)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.name = backend.name

    def apply_action(self, *args: Any, **kwargs: Any) -> ActionResult:
        try:
            return self._backend.apply_action(*args, **kwargs)
        except BackendUnavailable:
            raise
        except (BackendError, LookupError) as exc:
            if made_nothing(exc):
                return ActionResult(ResultStatus.REJECTED, reason=str(exc) or None)
            # kept with it: given up later, "we can't tell" (review)
            raise BackendUnavailable(f"an answer we could not read: {exc}", may_have_arrived=True) from exc


def _context(detail: dict[str, Any]) -> ChangeContext:
    return ChangeContext(actor=str(detail.get("actor") or "system:payments"), channel=detail.get("channel"),
                         verified_by=detail.get("verified_by"))


@job("refund_payment")
def refund_payment(ctx: JobContext, *, payment_id: int) -> str:
    """Refund a paid payment that was refused or came late, in full, once (the provider's idempotency key)."""
    now = ctx.clock()
    with ctx.sessions() as session:
        payment = session.get(m.Payment, payment_id)
        if payment is None or not _refund_due(payment):
            return "skipped"
        merchant = session.get(m.Merchant, payment.merchant_id)
        provider = ctx.services.payments.provider_for(merchant)
        charge_ref = str(payment.detail.get("charge_ref") or payment.provider_ref)
        amount, currency = paid_amount(payment), paid_currency(payment)  # what was paid, if not what was asked
        session.commit()
    try:
        refund = provider.refund(charge_ref, amount, currency, idempotency_key=f"parcelbot-refund-{payment_id}")
    except PaymentError as exc:
        log.warning("payment %s: refund failed: %s", payment_id, exc)
        with ctx.sessions() as session, session.begin():
            # Locked and read afresh: another run may have refunded it meanwhile (the provider refused this one
            # because that one, under the same key, was in flight). Its record stands; this failure changes nothing
            # (review: the whole detail read before it was written back, erasing the refund's record).
            payment = session.scalar(select(m.Payment).where(m.Payment.id == payment_id).with_for_update())
            if payment is None or not _refund_due(payment):
                return "skipped"
            tries = int(payment.detail.get("refund_tries") or 0) + 1
            payment.detail = {**payment.detail, "refund_error": str(exc)[:300], "refund_tries": tries}
        return "error"
    with ctx.uow() as uow:
        payment = uow.session.scalar(select(m.Payment).where(m.Payment.id == payment_id).with_for_update())
        if payment is None or not _refund_due(payment):
            return "skipped"
        ctx.services.payments.refunded(uow, payment, refund.ref, refund.amount, now)
    return "refunded"


def _refund_due(payment: m.Payment) -> bool:
    return payment.paid_at is not None and payment.refunded_amount is None and payment.status in (FAILED, EXPIRED)


@job("expire_payments")
def expire_payments(ctx: JobContext) -> int:
    """Close links past their expiry; retry a paid change or a refund a failed job left. Returns how many closed."""
    now = ctx.clock()
    with ctx.uow() as uow:
        closed = ctx.services.payments.expire_due(uow, now)
    with ctx.sessions() as session:
        stuck = list(session.scalars(select(m.Payment.id).where(m.Payment.status == PAID,
                                                                m.Payment.paid_at < now - STUCK_AFTER).limit(50)))
        owed = [p.id for p in session.scalars(select(m.Payment).where(
            m.Payment.paid_at.is_not(None), m.Payment.refunded_amount.is_(None),
            or_(m.Payment.status == FAILED, m.Payment.status == EXPIRED)).limit(50))
            if int(p.detail.get("refund_tries") or 0) < MAX_REFUND_TRIES]
        session.commit()
    for payment_id in stuck:
        _settle_or_retry(ctx, payment_id)
    for payment_id in owed:
        ctx.jobs.enqueue("refund_payment", payment_id=payment_id)
    return closed


def _settle_or_retry(ctx: JobContext, payment_id: int) -> None:
    """A paid change whose carrier write was kept (down) and later went through: settle the payment from the
    recorded change; else apply it again under the same key."""
    now = ctx.clock()
    with ctx.uow() as uow:
        payment = uow.session.scalar(select(m.Payment).where(m.Payment.id == payment_id).with_for_update())
        if payment is None or payment.status != PAID:
            return
        change = stored_change(uow.session, payment.merchant_id, payment.idempotency_key)
        if change is None:
            uow.enqueue("apply_paid_change", payment_id=payment_id)
        elif change.status == ResultStatus.ACCEPTED.value:
            ctx.services.payments.applied(uow, payment, change.reference or "", now)
        elif change.status == ResultStatus.REJECTED.value:  # in the shopper's words, not the stored code (review)
            merchant = uow.session.get(m.Merchant, payment.merchant_id)
            _refused(ctx, uow, payment, merchant, *from_stored(change.reason), now)
