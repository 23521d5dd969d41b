"""Conversations a person took and then left: the shopper wrote, nobody answered for
PARCELBOT_AGENT_TIMEOUT_MINUTES (a shift ended, a browser closed). The bot takes the conversation back and
tells the shopper, so nobody is left talking to an empty room. Waiting ones stay in the queue: those
shoppers were told when a person will reply (the merchant's support hours)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from backend import models as m
from bot.core.conversations import ConversationStore
from bot.jobs.registry import JobContext, job
from bot.services.console import ConsoleService, unanswered
from bot.services.handoff import HandoffService

log = logging.getLogger(__name__)


@job("return_unanswered")
def return_unanswered_job(ctx: JobContext, **_: Any) -> int:
    """The periodic job (bot/jobs/schedule.py): returns how many conversations went back to the bot."""
    now, after = ctx.clock(), timedelta(minutes=ctx.settings.agent_timeout_minutes)
    store = ConversationStore()
    console = ConsoleService(HandoffService(store), ctx.wording)
    with ctx.uow() as uow:
        ids = [c.id for c in unanswered(uow.session, now=now, after=after)]
    for conv_id in ids:  # one conversation per transaction, each under its row lock, re-checked inside it
        with ctx.uow() as uow:
            conv = uow.session.get(m.Conversation, conv_id)
            conv = store.lock(uow.session, conv)
            if unanswered(uow.session, now=now, after=after, conversation_id=conv.id):  # still, under the lock
                console.return_unanswered(uow, conv, now=now)
    if ids:
        log.info("returned %d unanswered conversations to the bot", len(ids))
    return len(ids)
