"""Delivery receipts (Twilio's StatusCallback) for the messages we sent: each moves its message forward, once.

A receipt can come before its send is recorded: Twilio may call back within milliseconds of answering the send,
while the sender's transaction that stores the MessageSid has not committed. Such a receipt is kept in
early_receipts (the furthest status for each SID) and applied once the send is recorded (settle_early),
so the merchant's results count what reached a phone even then. Receipts nobody claims (a SID from another
system on the same account, a send whose record was lost) are purged after a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend import models as m
from backend.db import insert_or_nothing

# What a messaging provider's delivery receipt may say, and how far along each is: a receipt only ever moves a
# message forward ("sent" after "delivered" is a late, out-of-order callback, and changes nothing).
RECEIPT_ORDER = {"sent": 1, "delivered": 2, "read": 3, "undelivered": 2, "failed": 2}
RECEIPT_STATUS = {"sent": "sent", "delivered": "delivered", "read": "delivered", "undelivered": "failed",
                  "failed": "failed"}
KEEP_EARLY = timedelta(days=1)  # an early receipt whose send is never recorded is dropped after this


APPLIED, IGNORED, KEPT = "applied", "ignored", "kept"


def record_receipt(session: Session, channel_message_id: str, receipt: str, error: str | None = None, *,
                   now: datetime | None = None) -> str:
    """A provider's delivery receipt for a message we sent: APPLIED if it moved the message on, IGNORED if there
    was nothing to record ("queued", "sending", a late "sent"), KEPT if no message holds the SID yet: then the
    caller settles it again after its commit (settle_early)."""
    if RECEIPT_STATUS.get(receipt) is None or not channel_message_id:
        return IGNORED
    msg = session.scalar(select(m.Message).where(m.Message.direction == "out",
                                                 m.Message.channel_message_id == channel_message_id)
                         .with_for_update())  # two receipts at once: one after the other, each moving it forward
    if msg is None:
        _keep_early(session, channel_message_id, receipt, error, now)
        return KEPT
    return APPLIED if _apply(msg, receipt, error) else IGNORED


def settle_early(session: Session, channel_message_id: str) -> bool:
    """A receipt kept early for this SID, applied to its message if both are there now; True if it was.

    Each side calls it after its own commit, in a transaction of its own: the sender once the SID is recorded, the
    receipt's request once the early row is. Two transactions that each looked before the other committed saw
    nothing, but whichever commits second sees both rows here (READ COMMITTED). The early row is locked, so two
    settlers at once apply it once."""
    row = session.get(m.EarlyReceipt, channel_message_id, with_for_update=True)
    if row is None:
        return False
    msg = session.scalar(select(m.Message).where(m.Message.direction == "out",
                                                 m.Message.channel_message_id == channel_message_id)
                         .with_for_update())
    if msg is None:
        return False
    session.delete(row)
    return _apply(msg, row.receipt, row.error)


def purge_early_receipts(session: Session, now: datetime) -> int:
    """First the safety net: a receipt kept early whose send is recorded by now (a sender that died between its
    record and its settle_early) is applied. Then the receipts whose send was never recorded, kept longer than
    KEEP_EARLY, go: nothing will claim them. Returns how many went."""
    recorded = (m.Message.channel_message_id == m.EarlyReceipt.channel_message_id) & (m.Message.direction == "out")
    claimed = session.scalars(select(m.EarlyReceipt.channel_message_id).join(m.Message, recorded))
    for sid in list(claimed):
        settle_early(session, sid)
    done = session.execute(delete(m.EarlyReceipt).where(m.EarlyReceipt.received_at < now - KEEP_EARLY))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def _apply(msg: m.Message, receipt: str, error: str | None) -> bool:
    if RECEIPT_ORDER.get(receipt, 0) <= RECEIPT_ORDER.get(msg.status, 0):
        return False
    status = RECEIPT_STATUS[receipt]
    msg.status = status
    if status == "failed":
        msg.error = (f"the provider could not deliver it ({receipt}" + (f", error {error}" if error else "") + ")")
    return True


def _keep_early(session: Session, sid: str, receipt: str, error: str | None, now: datetime | None) -> None:
    """One row per SID holding the furthest receipt (callbacks arrive out of order, and two may race)."""
    values = {"channel_message_id": sid, "receipt": receipt, "error": (error or None) and error[:64]}
    if now is not None:
        values["received_at"] = now
    stmt = insert_or_nothing(session, m.EarlyReceipt).values(**values).returning(m.EarlyReceipt.channel_message_id)
    if session.execute(stmt).first() is not None:  # (rowcount says -1 here on PostgreSQL: RETURNING tells)
        return
    row = session.get(m.EarlyReceipt, sid, with_for_update=True)
    if row is not None and RECEIPT_ORDER.get(receipt, 0) > RECEIPT_ORDER.get(row.receipt, 0):
        row.receipt, row.error = receipt, values["error"]
