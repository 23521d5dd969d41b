"""Answering the messages kept while the database was away (bot/core/spool.py).

Every 10 s (the one schedule), oldest first: each kept message goes through the engine as if it had just
arrived, marked `late`, so its replies are queued in the outbox and texted (send_outbox) rather than returned
to a webhook that was answered long ago. While the database is still away the first one fails again and the
job stops, leaving every message kept for its next run. A message that can never be answered (the number it was
sent to belongs to no merchant any more, a sender that is not a phone number) is set aside for a person, so one
bad message never holds up the rest.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from bot.core.outage import StoreUnavailable, is_store_outage
from bot.core.phone import InvalidPhoneNumber
from bot.engine import UnknownMerchant
from bot.jobs.registry import JobContext, job

log = logging.getLogger(__name__)

BATCH = 50  # a run answers at most this many; the next run, ten seconds on, takes the rest


@job("replay_kept")
def replay_kept(ctx: JobContext, **_: Any) -> int:
    """Answer what the spool holds; returns how many were answered (or found answered already)."""
    spool = ctx.spool
    if spool is None:
        return 0
    try:
        kept = spool.oldest(BATCH)
    except Exception:  # noqa: BLE001 - the spool's store (Redis) is away: the messages wait there
        log.warning("could not read the kept messages; trying again on the next run", exc_info=True)
        return 0
    answered = 0
    for item in kept:
        try:
            ctx.engine.handle(dataclasses.replace(item.message, late=True))
        except StoreUnavailable:
            log.info("the database is still away: %d kept message(s) wait", len(kept) - answered)
            break
        except Exception as exc:
            if is_store_outage(exc):
                break
            why = ("no merchant uses that number" if isinstance(exc, UnknownMerchant) else
                   "not a phone number" if isinstance(exc, InvalidPhoneNumber) else exc.__class__.__name__)
            log.exception("kept message %s could not be answered", item.message.channel_message_id)
            spool.set_aside(item.token, why)
            continue
        spool.done(item.token)
        answered += 1
    if answered:
        log.info("answered %d message(s) kept while the database was away", answered)
    return answered
