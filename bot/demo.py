"""Demo data: one merchant and parcels in every interesting state, so every flow can be tried at once.

Times are relative to now, so the demo always reads as "today" whenever it is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m

DEMO_SLUG = "demo"
DEMO_SMS = "+441614960000"
DEMO_WHATSAPP = "+441614960001"


@dataclass(frozen=True)
class DemoParcel:
    phone: str
    tracking: str
    order: str
    item: str
    status: str
    eta_days: int | None
    postcode: str = "M1 4BT"
    signature_required: bool = False
    value: str = "49.99"
    live: dict | None = None
    note: str = ""


DEMO_PARCELS = (
    DemoParcel("+447700900123", "PB100000001GB", "100231", "Trail running shoes", "in_transit", 1,
               note="on its way, due tomorrow"),
    DemoParcel("+447700900456", "PB100000002GB", "100232", "Rain jacket", "out_for_delivery", 0,
               live={"stop": 4, "stops_total": 12}, note="out for delivery, stop 4 of 12"),
    DemoParcel("+447700900789", "PB100000003GB", "100233", "Camping stove", "delivered", -1,
               note="delivered yesterday, with a photo"),
    DemoParcel("+447700900321", "PB100000004GB", "100234", "Hiking boots", "failed_attempt", 0,
               note="delivery attempted today"),
    DemoParcel("+447700900654", "PB100000005GB", "100235", "Wool socks (3 pairs)", "in_transit", 2,
               note="two parcels on one number (1/2)"),
    DemoParcel("+447700900654", "PB100000006GB", "100236", "Headtorch", "label_created", 3,
               note="two parcels on one number (2/2)"),
    DemoParcel("+447700900987", "PB100000007GB", "100237", "GPS watch", "in_transit", 1,
               signature_required=True, value="399.00", note="signature required, high value"),
)


def _window(now: datetime, days: int | None) -> tuple[datetime | None, datetime | None]:
    if days is None:
        return None, None
    day = (now + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
    return day, day + timedelta(hours=4)


def seed_demo(session: Session, *, now: datetime | None = None) -> m.Merchant:
    """Idempotent: an existing demo merchant is reused and its parcels are reset."""
    now = now or datetime.now(UTC)
    merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == DEMO_SLUG))
    if merchant is None:
        merchant = m.Merchant(
            slug=DEMO_SLUG,
            name="Acme Outdoor",
            sms_number=DEMO_SMS,
            whatsapp_number=DEMO_WHATSAPP,
            timezone="Europe/London",
            settings={},
        )
        session.add(merchant)
        session.flush()
    for p in DEMO_PARCELS:
        row = session.scalar(select(m.Shipment).where(m.Shipment.tracking_number == p.tracking))
        if row is not None:
            session.delete(row)
            session.flush()
        start, end = _window(now, p.eta_days)
        row = m.Shipment(
            merchant_id=merchant.id,
            tracking_number=p.tracking,
            order_number=p.order,
            recipient_name="Sam Taylor",
            recipient_phone=p.phone,
            recipient_email=f"sam+{p.order}@example.com",
            address_line1="12 Acacia Avenue",
            city="Manchester",
            postcode=p.postcode,
            country="GB",
            status=p.status,
            status_at=now,
            eta_start=start,
            eta_end=end,
            signature_required=p.signature_required,
            value_amount=Decimal(p.value),
            value_currency="GBP",
            items=[{"sku": f"SKU-{p.order}", "name": p.item, "quantity": 1}],
            instructions={},
            live=p.live or {},
        )
        session.add(row)
        session.flush()
        for i, (status, desc) in enumerate(_history(p.status)):
            session.add(
                m.TrackingEvent(
                    shipment_id=row.id,
                    event_id=f"demo-{p.tracking}-{i}",
                    status=status,
                    occurred_at=now - timedelta(hours=6 * (len(_history(p.status)) - i)),
                    location="Manchester depot" if i else "Acme warehouse, Leeds",
                    description=desc,
                )
            )
        if p.status == "delivered":
            session.add(
                m.ProofOfDeliveryRecord(
                    shipment_id=row.id,
                    delivered_at=now - timedelta(hours=20),
                    place="Front porch",
                    latitude=53.4794,
                    longitude=-2.2453,
                    photos=["demo/porch.png"],
                )
            )
    return merchant


def _history(status: str) -> list[tuple[str, str]]:
    steps = [("label_created", "Label created"), ("in_transit", "Collected by the courier")]
    tail = {
        "label_created": [],
        "in_transit": [("in_transit", "Arrived at the local depot")],
        "out_for_delivery": [("out_for_delivery", "Out for delivery")],
        "delivered": [("out_for_delivery", "Out for delivery"), ("delivered", "Delivered, left in the porch")],
        "failed_attempt": [("out_for_delivery", "Out for delivery"), ("failed_attempt", "No one was in")],
    }
    return steps[:1] if status == "label_created" else steps + tail.get(status, [])
