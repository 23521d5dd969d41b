"""Making a change through any backend exactly once, with its record and audit entry in the same transaction.

The idempotency key names one attempt (one shopper confirmation). Asking again with the same key returns
the stored answer without calling the carrier: a retried webhook or a double tap never changes a parcel
twice. A different attempt (say, after accepting a fee) needs a new key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import models as m
from backend.pending import PendingWrite, apply_write, cancel_write, note_arrival, return_write, store_pending
from backend.protocol import Backend, BackendUnavailable
from backend.reasons import Reason, because, from_stored, to_stored
from backend.serialize import (
    action_to_json,
    return_info_from_json,
    return_info_to_json,
    return_request_to_json,
)
from backend.types import (
    ActionResult,
    ChangeContext,
    DeliveryAction,
    ResultStatus,
    ReturnInfo,
    ReturnRequest,
)

PENDING_REASON = because("carrier_not_answering_kept")
RETURN_ACTION = "start_return"
CANCEL_ACTION = "cancel_order"


def stored_change(session: Session, merchant_id: int | None, key: str) -> m.DeliveryChange | None:
    """The merchant's change under this idempotency key. Only the merchant's: a key may come from a merchant's
    own system (the conversation API), so another merchant's change under it is not this one (migration 0007)."""
    return session.scalar(select(m.DeliveryChange).where(m.DeliveryChange.merchant_id == merchant_id,
                                                         m.DeliveryChange.idempotency_key == key))


def as_result(change: m.DeliveryChange) -> ActionResult:
    """A stored change as the result it recorded (the carrier's words and our reason code)."""
    code, text = from_stored(change.reason)
    return ActionResult(ResultStatus(change.status), change.reference, text, code)


def _audit_reason(code: Reason | None, text: str | None) -> dict[str, Any]:
    """The reason as the audit log keeps it: the carrier's words and our code, side by side."""
    return {"reason": text, "reason_code": code.to_json() if code else None}


def _record(
    session: Session,
    merchant: m.Merchant,
    *,
    subject: str,
    action: str,
    params: dict[str, Any],
    key: str,
    result: ActionResult,
    context: ChangeContext,
    backend_name: str,
    now: datetime,
) -> m.DeliveryChange:
    """The delivery change and its audit entry, or the row a concurrent worker stored first for this key."""
    change = m.DeliveryChange(
        merchant_id=merchant.id,
        tracking_number=subject[:40],
        action=action,
        params=params,
        idempotency_key=key,
        status=result.status.value,
        reason=to_stored(result.reason_code, result.reason),  # free text, or "code:{json}" (backend/reasons.py)
        reference=result.reference,
        channel=context.channel,
        verified_by=context.verified_by,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(change)
            session.flush()
    except IntegrityError:
        winner = stored_change(session, merchant.id, key)
        if winner is None:
            raise
        return winner
    session.add(
        m.AuditEntry(
            at=now,
            merchant_id=merchant.id,
            actor=context.actor,
            action=action,
            subject=subject[:64],
            channel=context.channel,
            verification=context.verified_by,
            result=result.status.value,
            reference=result.reference,
            detail={"params": params, **_audit_reason(result.reason_code, result.reason), "idempotency_key": key,
                    "backend": backend_name},
        )
    )
    session.flush()
    return change


def apply_change(
    session: Session,
    backend: Backend,
    merchant: m.Merchant,
    tracking_number: str,
    action: DeliveryAction,
    *,
    idempotency_key: str,
    context: ChangeContext,
    now: datetime | None = None,
) -> ActionResult:
    """Apply once: the stored result if this key was seen, else the backend's answer, recorded and audited.

    If the carrier is down the request is kept in pending_requests and the result is PENDING.
    """
    now = now or datetime.now(UTC)
    done = stored_change(session, merchant.id, idempotency_key)
    if done is not None:
        return as_result(done)
    try:
        result = backend.apply_action(tracking_number, action, idempotency_key=idempotency_key, context=context)
    except BackendUnavailable as exc:
        _keep(session, merchant, apply_write(tracking_number, action, context, idempotency_key, str(exc)), now, exc)
        result = ActionResult(ResultStatus.PENDING, reason_code=PENDING_REASON)
    stored = _record(
        session, merchant, subject=tracking_number, action=action.kind.value, params=action_to_json(action)["params"],
        key=idempotency_key, result=result, context=context, backend_name=backend.name, now=now,
    )
    return as_result(stored)


def cancel_order(
    session: Session,
    backend: Backend,
    merchant: m.Merchant,
    order_number: str,
    *,
    idempotency_key: str,
    context: ChangeContext,
    tracking_number: str | None = None,
    now: datetime | None = None,
) -> ActionResult:
    """Cancel once (see apply_change). The change is filed under the tracking number if given, else "#order"."""
    now = now or datetime.now(UTC)
    done = stored_change(session, merchant.id, idempotency_key)
    if done is not None:
        return as_result(done)
    try:
        result = backend.cancel_order(order_number, idempotency_key=idempotency_key, context=context)
    except BackendUnavailable as exc:
        _keep(session, merchant, cancel_write(order_number, context, idempotency_key, str(exc)), now, exc)
        result = ActionResult(ResultStatus.PENDING, reason_code=PENDING_REASON)
    stored = _record(
        session, merchant, subject=tracking_number or f"#{order_number}", action=CANCEL_ACTION,
        params={"order_number": order_number}, key=idempotency_key, result=result, context=context,
        backend_name=backend.name, now=now,
    )
    return as_result(stored)


def create_return(
    session: Session,
    backend: Backend,
    merchant: m.Merchant,
    tracking_number: str,
    request: ReturnRequest,
    *,
    idempotency_key: str,
    context: ChangeContext,
    now: datetime | None = None,
) -> ReturnInfo:
    """Start a return once. If the far side is down: ReturnInfo(status="pending", reference="") and it is kept."""
    now = now or datetime.now(UTC)
    done = stored_change(session, merchant.id, idempotency_key)
    if done is not None and done.params.get("return"):
        return return_info_from_json(done.params["return"])
    if done is not None:
        return ReturnInfo(reference=done.reference or "", status="pending")
    params: dict[str, Any] = return_request_to_json(request)
    try:
        info = backend.create_return(tracking_number, request, idempotency_key=idempotency_key, context=context)
        params["return"] = return_info_to_json(info)
        result = ActionResult(return_result(info), reference=info.reference)
    except BackendUnavailable as exc:
        _keep(session, merchant, return_write(tracking_number, request, context, idempotency_key, str(exc)), now, exc)
        info = ReturnInfo(reference="", status="pending")
        result = ActionResult(ResultStatus.PENDING, reason_code=PENDING_REASON)
    stored = _record(
        session, merchant, subject=tracking_number, action=RETURN_ACTION, params=params, key=idempotency_key,
        result=result, context=context, backend_name=backend.name, now=now,
    )
    if stored.params.get("return"):
        return return_info_from_json(stored.params["return"])
    return info


def return_result(info: ReturnInfo) -> ResultStatus:
    """How a carrier's answer to a return is recorded: its own "rejected" is a refusal (review: it was recorded and
    audited as accepted while the shopper was told it was refused); any other status means it started."""
    return ResultStatus.REJECTED if info.status == "rejected" else ResultStatus.ACCEPTED


def _keep(session: Session, merchant: m.Merchant, write: PendingWrite, now: datetime, error: BaseException) -> None:
    note_arrival(store_pending(session, merchant_id=merchant.id, write=write, now=now), error)


def settle_change(session: Session, req: m.PendingRequest, outcome: dict[str, Any], now: datetime) -> None:
    """A kept request got its final answer: update its delivery change (or create it) and audit the outcome."""
    change = stored_change(session, req.merchant_id, req.idempotency_key)
    p = req.payload
    if req.kind == "apply_action":
        action, subject, params = p["action"]["kind"], p["tracking_number"], p["action"].get("params", {})
    elif req.kind == "cancel_order":
        action, subject, params = CANCEL_ACTION, f"#{p['order_number']}", {"order_number": p["order_number"]}
    else:
        action, subject, params = RETURN_ACTION, p["tracking_number"], dict(p.get("request") or {})
    if outcome.get("return"):
        params = {**params, "return": outcome["return"]}
    ctx = p.get("context") or {}
    if change is None:
        change = m.DeliveryChange(
            merchant_id=req.merchant_id, tracking_number=subject[:40], action=action,
            idempotency_key=req.idempotency_key, channel=ctx.get("channel"), verified_by=ctx.get("verified_by"),
            created_at=now,
        )
        session.add(change)
    else:
        subject = change.tracking_number
    change.params = params
    # The outcome carries the reason as retry.py read it: the carrier's free text and/or our code (as JSON).
    code = Reason.from_json(outcome.get("reason_code"))
    change.status, change.reference = outcome["status"], outcome.get("reference")
    change.reason = to_stored(code, outcome.get("reason"))
    change.updated_at = now
    session.add(
        m.AuditEntry(
            at=now, merchant_id=req.merchant_id, actor=ctx.get("actor") or "system:retry", action=f"{action}:retry",
            subject=subject[:64], channel=ctx.get("channel"), verification=ctx.get("verified_by"),
            result=outcome["status"], reference=outcome.get("reference"),
            detail={"idempotency_key": req.idempotency_key, "attempts": req.attempts,
                    **_audit_reason(code, outcome.get("reason"))},
        )
    )
    session.flush()


def settle_reported(session: Session, change: m.DeliveryChange, outcome: dict[str, Any], now: datetime, *,
                    actor: str) -> None:
    """The carrier (or the merchant's system) reports the outcome of a change it had answered "pending" (HTTP 202:
    it took the change and works on it): the change record says what became of it, audited under who said so."""
    code = Reason.from_json(outcome.get("reason_code"))
    change.status, change.reference = outcome["status"], outcome.get("reference") or change.reference
    change.reason = to_stored(code, outcome.get("reason"))
    change.updated_at = now
    session.add(
        m.AuditEntry(
            at=now, merchant_id=change.merchant_id, actor=actor[:200], action=f"{change.action}:reported",
            subject=change.tracking_number[:64], channel=change.channel, verification=change.verified_by,
            result=outcome["status"], reference=change.reference,
            detail={"idempotency_key": change.idempotency_key, **_audit_reason(code, outcome.get("reason"))},
        )
    )
    session.flush()
