"""Storing an inbound message once, whatever the channel retries.

Twilio retries a webhook it got no answer to, with the same MessageSid; the unique constraint on
(direction, channel, channel_message_id) is what says "seen before". INSERT ... ON CONFLICT DO NOTHING
RETURNING id asks it in one statement: a failed plain INSERT would abort the whole transaction on PostgreSQL,
so the old way needed a SELECT first, then SAVEPOINT, INSERT and RELEASE on every message. The row goes in
with its conversation, so it is never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from backend import models as m
from backend.db import add_row
from bot.core.messages import InboundMessage, Reply
from bot.core.redaction import redact_log
from intents.types import ParseResult


def store_inbound(session: Session, merchant_id: int, message: InboundMessage, nlu: ParseResult | None,
                  conversation_id: int | None = None) -> int | None:
    """The new row's id, or None when the channel's message id is stored already (a retried webhook)."""
    values = dict(merchant_id=merchant_id, conversation_id=conversation_id, direction="in", channel=message.channel,
                  channel_message_id=message.channel_message_id, sender=message.sender, recipient=message.recipient,
                  body=redact_log(message.text),  # gate/door codes never rest in clear
                  media_urls=[md.url for md in message.media], status="received",
                  intent=nlu.intent if nlu is not None else None,
                  confidence=nlu.confidence if nlu is not None else None,
                  answered_by=message.attempt)  # fmt: skip
    if message.kept_at is not None:  # kept through a database outage: stored as of when the shopper sent it
        values["created_at"] = message.kept_at
    return add_row(session, m.Message, values, unless_exists=True)


@dataclass(frozen=True)
class StoredInbound:
    """A stored inbound message as a retried webhook's replay needs it: which row, and which delivery answered it
    (read in one statement: queue_unsent_replies)."""

    id: int
    answered_by: str | None  # the delivery whose answer carried its replies (see stored_replies)


def stored_inbound_id(session: Session, merchant_id: int, channel: str, channel_message_id: str | None, *,
                      stored_by: datetime | None = None) -> int | None:
    """The id of this merchant's stored inbound message with that channel id, if any (another merchant's message
    with the same id is not ours to show); with `stored_by`, only if it was stored no later than that."""
    return session.scalar(_stored(select(m.Message.id), merchant_id, channel, channel_message_id, stored_by))


def stored_inbound(session: Session, merchant_id: int, channel: str, channel_message_id: str | None, *,
                   stored_by: datetime | None = None) -> StoredInbound | None:
    """As stored_inbound_id, with the delivery that answered it, in the same statement (a replay needs both)."""
    row = session.execute(_stored(select(m.Message.id, m.Message.answered_by), merchant_id, channel,
                                  channel_message_id, stored_by)).first()
    return StoredInbound(row.id, row.answered_by) if row is not None else None


def _stored(query: Select[Any], merchant_id: int, channel: str, channel_message_id: str | None,
            stored_by: datetime | None) -> Select[Any]:
    query = query.where(
        m.Message.merchant_id == merchant_id, m.Message.direction == "in", m.Message.channel == channel,
        m.Message.channel_message_id == channel_message_id)
    return query.where(m.Message.created_at <= stored_by) if stored_by is not None else query


def written_since(session: Session, conversation_id: int, moment: datetime, limit: int = 50) -> list[str]:
    """What the shopper has sent in this conversation after `moment`, oldest first (a message kept through an
    outage is not acted on once they have written since: bot/core/spool.py too_late)."""
    return list(session.scalars(select(m.Message.body).where(
        m.Message.conversation_id == conversation_id, m.Message.direction == "in",
        m.Message.created_at > moment).order_by(m.Message.id).limit(limit)))


def stored_replies(session: Session, merchant_id: int, message: InboundMessage) -> list[Reply] | None:
    """What was answered to this message the first time (a retried webhook gets the same words), or None if it was
    never stored. This delivery's answer carries them now, and the row says so (`answered_by`): if the first
    delivery's answer never arrived because its request was kept through an outage, its replay must not text them
    as well (bot/core/outbox.queue_unsent_replies). One UPDATE, on retries only."""
    inbound_id = stored_inbound_id(session, merchant_id, message.channel, message.channel_message_id)
    if inbound_id is None:
        return None
    if message.attempt is not None:
        session.execute(update(m.Message).where(m.Message.id == inbound_id).values(answered_by=message.attempt))
    rows = session.scalars(select(m.Message).where(m.Message.in_reply_to_id == inbound_id).order_by(m.Message.id))
    return [Reply(r.body, tuple(r.media_urls or ())) for r in rows if r.status == "reply"]
