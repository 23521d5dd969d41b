"""Writes that couldn't reach the far side yet: kept in pending_requests (retried by backend/retry.py).

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
from backend.serialize import action_to_json, context_to_json, return_request_to_json
from backend.types import ChangeContext, DeliveryAction, ReturnRequest

log = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"
MAX_ATTEMPTS = 8  # about three hours of tries with the backoff below
KINDS = ("apply_action", "cancel_order", "create_return")  # carrier writes (backend/retry.py replays them)
# A merchant's handoff webhook waits here too (bot/jobs/webhooks.py): the same row, lease and backoff, its own job.
WEBHOOK = "handoff_webhook"


@dataclass(frozen=True)
class PendingWrite:
    """A write the backend could not make: enough to replay it later through the same Protocol method."""

    kind: str  # one of KINDS, or WEBHOOK
    payload: dict[str, Any]
    idempotency_key: str
    error: str


PendingSink = Callable[[PendingWrite], None]


# One shape per kind of carrier write, read back by backend/retry.py's replay: every place that keeps one (an
# adapter's sink, backend/changes.py, a turn keeping it before the call) builds it here.
def apply_write(tracking_number: str, action: DeliveryAction, context: ChangeContext, key: str,
                error: str = "") -> PendingWrite:
    payload = {"tracking_number": tracking_number, "action": action_to_json(action),  # kept sealed at rest
               "context": context_to_json(context)}
    return PendingWrite("apply_action", payload, key, error)


def cancel_write(order_number: str, context: ChangeContext, key: str, error: str = "") -> PendingWrite:
    return PendingWrite("cancel_order", {"order_number": order_number, "context": context_to_json(context)}, key,
                        error)


def return_write(tracking_number: str, request: ReturnRequest, context: ChangeContext, key: str,
                 error: str = "") -> PendingWrite:
    payload = {"tracking_number": tracking_number, "request": return_request_to_json(request),
               "context": context_to_json(context)}
    return PendingWrite("create_return", payload, key, error)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def retry_later(req: m.PendingRequest, error: str, now: datetime, *, retry: bool = True) -> bool:
    """A try that failed, already counted in `req.attempts`: due again after the backoff while tries are left and
    the error is worth another (True), else given up (False). Carrier writes and handoff webhooks share it."""
    req.last_error = error
    if retry and req.attempts < MAX_ATTEMPTS:
        req.next_attempt_at = now + backoff(req.attempts + 1)
        return True
    req.status = FAILED
    return False


MAY_HAVE_ARRIVED = "may_have_arrived"  # in a kept write's payload: some try of it may have reached the carrier


def note_arrival(req: m.PendingRequest, error: BaseException) -> None:
    """Remember, for good, that a try of this write may have reached the carrier (BackendUnavailable's
    `may_have_arrived`): however the later tries fail, giving it up must not say it wasn't made."""
    if getattr(error, "may_have_arrived", False):
        _arrived(req)


def mark_arrived(session: Session, merchant_id: int, idempotency_key: str) -> None:
    """The carrier answered this kept write with something we couldn't read: it may have made it (note_arrival)."""
    row = kept_write(session, merchant_id, idempotency_key)
    if row is not None:
        _arrived(row)


def _arrived(req: m.PendingRequest) -> None:
    if not (req.payload or {}).get(MAY_HAVE_ARRIVED):
        req.payload = {**(req.payload or {}), MAY_HAVE_ARRIVED: True}  # reassigned: the JSON change is seen


def store_pending(
    session: Session,
    *,
    merchant_id: int | None,
    write: PendingWrite,
    now: datetime | None = None,
    first_try_at: datetime | None = None,
) -> m.PendingRequest:
    """Keep the write for later (once per idempotency key). Joins the caller's transaction."""
    now = now or datetime.now(UTC)
    existing = kept_write(session, merchant_id, write.idempotency_key)
    if existing is not None:
        existing.last_error = write.error
        soon = now + backoff(1)
        if first_try_at is None and existing.attempts == 0 and existing.next_attempt_at > soon:
            # Kept in case (before the call, or for a slow change's job) and now really failed: retried on the
            # usual backoff, not when the safety net was due.
            existing.next_attempt_at = soon
        return existing
    row = m.PendingRequest(
        merchant_id=merchant_id,
        kind=write.kind,
        payload=write.payload,
        idempotency_key=write.idempotency_key,
        status=PENDING,
        attempts=0,
        next_attempt_at=first_try_at or now + backoff(1),
        last_error=write.error,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def kept_write(session: Session, merchant_id: int | None, idempotency_key: str) -> m.PendingRequest | None:
    """The merchant's kept write under this key (keys are unique per merchant: migration 0007)."""
    return session.scalar(select(m.PendingRequest).where(m.PendingRequest.merchant_id == merchant_id,
                                                         m.PendingRequest.idempotency_key == idempotency_key))


def note_follow_up(session: Session, merchant_id: int, idempotency_key: str, *, conversation_id: int | None,
                   summary: str) -> bool:
    """Remember, with a kept write, whom to tell its outcome and in which words they confirmed it: the retry job
    texts them once it is applied, refused or given up (the shopper was told "I'll text you")."""
    row = kept_write(session, merchant_id, idempotency_key)
    if row is None or conversation_id is None:
        return False
    row.payload = {**(row.payload or {}), "follow_up": {"conversation_id": conversation_id, "summary": summary}}
    session.flush()
    return True


def kept_for_conversation(session: Session, merchant_id: int, conversation_id: int, moment: datetime, *,
                          within: timedelta = timedelta(minutes=2)) -> bool:
    """Whether a carrier write for this conversation was kept ahead in the `within` before `moment` (when a message
    was kept through a database outage): that message's own confirmation went to the carrier just before the
    database went, and retry_pending will text its outcome. The follow-up (note_follow_up) names the conversation;
    it is read here, not queried, so the same code runs on SQLite and PostgreSQL."""
    rows = session.scalars(select(m.PendingRequest).where(
        m.PendingRequest.merchant_id == merchant_id, m.PendingRequest.kind.in_(KINDS),
        m.PendingRequest.created_at >= moment - within, m.PendingRequest.created_at <= moment + timedelta(seconds=5)))
    return any(((r.payload or {}).get("follow_up") or {}).get("conversation_id") == conversation_id for r in rows)


def close_kept(session: Session, merchant_id: int, idempotency_key: str) -> None:
    """The shopper has been told the carrier's answer to the write (taken, refused, or "pending" on its side), in
    this transaction: a copy kept in case (keep_in_case) has nothing left to do. Whoever tells closes it, so a copy
    found open with its change settled means nobody did (bot/jobs/retries.py then tells them)."""
    row = kept_write(session, merchant_id, idempotency_key)
    if row is not None and row.status == PENDING:
        row.status, row.last_error = DONE, None
        session.flush()


def keep_in_case(session: Session, *, merchant_id: int, write: PendingWrite, first_try_at: datetime,
                 now: datetime) -> m.PendingRequest:
    """A carrier write kept before the carrier is asked (a worker killed during the call) or handed to a
    background job (the carrier was still working on it): kept here too, due only after `first_try_at`, so that
    if nobody settles it and tells the shopper (the process died, the job was lost) retry_pending does, under the
    same key. A write that was settled meanwhile is told, or closed, without a call."""
    return store_pending(session, merchant_id=merchant_id, write=write, now=now, first_try_at=first_try_at)


def session_sink(session: Session, merchant_id: int | None, now: datetime | None = None) -> PendingSink:
    """A sink an adapter calls when the far side is down: stores into this session's transaction."""

    def sink(write: PendingWrite) -> None:
        store_pending(session, merchant_id=merchant_id, write=write, now=now)

    return sink
