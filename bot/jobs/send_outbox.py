"""Sending the outbox: queued messages whose time has come go out, once, through one transport.

Each message is claimed with a compare-and-set (attempts+1 and a short lease in send_after) before the
network call, so two workers never send the same row, and a worker that dies mid-send leaves the row to be
retried when the lease runs out. The claim also notes that an attempt is under way (`unsure_since`) until its
outcome is recorded: an attempt that died, or whose answer was lost after the request left, may have reached
the shopper, so the next one hands that moment to the transport, which looks the message up before sending it
again (Twilio has no idempotency key for a send). No transaction is open while the transport is called. Without Twilio
credentials the SandboxSender "delivers" nowhere: the message is marked "sandbox" and stays readable in the
outbox (CLI chat, GET /api/v1/outbox, the demo page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend import models as m
from backend.db import add_row, transaction
from bot.core import audit, telemetry
from bot.core.outbox import is_opted_out, pending
from bot.core.ports import Outgoing, Sender, SendError
from bot.core.receipts import purge_early_receipts, settle_early
from bot.jobs.registry import JobContext, job

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)  # a send that takes longer than this is presumed dead and retried
RATE_LIMITED = 429
LOOKUP_SLACK = timedelta(minutes=10)  # wider than any transport's clock slack: a recorded SID is never ours
MAX_WAIT = timedelta(hours=1)  # a transport's Retry-After is honoured up to this (a day-long one would be a bug)


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min: a carrier-side blip is ridden out, a long outage isn't hammered."""
    return timedelta(seconds=min(30 * 4 ** max(attempts - 1, 0), 3600))


def send_due(ctx: JobContext, now: datetime | None = None, *, sender: Sender | None = None, limit: int = 100) -> int:
    """Send every queued message that is due; returns how many were delivered (sent, or kept in the sandbox).

    Each claim, record and retry reads the clock afresh (`now` fixes it, for tests): a sweep through a slow
    transport takes minutes, and a lease counted from the sweep's start had run out before a later message's send
    began, so a second sweep took it and sent it again (found by review)."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else ctx.clock
    sender = sender or ctx.sender
    with ctx.sessions() as session:
        ids = [msg.id for msg in pending(session, clock(), limit)]
    delivered = 0
    for message_id in ids:
        sent = _send_one(ctx.sessions, message_id, sender, clock)
        if sent is None:  # a rate limit is about the account: the rest wait for the next sweep, their tries unspent
            log.warning("the transport is rate limiting; %d message(s) left for the next sweep",
                        len(ids) - ids.index(message_id) - 1)
            break
        delivered += sent
    return delivered


@job("send_outbox")
def send_outbox(ctx: JobContext, **_: Any) -> int:
    return send_due(ctx)


@job("purge_early_receipts")
def purge_early_receipts_job(ctx: JobContext, **_: Any) -> int:
    """Delivery receipts whose send was never recorded, a day on (bot/core/receipts.py); hourly."""
    with transaction(ctx.sessions) as session:
        return purge_early_receipts(session, ctx.clock())


def _take(sessions: sessionmaker[Session], message_id: int, now: datetime) -> tuple[Outgoing, int] | None:
    """The message claimed for one attempt, and that attempt's number (what says the claim is still ours)."""
    with transaction(sessions) as session:
        in_doubt = session.scalar(select(m.Message.unsure_since).where(m.Message.id == message_id))
        claimed = session.execute(
            update(m.Message)
            .where(
                m.Message.id == message_id,
                m.Message.status == "queued",
                or_(m.Message.send_after.is_(None), m.Message.send_after <= now),
            )
            .values(attempts=m.Message.attempts + 1, send_after=now + LEASE,
                    unsure_since=func.coalesce(m.Message.unsure_since, now))
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            return None  # another worker has it, or it was sent/cancelled meanwhile
        msg = session.get(m.Message, message_id)
        merchant = session.get(m.Merchant, msg.merchant_id)
        if msg.recipient.startswith("+") and is_opted_out(session, merchant, msg.recipient):
            msg.status, msg.error = "suppressed", "recipient opted out"
            return None
        return Outgoing(msg.id, msg.channel, msg.sender, msg.recipient, msg.body, tuple(msg.media_urls or ()),
                        maybe_sent_since=in_doubt,
                        recorded_ids=_recorded_since(session, msg, in_doubt) if in_doubt else frozenset()), msg.attempts


def _recorded_since(session: Session, msg: m.Message, since: datetime) -> frozenset[str]:
    """The SIDs of our other sends to this recipient from this number since a doubtful attempt began (with the
    transport's clock slack): a look-up must not take one of them for this message (the rare path: in doubt)."""
    return frozenset(session.scalars(select(m.Message.channel_message_id).where(
        m.Message.direction == "out", m.Message.channel == msg.channel, m.Message.recipient == msg.recipient,
        m.Message.sender == msg.sender, m.Message.id != msg.id, m.Message.channel_message_id.is_not(None),
        m.Message.sent_at >= since - LOOKUP_SLACK)))


def _send_one(sessions: sessionmaker[Session], message_id: int, sender: Sender,
              clock: Callable[[], datetime]) -> bool | None:
    """True if delivered, False if not (queued again, failed, or not ours to send), None if the transport said
    it is rate limiting (429): asking it again for the next message would only spend that message's tries."""
    taken = _take(sessions, message_id, clock())
    if taken is None:
        return False
    out, attempt = taken
    try:
        result = sender.send(out)  # outside any transaction: never hold a lock across the network
    except SendError as exc:
        final = _failed(sessions, message_id, str(exc), retry=exc.retry, now=clock(), wait=exc.retry_after,
                        maybe_sent=exc.maybe_sent, attempt=attempt, opted_out=exc.opted_out)
        telemetry.send_failed(out.channel, telemetry.status_class(exc.status, reached=exc.reached), final=final)
        return None if exc.status == RATE_LIMITED else False
    except Exception as exc:  # a bug in a transport must not lose the message: retry it like an outage
        log.exception("sender %s crashed on message %s", getattr(sender, "name", sender), message_id)
        final = _failed(sessions, message_id, f"{exc.__class__.__name__}: {exc}", retry=True, now=clock(),
                        maybe_sent=True, attempt=attempt)
        telemetry.send_failed(out.channel, "none", final=final)
        return False
    telemetry.sent(out.channel, result.status)
    with transaction(sessions) as session:
        msg = _still_ours(session, message_id, attempt)
        if msg is None:
            return True  # delivered; the row is another attempt's now, and that one records it
        msg.status, msg.sent_at, msg.error, msg.unsure_since = result.status, clock(), None, None
        msg.channel_message_id = result.channel_message_id
    if result.channel_message_id:  # a receipt that overtook this record waits for it: applied now, once committed
        with transaction(sessions) as session:
            settle_early(session, result.channel_message_id)
    return True


def _failed(sessions: sessionmaker[Session], message_id: int, error: str, *, retry: bool, now: datetime,
            attempt: int, wait: float | None = None, maybe_sent: bool = False, opted_out: bool = False) -> bool:
    """Queue it again (after our backoff, or the transport's Retry-After if longer) or give up; True when that
    was its last try. The error stays on the message either way: its status says where it is, the error why.
    A transport that answered "no" settles the doubt; one whose answer never came leaves it for the next try.
    A recipient the transport says opted out with it is recorded as opted out here too (`opted_out`)."""
    with transaction(sessions) as session:
        msg = _still_ours(session, message_id, attempt)
        if msg is None:
            return False  # another attempt has the row: its outcome, not this one's, is the message's
        if opted_out:
            _opt_out(session, msg, now)
        msg.error = error[:2000]
        if not maybe_sent:
            msg.unsure_since = None
        if retry and msg.attempts < MAX_ATTEMPTS:
            asked = timedelta(seconds=wait) if wait else timedelta(0)
            msg.status, msg.send_after = "queued", now + min(max(backoff(msg.attempts), asked), MAX_WAIT)
            log.warning("message %s not sent (attempt %s), retrying: %s", message_id, msg.attempts, error)
            return False
        msg.status = "failed"
        log.error("message %s failed for good after %s attempt(s): %s", message_id, msg.attempts, error)
        return True


def _opt_out(session: Session, msg: m.Message, now: datetime) -> None:
    """The recipient texted STOP to the transport itself (Twilio's opt-out handling answers 21610 to every send):
    recorded on their contact as if they had texted it to us, so nothing more is queued or tried for them and the
    console shows it; START clears it either way. Before, each notice to them was tried, refused and failed, and
    the merchant's records still had them subscribed (review 10)."""
    add_row(session, m.Contact, {"merchant_id": msg.merchant_id, "phone": msg.recipient}, unless_exists=True)
    contact = session.scalar(select(m.Contact).where(m.Contact.merchant_id == msg.merchant_id,
                                                     m.Contact.phone == msg.recipient).with_for_update())
    if contact is None or contact.opted_out_at is not None:
        return
    contact.opted_out_at = now
    audit.record(session, at=now, merchant_id=msg.merchant_id, actor="system:send_outbox", action="opt_out",
                 result="opted_out", channel=msg.channel, reason="the transport says the recipient opted out")


def _still_ours(session: Session, message_id: int, attempt: int) -> m.Message | None:
    """The message, locked, if no later attempt has claimed it since ours (`attempt`: our claim's number). A send
    that outlived its lease is not allowed to write over the attempt that took the row after it: that one's
    SID, status and retry time are the message's."""
    msg = session.get(m.Message, message_id, with_for_update=True)
    if msg is None or msg.attempts != attempt:
        log.error("message %s: attempt %s outlived its lease; a later attempt has the row", message_id, attempt)
        return None
    return msg
