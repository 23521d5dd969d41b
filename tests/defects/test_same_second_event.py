"""Issue 16's review: a "delivered" event stamped in the same second as a status set through the API was
ignored (the API's status time has microseconds, the carrier's event doesn't): no status change, no text."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from tests.api.support import event, shipment


def test_a_delivered_event_in_the_same_second_as_an_api_status_moves_the_parcel_and_tells_the_shopper(
        runtime, client, auth):
    body = shipment(status="out_for_delivery")
    assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
    with transaction(runtime.sessions) as session:
        row = session.scalar(select(m.Shipment).where(m.Shipment.tracking_number == body["tracking_number"]))
        row.status_at = row.status_at.replace(microsecond=500_000)  # set through the API at hh:mm:ss.5
        same_second = row.status_at.replace(microsecond=0)
    delivered = {**event("delivered"), "occurred_at": same_second.isoformat()}
    answer = client.post(f"/api/v1/shipments/{body['tracking_number']}/events", json=delivered, headers=auth)
    assert answer.status_code in (200, 201)
    assert answer.get_json()["status_changed"] is True
    with runtime.sessions() as session:
        row = session.scalar(select(m.Shipment).where(m.Shipment.tracking_number == body["tracking_number"]))
        assert row.status == "delivered"
        texts = session.scalars(select(m.Message.body).where(m.Message.direction == "out",
                                                             m.Message.recipient == "+447700900111")).all()
    assert any("deliver" in text.lower() for text in texts), texts


def test_an_event_a_second_older_than_the_status_still_does_not_move_it_back(runtime, client, auth):
    body = shipment(status="delivered")
    assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
    with runtime.sessions() as session:
        status_at = session.scalar(select(m.Shipment.status_at)
                                   .where(m.Shipment.tracking_number == body["tracking_number"]))
    a_second_before = (status_at.replace(microsecond=0) - timedelta(seconds=1)).isoformat()
    older = {**event("out_for_delivery"), "occurred_at": a_second_before}
    answer = client.post(f"/api/v1/shipments/{body['tracking_number']}/events", json=older, headers=auth)
    assert answer.get_json()["status_changed"] is False
