"""The reference backend reads parcels as plain rows (no ORM objects) and changes them through the ORM: both views
must always agree, in the same transaction too."""

from __future__ import annotations

from datetime import timedelta

from backend_testkit import NOW

from backend import models as m
from backend.reference import ReferenceBackend, to_domain


def test_a_read_parcel_is_the_same_as_the_orm_rows_view_events_in_time_order(session, merchant, make_row):  # noqa: ANN001
    row = make_row()
    for k, (status, hours) in enumerate((("out_for_delivery", 1), ("label_created", 30), ("in_transit", 5))):
        session.add(m.TrackingEvent(shipment=row, event_id=f"e{k}", status=status,
                                    occurred_at=NOW - timedelta(hours=hours), location="Manchester depot",
                                    description=status))  # fmt: skip
    bare = make_row()  # no events at all: the outer join still finds it
    session.flush()
    session.expire_all()
    backend = ReferenceBackend(session, merchant, now=NOW)
    read = backend.get_shipment(row.tracking_number.lower())
    assert read == to_domain(session.get(m.Shipment, row.id), merchant_slug=merchant.slug)
    assert [e.status.value for e in read.events] == ["label_created", "in_transit", "out_for_delivery"]
    assert backend.get_shipment(bare.tracking_number).events == ()
    by_phone = backend.find_shipments(phone="+447700900123")
    assert [s.tracking_number for s in by_phone] == [bare.tracking_number, row.tracking_number]  # newest first
    assert backend.get_shipment("PB000000000GB") is None


def test_a_change_made_through_the_orm_is_read_back_in_the_same_transaction(session, merchant, make_row):  # noqa: ANN001
    row = make_row()
    backend = ReferenceBackend(session, merchant, now=NOW)
    row.instructions = {"safe_place": "porch"}  # pending, not flushed: the read must flush it first
    assert backend.get_shipment(row.tracking_number).instructions == {"safe_place": "porch"}


def test_another_merchants_parcel_is_never_read(session, merchant, make_row):  # noqa: ANN001
    row = make_row()
    other = m.Merchant(slug="other", name="Other Ltd", timezone="Europe/London", settings={})
    session.add(other)
    session.flush()
    assert ReferenceBackend(session, other, now=NOW).get_shipment(row.tracking_number) is None
    assert ReferenceBackend(session, other, now=NOW).find_shipments(phone="+447700900123") == []
