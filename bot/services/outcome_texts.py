"""Texting the shopper what became of a change they were told would follow ("I'll text you as soon as they do").

Three paths keep that promise: the retry job settling a kept write (dedupe key `kept:<key>`), the slow-change job
finishing a change the carrier was too slow to confirm (`slow-change:<key>`), and a carrier reporting a pending
change's outcome (`outcome:<key>`, POST /api/v1/changes/<key>/outcome). They differ only in the dedupe key and
the words, so they share one way to the shopper: through the outbox in the caller's unit of work, in the
merchant's wording, once per key, announced and sent after commit. A service, not a job: the API settles
reported outcomes too, and the web layer does not reach into the jobs.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from backend.reasons import Reason
from backend.types import ActionResult, ResultStatus
from bot.core.outbox import by_key, text_once
from bot.core.reach import Destination, later_destination
from bot.core.uow import UnitOfWork
from bot.core.wording import Rendered, Voice, Wording

log = logging.getLogger(__name__)


def tell_outcome(wording: Wording, uow: UnitOfWork, req: m.PendingRequest, outcome: dict[str, Any], *,
                 dedupe_key: str) -> bool:
    """Text the shopper who asked for this kept write what became of it (once per dedupe key); True if queued
    now. For the retry job's settled writes and for an outcome the carrier reports later."""
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
    return _tell(uow, merchant, conv, to, _body(say, req, outcome), dedupe_key=dedupe_key)


def tell_slow_change(uow: UnitOfWork, merchant: m.Merchant, say: Voice, conv: m.Conversation | None,
                     to: Destination | None, result: ActionResult, *, key: str, summary: Rendered) -> bool:
    """Text the shopper the result of a change finished in the background (once per change); True if queued now."""
    if conv is None or to is None:
        log.warning("finish_slow_change: no conversation to tell about change %s", key)
        return False
    if by_key(uow.session, merchant.id, f"kept:{key}") is not None:
        return False  # the job ran late: retry_pending already finished the change and told them
    reason = say.reason(result.reason_code, result.reason) if result.status is ResultStatus.REJECTED else ""
    body = _change_words(say, result.status.value, summary, reference=result.reference, reason=reason)
    return _tell(uow, merchant, conv, to, body, dedupe_key=f"slow-change:{key}")


def summary_of(say: Voice, summary: str | None, action: str, tracking: str) -> Rendered:
    """The change in the words the shopper confirmed, else its kind and parcel."""
    if summary:
        return say("utter_slow_change_given_summary", summary=summary, tracking=tracking)
    what = say(f"label_{action}") if say.has(f"label_{action}") else action.replace("_", " ")
    return say("utter_slow_change_summary", tracking=tracking, what=what)


def _tell(uow: UnitOfWork, merchant: m.Merchant, conv: m.Conversation, to: Destination, body: Rendered, *,
          dedupe_key: str) -> bool:
    """The one way an outcome reaches the shopper: once per key (a job run twice texts once), sent after commit
    (the periodic sender catches up if it can't be)."""
    return text_once(uow.session, uow.publish, merchant=merchant, channel=to.channel, to=to.address, body=body,
                     conversation_id=conv.id, dedupe_key=dedupe_key, enqueue=uow.enqueue) is not None


def _change_words(say: Voice, status: str, summary: Rendered, *, reference: str | None,
                  reason: Rendered | str) -> Rendered:
    """A delivery change's outcome, told later: the same words whichever path settled it."""
    if status == ResultStatus.ACCEPTED:
        return say("utter_change_confirmed_later", summary=summary, reference=reference or "")
    if status == ResultStatus.PENDING:  # the carrier took it and works on it: its outcome follows as events
        return say("utter_change_pending", summary=summary)
    return say("utter_change_rejected_later", reason=reason)


def _parcel_of(session: Session, req: m.PendingRequest) -> str | None:
    """The parcel a kept write is about: its own, or (an order's cancellation) the one its change is filed under."""
    tracking = (req.payload or {}).get("tracking_number")
    if tracking or req.merchant_id is None:
        return tracking
    change = session.scalar(select(m.DeliveryChange.tracking_number).where(
        m.DeliveryChange.merchant_id == req.merchant_id, m.DeliveryChange.idempotency_key == req.idempotency_key))
    return change if change and not change.startswith("#") else None


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
    status = outcome.get("status")
    accepted = status == "accepted"
    if status == "pending":
        if req.kind == "cancel_order":
            return say("utter_cancel_order_pending", order=str(p.get("order_number") or ""))
        return _change_words(say, "pending", _what_they_asked(say, p), reference=None, reason="")
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
    return _change_words(say, "accepted" if accepted else "rejected", _what_they_asked(say, p),
                         reference=reference, reason=reason)


def _what_they_asked(say: Voice, p: dict[str, Any]) -> Rendered:
    """The change in the words the shopper confirmed (noted with the kept write), else its kind and parcel."""
    summary = str(((p.get("follow_up") or {}).get("summary")) or "")
    action = str((p.get("action") or {}).get("kind") or "")
    return summary_of(say, summary, action, str(p.get("tracking_number") or ""))
