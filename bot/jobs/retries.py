"""Carrier writes that could not be made (the far side was down) are retried from pending_requests.

Claimed in one short transaction, sent with none open, recorded in another (backend/retry.py): a carrier
that is still slow holds nobody up. When a write is settled for good (applied, refused, or given up after the
last try) the shopper who asked is texted the outcome in the same unit of work, through the outbox in the
merchant's wording: they were told "I'll text you as soon as they do", and this is that text. A dedupe key per
write means a job that runs twice texts once. A paid change is told by its payment instead (bot/jobs/payments.py).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from backend.protocol import BackendUnavailable
from backend.reasons import Reason
from backend.retry import Claimed, already_settled, attempt, claim_due, close_settled, record, renew
from bot.core.outbox import OptedOut, announced, by_key, queue_message
from bot.core.reach import later_destination
from bot.core.uow import UnitOfWork
from bot.core.wording import Rendered, Voice, Wording
from bot.jobs.registry import JobContext, job
from bot.jobs.slow_changes import _summary

log = logging.getLogger(__name__)


@job("retry_pending")
def retry_pending_job(ctx: JobContext, now: str | None = None, **_: Any) -> int:
    """Claim the due writes, call the carrier with no transaction open, record and tell. Returns how many went
    through."""
    moment = datetime.fromisoformat(now) if now else ctx.clock()
    clock = (lambda: moment) if now else ctx.clock  # each renewal and record reads it afresh (leases, backoff)
    with ctx.sessions() as session, session.begin():
        claimed = claim_due(session, moment)
    done = 0
    for item in claimed:
        with ctx.sessions() as session, session.begin():
            renewed = renew(session, item, clock())
        if renewed is None:
            continue  # another worker took it after our lease ran out
        item = renewed  # noqa: PLW2901 - the claim as now leased
        with ctx.sessions() as session:
            if already_settled(session, item):  # settled meanwhile: no call; told here unless someone told them
                session.commit()
                with ctx.uow() as uow:
                    closed = close_settled(uow.session, item)
                    if closed is not None and not _told(uow.session, item):
                        _tell(ctx, uow, *closed)
                continue
            merchant = session.get(m.Merchant, item.merchant_id) if item.merchant_id is not None else None
            try:
                backend = ctx.backends(session, merchant, moment) if merchant is not None else None
            except Exception as exc:  # noqa: BLE001 - a carrier set up wrong (a secret name the rules refuse)
                # is this write's trouble, not the run's: counted as "not answering" (nothing was sent), the rest
                # of the batch goes on (found by review: the run ended here, for good, every run)
                log.warning("kept write %s: its carrier can't be built (%s)", item.id, exc)
                outcome: dict[str, Any] | BaseException = BackendUnavailable(f"the carrier can't be set up: {exc}")
            else:
                session.commit()  # nothing stays open while the far side is called
                outcome = attempt(item, backend)
        with ctx.uow() as uow:
            done += record(uow.session, item, outcome, clock(),
                           on_settled=lambda session, req, result, uow=uow: _tell(ctx, uow, req, result))
    return done


def _tell(ctx: JobContext, uow: UnitOfWork, req: m.PendingRequest, outcome: dict[str, Any]) -> None:
    tell_outcome(ctx.wording, uow, req, outcome, dedupe_key=f"kept:{req.idempotency_key}")


def tell_outcome(wording: Wording, uow: UnitOfWork, req: m.PendingRequest, outcome: dict[str, Any], *,
                 dedupe_key: str) -> bool:
    """Text the shopper who asked for this write what became of it (once per dedupe key); True if queued. Also
    for an outcome the carrier reports later (POST /api/v1/changes/<key>/outcome)."""
    session = uow.session
    if session.scalar(select(m.Payment.id).where(m.Payment.merchant_id == req.merchant_id,
                                                 m.Payment.idempotency_key == req.idempotency_key)):
        return False  # a paid change: expire_payments settles the payment and tells the shopper from it
    merchant = session.get(m.Merchant, req.merchant_id) if req.merchant_id is not None else None
    conv = _conversation(session, req)
    if merchant is None or conv is None:
        log.warning("kept write %s settled (%s); no conversation to tell", req.id, outcome.get("status"))
        return False
    to = later_destination(session, merchant, conv, _parcel_of(session, req))
    say = wording.voice(merchant, to.channel)
    try:
        queued = queue_message(session, merchant=merchant, channel=to.channel, to=to.address,
                               body=_body(say, req, outcome), conversation_id=conv.id, dedupe_key=dedupe_key)
    except OptedOut:
        log.info("kept write %s settled; %s opted out, not texted", req.id, to.address)
        return False
    if queued.existed:
        return False
    uow.publish(announced(queued.message))
    uow.enqueue("send_outbox")  # after commit; the periodic sender catches up if this can't be queued
    return True


def _parcel_of(session: Session, req: m.PendingRequest) -> str | None:
    """The parcel a kept write is about: its own, or (an order's cancellation) the one its change is filed under."""
    tracking = (req.payload or {}).get("tracking_number")
    if tracking or req.merchant_id is None:
        return tracking
    change = session.scalar(select(m.DeliveryChange.tracking_number).where(
        m.DeliveryChange.merchant_id == req.merchant_id, m.DeliveryChange.idempotency_key == req.idempotency_key))
    return change if change and not change.startswith("#") else None


def _told(session: Session, item: Claimed) -> bool:
    """A text about this write already queued (a finish_slow_change job's, or this job's on an earlier run)."""
    keys = (f"kept:{item.idempotency_key}", f"slow-change:{item.idempotency_key}", f"outcome:{item.idempotency_key}")
    return any(by_key(session, item.merchant_id, key) is not None for key in keys) if item.merchant_id else True


def _conversation(session: Session, req: m.PendingRequest) -> m.Conversation | None:
    """Whom to tell: the conversation noted when the write was kept, else the asker's own on that channel."""
    follow = (req.payload or {}).get("follow_up") or {}
    if follow.get("conversation_id"):
        conv = session.get(m.Conversation, int(follow["conversation_id"]))
        return conv if conv is not None and conv.merchant_id == req.merchant_id else None  # never another's
    context = (req.payload or {}).get("context") or {}
    return session.scalar(select(m.Conversation).where(
        m.Conversation.merchant_id == req.merchant_id, m.Conversation.channel == context.get("channel"),
        m.Conversation.address == context.get("actor")))


def _body(say: Voice, req: m.PendingRequest, outcome: dict[str, Any]) -> Rendered:
    p = req.payload or {}
    accepted = outcome.get("status") == "accepted"
    if outcome.get("status") == "pending":  # the carrier took it and works on it: its outcome follows as events
        if req.kind == "cancel_order":
            return say("utter_cancel_order_pending", order=str(p.get("order_number") or ""))
        return say("utter_change_pending", summary=_what_they_asked(say, p))
    if (outcome.get("reason_code") or {}).get("code") == "gave_up_unsure":  # backend/retry.py: it may have been made
        subject = (say("utter_kept_unsure_subject_order", order=str(p.get("order_number") or ""))
                   if req.kind == "cancel_order" else
                   say("utter_kept_unsure_subject_parcel", tracking=str(p.get("tracking_number") or "")))
        return say("utter_kept_unsure_later", subject=subject)
    reference = outcome.get("reference") or ""
    reason = say.reason(Reason.from_json(outcome.get("reason_code")), outcome.get("reason"))
    if req.kind == "cancel_order":
        order = str(p.get("order_number") or "")
        if accepted:
            return say("utter_cancel_order_done_later", order=order, reference=reference)
        return say("utter_cancel_order_refused_later", order=order, reason=reason)
    tracking = str(p.get("tracking_number") or "")
    if req.kind == "create_return":
        if accepted:
            return say("utter_return_ready_later", tracking=tracking, reference=reference)
        return say("utter_return_refused_later", tracking=tracking, reason=reason)
    if accepted:
        return say("utter_change_confirmed_later", summary=_what_they_asked(say, p), reference=reference)
    return say("utter_change_rejected_later", reason=reason)


def _what_they_asked(say: Voice, p: dict[str, Any]) -> Rendered:
    """The change in the words the shopper confirmed (noted with the kept write), else its kind and parcel."""
    summary = str(((p.get("follow_up") or {}).get("summary")) or "")
    action = str((p.get("action") or {}).get("kind") or "")
    return _summary(say, summary, action, str(p.get("tracking_number") or ""))
