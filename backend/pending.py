"""Writes that couldn't reach the far side yet: kept in pending_requests and retried by a job.

A carrier being down must not lose what the shopper asked for. The write is stored with its idempotency
key, so the retry is harmless even if the first attempt did reach the carrier after all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from backend.protocol import Backend, BackendError, BackendUnavailable
from backend.serialize import (
    action_from_json,
    context_from_json,
    return_info_to_json,
    return_request_from_json,
)

log = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"
MAX_ATTEMPTS = 8  # about three hours of tries with the backoff below
KINDS = ("apply_action", "cancel_order", "create_return")


@dataclass(frozen=True)
class PendingWrite:
    """A write the backend could not make: enough to replay it later through the same Protocol method."""

    kind: str  # one of KINDS
    payload: dict[str, Any]
    idempotency_key: str
    error: str


PendingSink = Callable[[PendingWrite], None]


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def store_pending(
    session: Session,
    *,
    merchant_id: int | None,
    write: PendingWrite,
    now: datetime | None = None,
) -> m.PendingRequest:
    """Keep the write for later (once per idempotency key). Joins the caller's transaction."""
    now = now or datetime.now(UTC)
    existing = session.scalar(
        select(m.PendingRequest).where(m.PendingRequest.idempotency_key == write.idempotency_key)
    )
    if existing is not None:
        existing.last_error = write.error
        return existing
    row = m.PendingRequest(
        merchant_id=merchant_id,
        kind=write.kind,
        payload=write.payload,
        idempotency_key=write.idempotency_key,
        status=PENDING,
        attempts=0,
        next_attempt_at=now + backoff(1),
        last_error=write.error,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def session_sink(session: Session, merchant_id: int | None, now: datetime | None = None) -> PendingSink:
    """A sink an adapter calls when the far side is down: stores into this session's transaction."""

    def sink(write: PendingWrite) -> None:
        store_pending(session, merchant_id=merchant_id, write=write, now=now)

    return sink


def _replay(req: m.PendingRequest, backend: Backend) -> dict[str, Any]:
    """Make the stored write again; returns the outcome as stored on the delivery change."""
    p, key = req.payload, req.idempotency_key
    context = context_from_json(p.get("context") or {})
    if req.kind == "apply_action":
        r = backend.apply_action(p["tracking_number"], action_from_json(p["action"]), idempotency_key=key,
                                 context=context)
        return {"status": r.status.value, "reference": r.reference, "reason": r.reason}
    if req.kind == "cancel_order":
        r = backend.cancel_order(p["order_number"], idempotency_key=key, context=context)
        return {"status": r.status.value, "reference": r.reference, "reason": r.reason}
    if req.kind == "create_return":
        info = backend.create_return(p["tracking_number"], return_request_from_json(p["request"]),
                                     idempotency_key=key, context=context)
        status = "rejected" if info.status == "rejected" else "accepted"
        return {"status": status, "reference": info.reference, "reason": None, "return": return_info_to_json(info)}
    raise ValueError(f"unknown pending request kind {req.kind!r}")


def retry_pending(
    session: Session,
    backend_factory: Callable[[m.Merchant], Backend],
    now: datetime | None = None,
    *,
    limit: int = 100,
) -> int:
    """Retry due pending writes; returns how many went through. Runs in the caller's transaction.

    Each success or final failure also settles the matching delivery_changes row and writes an audit entry,
    so whoever tells the shopper the outcome can find it there.
    """
    from backend.changes import settle_change

    now = now or datetime.now(UTC)
    due = session.scalars(
        select(m.PendingRequest)
        .where(m.PendingRequest.status == PENDING, m.PendingRequest.next_attempt_at <= now)
        .order_by(m.PendingRequest.next_attempt_at, m.PendingRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    done = 0
    for req in due:
        merchant = session.get(m.Merchant, req.merchant_id) if req.merchant_id is not None else None
        req.attempts += 1
        try:
            if merchant is None:
                raise BackendError("the merchant for this request no longer exists")
            outcome = _replay(req, backend_factory(merchant))
        except BackendUnavailable as exc:
            req.last_error = str(exc) or exc.__class__.__name__
            if req.attempts >= MAX_ATTEMPTS:
                req.status = FAILED
                settle_change(session, req, _gave_up(), now)
            else:
                req.next_attempt_at = now + backoff(req.attempts + 1)
            continue
        except (BackendError, LookupError, ValueError, KeyError) as exc:
            log.warning("pending request %s failed for good: %s", req.id, exc)
            req.status, req.last_error = FAILED, str(exc) or exc.__class__.__name__
            settle_change(session, req, _gave_up(), now)
            continue
        req.status, req.last_error = DONE, None
        settle_change(session, req, outcome, now)
        done += 1
    session.flush()
    return done


def _gave_up() -> dict[str, Any]:
    return {
        "status": "rejected",
        "reference": None,
        "reason": "We couldn't get this through to the carrier, so it hasn't been changed. Please ask us again.",
    }
