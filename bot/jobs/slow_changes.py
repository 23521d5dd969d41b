"""Finishing a change the carrier was too slow to confirm while the shopper waited.

dialogues/changes.py gives a remote carrier settings.slow_backend_seconds; past that the shopper hears
"on it" and this job takes over. It asks the carrier again with the SAME idempotency key (a carrier that
already applied it just returns its answer, and one we already recorded isn't asked at all), records the
result with its audit entry, and texts the confirmation or the refusal through the outbox
(bot/services/outcome_texts.py). The text has a dedupe key per change, so a job that runs twice (a retry, a
redelivered Celery task) texts once.
"""

from __future__ import annotations

import logging
from typing import Any

from backend import models as m
from backend.changes import apply_change
from backend.pending import close_kept
from backend.protocol import BackendError, EarlierTries, repeating
from backend.types import ActionKind, ChangeContext, DeliveryAction, ResultStatus
from bot.core.carrier import Answered
from bot.core.reach import later_destination
from bot.jobs.carrier_calls import ask, carrier_to_ask
from bot.jobs.registry import JobContext, job
from bot.services.changes import ChangeService
from bot.services.outcome_texts import summary_of, tell_slow_change

log = logging.getLogger(__name__)


@job("finish_slow_change")
def finish_slow_change(
    ctx: JobContext,
    *,
    merchant_id: int,
    tracking: str,
    action: str,
    params: dict[str, Any],
    fee_accepted: bool,
    key: str,
    actor: str,
    channel: str,
    verified_by: str,
    conversation_id: int | None = None,
    summary: str | None = None,
) -> str:
    """Apply (once), record, queue the shopper's text; returns the result status.

    No database transaction is open while the carrier is called (on SQLite a transaction holds the write
    lock, and every shopper would wait behind a slow carrier). Carrier errors other than "down" propagate:
    nothing is recorded or texted, and the job runner can try again with the same key.
    """
    now = ctx.clock()
    change = DeliveryAction(ActionKind(action), dict(params or {}), fee_accepted=bool(fee_accepted))
    context = ChangeContext(actor=actor, channel=channel, verified_by=verified_by)
    with ctx.sessions() as session:  # a short read, finished before any network call
        merchant = session.get(m.Merchant, merchant_id)
        if merchant is None:
            log.error("finish_slow_change: merchant %s is gone", merchant_id)
            return "skipped"
        recorded, remote = carrier_to_ask(ctx, session, merchant, key, now)
        session.commit()
    # This request repeats the turn's own under the key, sent and not yet answered (too slow): a carrier that says
    # "duplicate" / "already processed" instead of its in-progress code is then no refusal (docs/backend.md)
    with repeating(EarlierTries(sent=True)):
        answered = ask(remote, tracking, change, key, context)
    with ctx.uow() as uow:
        session = uow.session
        merchant = session.get(m.Merchant, merchant_id)
        if answered is not None or recorded:
            # Recorded already (this job ran before, or the turn got the answer after all): the stored result,
            # and the carrier isn't asked again.
            backend = answered or Answered("recorded", BackendError("no answer for a change that wasn't recorded"))
        else:  # our own carrier (the reference one) shares this transaction: no network call to wait for
            backend = ctx.backends(session, merchant, now)
        result = apply_change(session, backend, merchant, tracking, change, idempotency_key=key, context=context,
                              now=now)
        ChangeService.announce(uow, merchant, tracking, action, result, conversation_id, now)
        if result.status is not ResultStatus.PENDING or (answered is not None and not answered.unavailable):
            close_kept(session, merchant_id, key)  # told here (or nobody to tell): retry_pending leaves it be
        conv = session.get(m.Conversation, conversation_id) if conversation_id else None
        to = later_destination(session, merchant, conv, tracking) if conv else None  # a web chat: the code's phone
        say = ctx.wording.voice(merchant, to.channel if to else None)
        tell_slow_change(uow, merchant, say, conv, to, result, key=key,
                         summary=summary_of(say, summary, action, tracking))
    return result.status.value
