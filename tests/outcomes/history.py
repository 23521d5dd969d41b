"""A small hand-made history for one merchant in New York (UTC-5 in November 2026, after the clocks went
back on 1 November), with every expected figure worked out by hand in tests/outcomes/test_outcomes.py.

The range is [2026-11-02, 2026-11-09) local: 05:00 UTC on the 2nd to 05:00 UTC on the 9th.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend import models as m

NY = ZoneInfo("America/New_York")
_ids = itertools.count(1)


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY).astimezone(UTC)


class History:
    def __init__(self, session: Session, slug: str = "ny", settings: dict | None = None) -> None:
        self.s = session
        self.merchant = m.Merchant(slug=slug, name=slug.upper(), timezone="America/New_York", settings=settings or {},
                                   sms_number=f"+1212555{next(_ids):04d}")
        session.add(self.merchant)
        session.flush()

    def conversation(self, address: str, channel: str = "sms", contact_id: int | None = None) -> m.Conversation:
        conv = m.Conversation(merchant_id=self.merchant.id, channel=channel, address=address, state={},
                              contact_id=contact_id)
        self.s.add(conv)
        self.s.flush()
        return conv

    def contact(self, phone: str) -> int:
        row = m.Contact(merchant_id=self.merchant.id, phone=phone)
        self.s.add(row)
        self.s.flush()
        return row.id

    def inbound(self, conv: m.Conversation, at: datetime, intent: str | None = None,
                confidence: float | None = None) -> None:
        self.s.add(m.Message(merchant_id=self.merchant.id, conversation_id=conv.id, direction="in",
                             channel=conv.channel, sender=conv.address, recipient="shop", body="hi", status="received",
                             intent=intent, confidence=confidence, created_at=at))

    def outbound(self, at: datetime, *, conv: m.Conversation | None = None, author: str | None = None,
                 status: str = "reply", dedupe: str | None = None, channel: str = "sms") -> None:
        self.s.add(m.Message(merchant_id=self.merchant.id, conversation_id=conv.id if conv else None, direction="out",
                             channel=conv.channel if conv else channel, sender="shop",
                             recipient=conv.address if conv else "+12125550000", body="ok", status=status,
                             author=author, dedupe_key=dedupe, created_at=at))

    def audit(self, action: str, result: str, at: datetime, subject: str | None = None, **detail: object) -> None:
        self.s.add(m.AuditEntry(merchant_id=self.merchant.id, actor="test", action=action, result=result, at=at,
                                subject=subject, detail=detail))

    def shipment(self, carrier: str, eta_end: datetime | None, *attempts: tuple[str, datetime]) -> str:
        tracking = f"PB7{next(_ids):08d}US"
        row = m.Shipment(merchant_id=self.merchant.id, tracking_number=tracking, carrier=carrier, eta_end=eta_end,
                         eta_start=None, status=attempts[-1][0] if attempts else "in_transit")
        self.s.add(row)
        self.s.flush()
        for n, (status, at) in enumerate(attempts):
            self.s.add(m.TrackingEvent(shipment_id=row.id, event_id=f"e{n}", status=status, occurred_at=at))
        return tracking

    def change(self, tracking: str, action: str, status: str, asked: datetime, answered: datetime | None = None,
               **params: object) -> None:
        self.s.add(m.DeliveryChange(merchant_id=self.merchant.id, tracking_number=tracking, action=action,
                                    params=params, idempotency_key=f"k{next(_ids)}", status=status, created_at=asked,
                                    updated_at=answered or asked))

    def payment(self, amount: str, paid_at: datetime | None, refunded: str | None = None) -> None:
        n = next(_ids)
        self.s.add(m.Payment(merchant_id=self.merchant.id, provider="sandbox", provider_ref=f"p{n}",
                             tracking_number="PB1", idempotency_key=f"pay{n}", amount=Decimal(amount), currency="USD",
                             status="paid" if paid_at else "open", expires_at=local(30, 0),
                             paid_at=paid_at, refunded_amount=Decimal(refunded) if refunded else None))
