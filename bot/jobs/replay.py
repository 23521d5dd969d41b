"""Answering the messages kept while the database was away (bot/core/spool.py).

Every 10 s (the one schedule), oldest first: each kept message goes through the engine as if it had just
arrived, marked with when it was kept, so its replies are queued in the outbox and texted (send_outbox) rather
than returned to a webhook that was answered long ago (the engine declines to act on one the shopper has since
overtaken, or older than two hours: bot/core/spool.py overtaken). While the database is still away the first one
fails again and the job stops, leaving every message kept for its next run. A run answers for up to
RUN_SECONDS, batch after batch, so a long outage's backlog drains at the engine's own speed. A message that can
never be answered (the number it was sent to belongs to no merchant any more) is set aside for a person; one that
fails for another reason (a bug, an NLU model that can't load) is tried again with backoff, behind the others,
and set aside after MAX_ATTEMPTS. Several replayers at once (a ticker in each web process) are safe, if wasteful:
each message is answered once, by its MessageSid.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from backend import models as m
from bot.core.outage import StoreUnavailable, is_store_outage
from bot.core.phone import InvalidPhoneNumber
from bot.core.spool import KeptMessage, MessageSpool
from bot.engine import UnknownMerchant
from bot.jobs.registry import JobContext, job

log = logging.getLogger(__name__)

WINDOW = 500  # read this many at a time (a retry waiting its turn is skipped, not a wall in front of the rest)
RUN_SECONDS = 8.0  # a run answers for this long, then leaves the rest to the next one (the schedule is 10 s)
MAX_ATTEMPTS = 5  # a message that fails this often for a reason other than the outage is set aside


def retry_delay(attempts: int) -> float:
    """30 s, 2, 8, 32 minutes: a passing fault (a worker whose NLU model is still loading) is ridden out."""
    return float(min(30 * 4**attempts, 3600))


@job("replay_kept")
def replay_kept(ctx: JobContext, **_: Any) -> int:
    """Answer what the spool holds, oldest first, for up to RUN_SECONDS; returns how many were answered (or
    found answered already)."""
    spool = ctx.spool
    if spool is None:
        return 0
    _record_numbers(ctx, spool)
    answered, deadline = 0, time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        try:
            due = [k for k in spool.oldest(WINDOW) if k.not_before <= time.time()]
        except Exception:  # noqa: BLE001 - the spool's store (Redis) is away: the messages wait there
            log.warning("could not read the kept messages; trying again on the next run", exc_info=True)
            break
        if not due:
            break
        for item in due:
            outcome = _answer(ctx, spool, item)
            if outcome == "outage":
                log.info("the database is still away: kept messages wait for the next run")
                return answered
            answered += outcome == "answered"
            if time.monotonic() >= deadline:
                break
    if answered:
        log.info("answered %d message(s) kept while the database was away", answered)
    return answered


def _record_numbers(ctx: JobContext, spool: MessageSpool) -> None:
    """The numbers merchants answer on, for the spool to check during the next outage (spool.answers_on): read
    every run while the database answers, so a number added or moved is known within one run. While the database
    or the spool's store is away the record is left as it was, never emptied."""
    try:
        with ctx.sessions() as session:
            rows = session.execute(select(m.Merchant.sms_number, m.Merchant.whatsapp_number)).all()
        spool.record_numbers(frozenset(n for row in rows for n in row if n))
    except Exception:  # noqa: BLE001 - an outage: the messages are what matter, the record can wait
        log.debug("could not refresh the merchants' numbers for the spool", exc_info=True)


def _answer(ctx: JobContext, spool: MessageSpool, item: KeptMessage) -> str:
    message = dataclasses.replace(item.message, kept_at=datetime.fromtimestamp(item.kept_at, UTC))
    try:
        ctx.engine.handle(message)
    except StoreUnavailable:
        return "outage"
    except (UnknownMerchant, InvalidPhoneNumber) as exc:  # can never be answered: for a person to read
        why = "no merchant uses that number" if isinstance(exc, UnknownMerchant) else "not a phone number"
        spool.set_aside(item.token, why)
        return "set aside"
    except Exception as exc:
        if is_store_outage(exc):
            return "outage"
        log.exception("kept message %s could not be answered (try %d)", message.channel_message_id,
                      item.attempts + 1)
        if item.attempts + 1 >= MAX_ATTEMPTS:
            spool.set_aside(item.token, f"failed {MAX_ATTEMPTS} times: {exc.__class__.__name__}")
            return "set aside"
        spool.retry_later(item, time.time() + retry_delay(item.attempts))
        return "retry"
    spool.done(item.token)
    return "answered"
