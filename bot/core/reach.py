"""Where an answer that comes later can reach the shopper.

A change the carrier confirms later (retry_pending, finish_slow_change) is told "as soon as they do". On SMS and
WhatsApp that is the conversation itself. A web chat or the REST channel has nothing to deliver a message later
(its callers ask and are answered), so an outcome queued there reached nobody (review 6). But a change always
follows a one-time code, texted to the recipient's phone: the shopper in the chat proved they hold that phone, so
the outcome is texted there, by SMS, still attached to the chat's conversation for the console to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from bot.core.channels import merchant_number, spec_for


@dataclass(frozen=True)
class Destination:
    channel: str
    address: str


def later_destination(session: Session, merchant: m.Merchant, conv: m.Conversation,
                      tracking_number: str | None) -> Destination:  # fmt: skip
    """The conversation's own channel if it can be written to later; else the phone a one-time code for this
    parcel went to, if this conversation then gave that code correctly (proved it holds the phone) and the merchant
    texts from a number; else the conversation, as before (a chat still open picks it up:
    POST /webhooks/rest/messages). A code sent and never given proves nothing (code review 6: another parcel's
    recipient would have been texted a stranger's outcome), nor does a change with no parcel named."""
    own = Destination(conv.channel, conv.address)
    if spec_for(conv.channel).replies_later or not tracking_number or not merchant_number(merchant, "sms"):
        return own
    proved = session.scalar(select(m.AuditEntry.id).where(
        m.AuditEntry.merchant_id == merchant.id, m.AuditEntry.actor == conv.address,
        m.AuditEntry.action == "otp_check", m.AuditEntry.result == "ok", m.AuditEntry.subject == tracking_number,
    ).limit(1))
    if proved is None:
        return own
    sent_to = session.scalar(select(m.OneTimeCode.sent_to).where(
        m.OneTimeCode.conversation_id == conv.id, m.OneTimeCode.tracking_number == tracking_number,
        m.OneTimeCode.used_at.is_not(None),
    ).order_by(m.OneTimeCode.used_at.desc(), m.OneTimeCode.id.desc()).limit(1))
    if sent_to and sent_to.startswith("+"):  # a phone (a code by email has no later channel here)
        return Destination("sms", sent_to)
    return own
