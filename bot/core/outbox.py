"""Every message the bot sends on its own goes through here: stored first, then sent.

Storing first means a crash between "decide to send" and "send" loses nothing, and the dedupe key means
one tracking event never texts a shopper twice. Replies to an inbound webhook are stored in the same
table with status "reply" (they travel back in the webhook response).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import models as m
from bot.core.channels import merchant_number
from bot.core.events import DomainEvent, MessageStored
from bot.core.inbound import stored_inbound

log = logging.getLogger(__name__)


class OptedOut(Exception):
    pass


@dataclass(frozen=True)
class Queued:
    """What queue_message did. `existed`: the dedupe key was taken, so `message` is the one queued before (a job
    run twice, a double click, a retry) and nothing was stored now: the caller announces, sends and audits only a
    new one, and answers a repeat with the first."""

    message: m.Message
    existed: bool = False


def queue_message(
    session: Session,
    *,
    merchant: m.Merchant,
    channel: str,
    to: str,
    body: str,
    media_urls: Sequence[str] = (),
    conversation_id: int | None = None,
    dedupe_key: str | None = None,
    send_after: datetime | None = None,
    ignore_opt_out: bool = False,
) -> Queued:
    """Queue one outbound message, or find the one this merchant already queued under the same dedupe key (even if
    the shopper opted out since: nothing new is sent). A key taken by a transaction not yet committed surfaces as
    the database's IntegrityError on flush; callers that race run this in a savepoint."""
    if dedupe_key is not None and (earlier := by_key(session, merchant.id, dedupe_key)) is not None:
        return Queued(earlier, existed=True)
    if not ignore_opt_out and is_opted_out(session, merchant, to):
        raise OptedOut(to)
    sender = merchant_number(merchant, channel) or merchant.slug
    msg = m.Message(
        merchant_id=merchant.id,
        conversation_id=conversation_id,
        direction="out",
        channel=channel,
        sender=sender,
        recipient=to,
        body=body,
        media_urls=list(media_urls),
        status="queued",
        dedupe_key=dedupe_key,
        send_after=send_after,
    )
    session.add(msg)
    session.flush()
    return Queued(msg)


def text_once(
    session: Session,
    publish: Callable[[DomainEvent], None],
    *,
    merchant: m.Merchant,
    channel: str,
    to: str,
    body: str,
    dedupe_key: str,
    conversation_id: int | None = None,
    media_urls: Sequence[str] = (),
    send_after: datetime | None = None,
    enqueue: Callable[[str], None] | None = None,
    racing: bool = False,
) -> m.Message | None:
    """The one way a text the bot sends on its own (an outcome, a payment's news, a notification, a code) is
    queued: once per dedupe key, never to a number that said STOP, announced after commit. The message queued now,
    or None when none was: the key was taken (a job run twice, an event sent again) or the shopper opted out
    (logged). The message rather than True: a tracking event's API answer says whether it notified, and with what.

    `enqueue`: the caller's unit of work, asked to start the sender after commit; without it the caller asks
    (the tracking API asks once for whatever its request queued). `racing`: another transaction may queue the same
    key at this moment (two copies of one tracking event), so it is queued in a savepoint and the loser's
    IntegrityError is a None, not a failed transaction."""
    guard: AbstractContextManager[object] = session.begin_nested() if racing else nullcontext()
    try:
        with guard:
            queued = queue_message(session, merchant=merchant, channel=channel, to=to, body=body,
                                   media_urls=media_urls, conversation_id=conversation_id, dedupe_key=dedupe_key,
                                   send_after=send_after)
    except OptedOut:
        log.info("%s opted out; %s not texted", to, dedupe_key)
        return None
    except IntegrityError:
        if racing:
            return None  # a concurrent transaction queued it first
        raise
    if queued.existed:
        return None
    publish(announced(queued.message))
    if enqueue is not None:
        enqueue("send_outbox")
    return queued.message


def by_key(session: Session, merchant_id: int, dedupe_key: str) -> m.Message | None:
    """The merchant's message with this dedupe key. Always the merchant's: a key names a tracking number, which
    only the merchant makes unique, so another merchant's message under it is not this one (migration 0007)."""
    return session.scalar(select(m.Message).where(m.Message.merchant_id == merchant_id,
                                                  m.Message.dedupe_key == dedupe_key))


def announced(msg: m.Message) -> MessageStored:
    """The event for a queued message (the console's transcript shows codes, notifications and follow-ups too)."""
    return MessageStored(merchant_id=msg.merchant_id, at=msg.created_at, conversation_id=msg.conversation_id,
                         message_id=msg.id, direction="out", channel=msg.channel)


PICKED_UP = ("sent", "sandbox", "delivered")  # a chat's message ready to be read (not queued, held or failed)


def sent_to_chat(session: Session, merchant_id: int, channel: str, address: str, *, after: int,
                 limit: int = 50) -> list[m.Message]:
    """What was sent to a chat (a web chat's session) after message `after`, oldest first: a person's replies,
    "Sam has joined", answers queued after an outage. A chat with no push transport reads them when it asks
    (channels/rest.py, POST /webhooks/rest/messages). Its own turns' answers went back in the webhook's answer
    (status "reply") and are not here."""
    conv_id = session.scalar(select(m.Conversation.id).where(
        m.Conversation.merchant_id == merchant_id, m.Conversation.channel == channel,
        m.Conversation.address == address))
    if conv_id is None:
        return []
    return list(session.scalars(select(m.Message).where(
        m.Message.conversation_id == conv_id, m.Message.direction == "out", m.Message.recipient == address,
        m.Message.status.in_(PICKED_UP), m.Message.id > after).order_by(m.Message.id).limit(limit)))


def is_opted_out(session: Session, merchant: m.Merchant, phone: str) -> bool:
    contact = session.scalar(
        select(m.Contact).where(m.Contact.merchant_id == merchant.id, m.Contact.phone == phone)
    )
    return bool(contact and contact.opted_out_at)


def pending(session: Session, now: datetime, limit: int = 100) -> list[m.Message]:
    stmt = (
        select(m.Message)
        .where(m.Message.direction == "out", m.Message.status == "queued")
        .where((m.Message.send_after.is_(None)) | (m.Message.send_after <= now))
        .order_by(m.Message.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def queue_unsent_replies(session: Session, merchant_id: int, channel: str, channel_message_id: str | None,
                         kept_at: datetime, attempt: str | None = None) -> bool:
    """A message kept through a database outage (bot/core/spool.py) turns out to be stored already: its turn
    committed as the connection broke, and the webhook answered "we've kept it", so its replies ("reply": they
    travel in the webhook's answer) never reached the shopper. Queue them to be texted; once queued they are no
    longer "reply", so another replay of the same message queues nothing. True if any were queued.

    Only a row stored before the message was kept: one stored after it came from Twilio retrying the webhook once
    the database was back, and that retry's own answer carried the replies, so texting them would say it all twice.
    (The webhook that failed stores and keeps on the same host, one clock: stored, then kept.)

    Times alone can't tell one case: a retry stored *before* the original got round to keeping (Twilio gave up on
    it while its turn waited on a stalled database). So each delivery has a name (`attempt`), stored with the row
    and moved to any retry answered with the stored replies: only a row still naming the kept delivery is its own
    commit. A row or a kept message without a name (stored or kept before names existed) keeps the time rule."""
    inbound = stored_inbound(session, merchant_id, channel, channel_message_id, stored_by=kept_at)
    if inbound is None:
        return False
    if attempt is not None and inbound.answered_by not in (None, attempt):
        return False  # another delivery stored it, or answered with it: its response carried the replies
    queued = session.execute(update(m.Message).where(m.Message.in_reply_to_id == inbound.id,
                                                     m.Message.status == "reply").values(status="queued"))
    return bool(queued.rowcount)  # type: ignore[attr-defined]
