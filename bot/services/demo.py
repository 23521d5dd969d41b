"""Demo data: one merchant and parcels in every interesting state, so every flow can be tried at once.

Times are anchored to the merchant's local clock on the day it is seeded (label printed two days ago,
delivered yesterday at 14:26, out for delivery today at 07:40...), never "now minus N hours": that way
the status reply, the proof of delivery and the tracking page tell the same story, and every label the
CLI prints ("due tomorrow", "delivery attempted today") stays true whatever the hour it is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend import models as m

DEMO_SLUG = "demo"
DEMO_SMS = "+441614960000"
DEMO_WHATSAPP = "+441614960001"
DEMO_TIMEZONE = "Europe/London"


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

# A parcel's history as (status, description, day relative to the seeding day, local time of day).
_Step = tuple[str, str, int, time]
LABEL = ("label_created", "Label created", -2, time(16, 10))
COLLECTED = ("in_transit", "Collected by the courier", -2, time(18, 30))
AT_DEPOT = ("in_transit", "Arrived at the local depot", -1, time(5, 50))
HISTORY: dict[str, list[_Step]] = {
    "label_created": [("label_created", "Label created", -1, time(16, 10))],
    "in_transit": [LABEL, COLLECTED, AT_DEPOT],
    "out_for_delivery": [LABEL, COLLECTED, AT_DEPOT, ("out_for_delivery", "Out for delivery", 0, time(7, 40))],
    "delivered": [LABEL, COLLECTED, ("out_for_delivery", "Out for delivery", -1, time(7, 40)),
                  ("delivered", "Delivered, left in the porch", -1, time(14, 26))],
    "failed_attempt": [LABEL, COLLECTED, AT_DEPOT, ("out_for_delivery", "Out for delivery", 0, time(7, 40)),
                       ("failed_attempt", "No one was in", 0, time(14, 26))],
}
USUAL_WINDOW = (time(9), time(13))  # what a parcel due another day is booked for
SLACK = timedelta(minutes=10)  # today's events are at least this far behind the moment of seeding


def _at(tz: ZoneInfo, day: date, clock: time) -> datetime:
    """A local wall-clock time, as UTC."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _hour_of(moment: datetime, tz: ZoneInfo) -> datetime:
    """The start of the local hour `moment` falls in, as UTC."""
    return moment.astimezone(tz).replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def _timeline(steps: list[_Step], now: datetime, tz: ZoneInfo) -> list[datetime]:
    """The events' moments. Today's happen at their usual hour if it has passed; seeded earlier than
    that (say at 01:00), they are spread over the part of today already gone, so they are still today."""
    today = now.astimezone(tz).date()
    out = [_at(tz, today + timedelta(days=d), clock) for _, _, d, clock in steps]
    todays = [i for i, (_, _, d, _) in enumerate(steps) if d == 0]
    if todays and out[todays[-1]] > now - SLACK:
        midnight = _at(tz, today, time(0))
        gone = now - midnight
        for n, i in enumerate(todays, start=1):
            out[i] = midnight + gone * n / (len(todays) + 1)
    return out


def _window(p: DemoParcel, events: list[datetime], now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The delivery window: for an attempt or a delivery, the one it happened in; out for delivery,
    the rest of today's round; otherwise the usual morning window on the due day."""
    if p.eta_days is None:
        return None
    today = now.astimezone(tz).date()
    if p.status in ("delivered", "failed_attempt"):
        day = events[-1].astimezone(tz).date()
        start = max(_hour_of(events[-1] - timedelta(hours=2), tz), _at(tz, day, time(0)))
        return start, min(start + timedelta(hours=4), _at(tz, day, time(23, 59)))
    if p.status == "out_for_delivery":
        start = max(_at(tz, today, USUAL_WINDOW[0]), _hour_of(now, tz))
        return start, min(start + timedelta(hours=4), _at(tz, today, time(23, 59)))
    day = today + timedelta(days=p.eta_days)
    return _at(tz, day, USUAL_WINDOW[0]), _at(tz, day, USUAL_WINDOW[1])


def seed_demo(session: Session, *, now: datetime | None = None) -> m.Merchant:
    """Idempotent: an existing demo merchant is reused (with its time zone) and its parcels are reset."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == DEMO_SLUG))
    if merchant is None:
        merchant = m.Merchant(
            slug=DEMO_SLUG,
            name="Acme Outdoor",
            sms_number=DEMO_SMS,
            whatsapp_number=DEMO_WHATSAPP,
            timezone=DEMO_TIMEZONE,
            settings={},
        )
        session.add(merchant)
        session.flush()
    tz = ZoneInfo(merchant.timezone or DEMO_TIMEZONE)
    _reset(session, merchant)  # one SELECT, nothing found on a new merchant
    # All the parcels in one flush, then their events and photos with the rest of the transaction: seeding ran a
    # statement per parcel before, which every test that seeds the demo paid (about 90 ms a test on a slow CPU).
    rows = []
    for p in DEMO_PARCELS:
        moments = _timeline(HISTORY[p.status], now, tz)
        start, end = _window(p, moments, now, tz) or (None, None)
        rows.append((p, moments, m.Shipment(
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
            status_at=moments[-1],
            eta_start=start,
            eta_end=end,
            signature_required=p.signature_required,
            value_amount=Decimal(p.value),
            value_currency="GBP",
            items=[{"sku": f"SKU-{p.order}", "name": p.item, "quantity": 1}],
            instructions={},
            live=p.live or {},
        )))
    session.add_all([row for _, _, row in rows])
    session.flush()
    for p, moments, row in rows:
        session.add_all([
            m.TrackingEvent(
                shipment_id=row.id,
                event_id=f"demo-{p.tracking}-{i}",
                status=status,
                occurred_at=at,
                location="Manchester depot" if i else "Acme warehouse, Leeds",
                description=desc,
            )
            for i, ((status, desc, _, _), at) in enumerate(zip(HISTORY[p.status], moments, strict=True))
        ])
        if p.status == "delivered":  # the photo was taken when it was left: the "delivered" event
            session.add(
                m.ProofOfDeliveryRecord(
                    shipment_id=row.id,
                    delivered_at=moments[-1],
                    place="Front porch",
                    latitude=53.4794,
                    longitude=-2.2453,
                    photos=["demo/porch.png"],
                )
            )
    return merchant


def _reset(session: Session, merchant: m.Merchant) -> None:
    """Remove the demo parcels seeded before, with their proof of delivery (which would block the delete). Only the
    demo merchant's: another merchant may use the same numbers (migration 0005)."""
    rows = session.scalars(select(m.Shipment).where(
        m.Shipment.merchant_id == merchant.id,
        m.Shipment.tracking_number.in_([p.tracking for p in DEMO_PARCELS]))).all()
    if not rows:
        return
    session.execute(delete(m.ProofOfDeliveryRecord).where(
        m.ProofOfDeliveryRecord.shipment_id.in_([row.id for row in rows])))
    for row in rows:
        session.delete(row)
    session.flush()
