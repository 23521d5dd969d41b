"""Retrying the writes kept in pending_requests, each once, with no transaction open during the call.

A pending write is claimed first (a short transaction: its next attempt moves a lease ahead, so another
worker leaves it alone), the far side is called with no transaction open, and the outcome is recorded in
another short transaction: it settles the matching delivery change and writes an audit entry, so whoever
tells the shopper the outcome finds it there. The idempotency key makes a retry that did reach the far side
before harmless.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend import models as m
from backend.changes import as_result, return_result, settle_change, stored_change
from backend.pending import DONE, FAILED, KINDS, MAY_HAVE_ARRIVED, PENDING, note_arrival, retry_later
from backend.protocol import Backend, BackendError, BackendUnavailable, EarlierTries, made_nothing, repeating
from backend.reasons import because
from backend.serialize import (
    action_from_json,
    context_from_json,
    return_info_to_json,
    return_request_from_json,
)
from backend.types import ActionResult

log = logging.getLogger(__name__)

# Called in the recording transaction once a kept write is settled for good (applied, refused or given up),
# with the row and the outcome as settle_change stored it: whoever promised the shopper a text sends it here.
OnSettled = Callable[[Session, m.PendingRequest, dict[str, Any]], None]

LEASE = timedelta(minutes=5)  # a claimed write not settled by then is presumed lost and tried again


@dataclass(frozen=True)
class Claimed:
    """A pending write taken for one attempt: what to send, and to whom."""

    id: int
    merchant_id: int | None
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    leased_until: datetime | None = None  # what says the claim is still ours (renew, record)


def claim_due(session: Session, now: datetime, *, limit: int = 100, kinds: tuple[str, ...] = KINDS) -> list[Claimed]:
    """Take the due requests of these kinds (the carrier writes unless told; SKIP LOCKED: two workers never take
    the same one) and lease them."""
    due = session.scalars(
        select(m.PendingRequest)
        .where(m.PendingRequest.status == PENDING, m.PendingRequest.next_attempt_at <= now,
               m.PendingRequest.kind.in_(kinds))
        .order_by(m.PendingRequest.next_attempt_at, m.PendingRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for req in due:
        req.next_attempt_at = now + LEASE
    session.flush()
    return [Claimed(r.id, r.merchant_id, r.kind, dict(r.payload or {}), r.idempotency_key, now + LEASE) for r in due]


def renew(session: Session, claimed: Claimed, now: datetime) -> Claimed | None:
    """Just before its attempt: the claim leased again from now, or None if it is no longer ours. A batch is claimed
    at once, and a carrier that hangs makes each attempt slow: a lease counted from the batch's start ran out
    before the later ones began, and another worker took them too (every try counted twice, the write given up
    early; found by review). Compare-and-set on the lease we hold."""
    until = now + LEASE
    taken = session.execute(
        update(m.PendingRequest)
        .where(m.PendingRequest.id == claimed.id, m.PendingRequest.status == PENDING,
               m.PendingRequest.next_attempt_at == claimed.leased_until)
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    ).rowcount
    return dataclasses.replace(claimed, leased_until=until) if taken == 1 else None


def already_settled(session: Session, claimed: Claimed) -> bool:
    """The change this write makes was settled by someone else (a finish_slow_change job, a payment): there is
    nothing to send, and nobody to tell again."""
    change = stored_change(session, claimed.merchant_id, claimed.idempotency_key)
    return change is not None and change.status in ("accepted", "rejected")


def close_settled(session: Session, claimed: Claimed) -> tuple[m.PendingRequest, dict[str, Any]] | None:
    """Close a kept write whose change was settled meanwhile. Whoever tells the shopper closes the write in the
    same transaction (backend/pending.close_kept), so one still open was settled with nobody told: the answer a
    turn recorded just before its worker died. Returns the row and the settled outcome, for the caller to tell;
    None if someone else closed it first."""
    req = session.get(m.PendingRequest, claimed.id, with_for_update=True)
    if req is None or req.status != PENDING:
        return None
    req.status, req.last_error = DONE, None
    change = stored_change(session, claimed.merchant_id, claimed.idempotency_key)
    return (req, _outcome(as_result(change))) if change is not None else None


def _replay(req: Claimed | m.PendingRequest, backend: Backend) -> dict[str, Any]:
    """Make the stored write again; returns the outcome as stored on the delivery change."""
    p, key = req.payload, req.idempotency_key
    context = context_from_json(p.get("context") or {})
    if req.kind == "apply_action":
        r = backend.apply_action(p["tracking_number"], action_from_json(p["action"]), idempotency_key=key,
                                 context=context)
        return _outcome(r)
    if req.kind == "cancel_order":
        return _outcome(backend.cancel_order(p["order_number"], idempotency_key=key, context=context))
    if req.kind == "create_return":
        info = backend.create_return(p["tracking_number"], return_request_from_json(p["request"]),
                                     idempotency_key=key, context=context)
        return {"status": return_result(info).value, "reference": info.reference, "reason": None,
                "return": return_info_to_json(info)}
    raise ValueError(f"unknown pending request kind {req.kind!r}")


def attempt(claimed: Claimed, backend: Backend | None) -> dict[str, Any] | BaseException:
    """Send one claimed write (no transaction open): the outcome, or the error it ended with."""
    if backend is None:
        return LookupError("the merchant for this request no longer exists")
    # A replay repeats the turn's try (or a slow change's, or an earlier replay's): a conflict it meets may be about
    # the change an earlier try made (backend/http_adapter.py _conflict_on_repeat).
    earlier = EarlierTries(sent=True, may_have_arrived=bool(claimed.payload.get(MAY_HAVE_ARRIVED)))
    try:
        with repeating(earlier):
            return _replay(claimed, backend)
    except (BackendError, LookupError, ValueError, KeyError) as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one write that breaks oddly must not stop the batch (review)
        # A body cut off on the way (ChunkedEncodingError), a broken gzip, a bug of ours: recorded as an attempt
        # whose outcome we don't know, so it is counted, retried under its key and in the end given up and told.
        log.exception("pending request %s: the attempt broke", claimed.id)
        return exc


def record(session: Session, claimed: Claimed, outcome: dict[str, Any] | BaseException, now: datetime, *,
           on_settled: OnSettled | None = None) -> bool:
    """Settle one attempt; True if the write went through. `on_settled` hears a final outcome (not a retry)."""
    req = session.get(m.PendingRequest, claimed.id, with_for_update=True)
    if req is None or req.status != PENDING:
        return False
    if claimed.leased_until is not None and req.next_attempt_at != claimed.leased_until:
        log.warning("pending request %s: an attempt outlived its lease; the later claim records", req.id)
        return False  # another worker holds it now: its attempt, not this one, counts and settles
    req.attempts += 1
    if isinstance(outcome, BackendUnavailable):
        note_arrival(req, outcome)
        if not retry_later(req, str(outcome) or outcome.__class__.__name__, now):
            # a try that may have reached the carrier (review: eight read timeouts, the change made by the first,
            # told "it hasn't been changed, ask again") is given up as "we can't tell", like an unreadable answer
            _settle(session, req, _gave_up(unsure=bool((req.payload or {}).get(MAY_HAVE_ARRIVED))), now, on_settled)
        return False
    if isinstance(outcome, BaseException) and not made_nothing(outcome):
        # An answer we couldn't read, or an error on our side: the carrier may have made it. Never told "not
        # changed" (the shopper would ask again under a new key: made twice); asked again under the same key,
        # which the carrier answers with what it did, and if that never comes, told we can't say.
        log.warning("pending request %s: outcome unknown (%s), trying again later", req.id, outcome)
        if not retry_later(req, str(outcome) or outcome.__class__.__name__, now):
            _settle(session, req, _gave_up(unsure=True), now, on_settled)
        return False
    if isinstance(outcome, BaseException):
        log.warning("pending request %s failed for good: %s", req.id, outcome)
        req.status, req.last_error = FAILED, str(outcome) or outcome.__class__.__name__
        _settle(session, req, _gave_up(), now, on_settled)
        return False
    req.status, req.last_error = DONE, None
    _settle(session, req, outcome, now, on_settled)
    return True


def _settle(session: Session, req: m.PendingRequest, outcome: dict[str, Any], now: datetime,
            on_settled: OnSettled | None) -> None:
    settle_change(session, req, outcome, now)
    if on_settled is not None:
        on_settled(session, req, outcome)


def retry_pending(
    session: Session,
    backend_factory: Callable[[m.Merchant], Backend],
    now: datetime | None = None,
    *,
    limit: int = 100,
) -> int:
    """Retry due writes in the caller's session (the reference carrier, tests). The job (bot/jobs/retries.py) claims,
    calls with no transaction open, records, and texts the shopper the outcome."""
    now = now or datetime.now(UTC)
    done = 0
    for item in claim_due(session, now, limit=limit):
        merchant = session.get(m.Merchant, item.merchant_id) if item.merchant_id is not None else None
        done += record(session, item, attempt(item, backend_factory(merchant) if merchant else None), now)
    session.flush()
    return done


def _outcome(result: ActionResult) -> dict[str, Any]:
    """A result as settle_change reads it (plain JSON: the reason code as Reason.to_json())."""
    code = result.reason_code.to_json() if result.reason_code else None
    return {"status": result.status.value, "reference": result.reference, "reason": result.reason, "reason_code": code}


def _gave_up(*, unsure: bool = False) -> dict[str, Any]:
    """Given up. `unsure`: the carrier may have made it (its answers could not be read), so nobody says it didn't."""
    code = because("gave_up_unsure" if unsure else "gave_up")
    return {"status": "rejected", "reference": None, "reason": None, "reason_code": code.to_json()}
