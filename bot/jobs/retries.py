"""Carrier writes that could not be made (the far side was down) are retried from pending_requests.

Claimed in one short transaction, sent with none open, recorded in another (backend/retry.py): a carrier
that is still slow holds nobody up. When a write is settled for good (applied, refused, or given up after the
last try) the shopper who asked is texted the outcome in the same unit of work, through the outbox in the
merchant's wording (bot/services/outcome_texts.py): they were told "I'll text you as soon as they do", and this
is that text. A dedupe key per write means a job that runs twice texts once. A paid change is told by its payment
instead (bot/jobs/payments.py).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend import models as m
from backend.protocol import BackendUnavailable
from backend.retry import Claimed, already_settled, attempt, claim_due, close_settled, record, renew
from bot.core.outbox import by_key
from bot.core.uow import UnitOfWork
from bot.jobs.registry import JobContext, job
from bot.services.outcome_texts import tell_outcome

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


def _told(session: Session, item: Claimed) -> bool:
    """A text about this write already queued (a finish_slow_change job's, or this job's on an earlier run)."""
    keys = (f"kept:{item.idempotency_key}", f"slow-change:{item.idempotency_key}", f"outcome:{item.idempotency_key}")
    return any(by_key(session, item.merchant_id, key) is not None for key in keys) if item.merchant_id else True
