"""Tracking events: idempotent by event id, late and out-of-order events never move a parcel backwards,
and the newest driver progress is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend import models as m
from tests.api.support import event, shipment


@pytest.fixture
def tracking(client, auth) -> str:
    body = shipment()
    assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
    return body["tracking_number"]


def post(client, auth, tracking, body):  # noqa: ANN001, ANN201
    return client.post(f"/api/v1/shipments/{tracking}/events", json=body, headers=auth)


def stored_events(runtime, tracking) -> int:  # noqa: ANN001
    with runtime.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(m.TrackingEvent).join(m.Shipment)
            .where(m.Shipment.tracking_number == tracking)
        )


def test_same_event_twice_is_stored_once(client, auth, runtime, tracking):
    body = event("in_transit", 10)
    first = post(client, auth, tracking, body)
    assert first.status_code == 201 and first.get_json()["duplicate"] is False
    again = post(client, auth, tracking, body)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert stored_events(runtime, tracking) == 1
    with runtime.sessions() as session:  # and the shopper heard about it once
        sent = session.scalar(select(func.count()).select_from(m.Message)
                              .where(m.Message.dedupe_key.like("notify:%")))
    assert sent == 1


def test_an_older_event_never_moves_the_status_backwards(client, auth, runtime, tracking):
    assert post(client, auth, tracking, event("out_for_delivery", 30)).get_json()["status_changed"] is True
    late = post(client, auth, tracking, event("in_transit", 120))  # happened earlier, arrived later
    assert late.status_code == 201
    assert late.get_json()["status_changed"] is False and late.get_json()["shipment"]["status"] == "out_for_delivery"
    data = client.get(f"/api/v1/shipments/{tracking}", headers=auth).get_json()
    assert data["status"] == "out_for_delivery"
    assert [e["status"] for e in data["events"]] == ["in_transit", "out_for_delivery"]  # history by time
    newer = post(client, auth, tracking, event("delivered", 1))
    assert newer.get_json()["status_changed"] is True and newer.get_json()["shipment"]["status"] == "delivered"


def test_the_newest_driver_progress_is_kept(client, auth, tracking):
    eta = {"start": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
           "end": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}
    post(client, auth, tracking, event("out_for_delivery", 20, stop=4, stops_total=12, eta=eta,
                                        position={"lat": 53.48, "lng": -2.24}))
    post(client, auth, tracking, event("out_for_delivery", 5, stop=7, stops_total=12))
    post(client, auth, tracking, event("out_for_delivery", 40, stop=1, stops_total=12))  # stale, arrived late
    live = client.get(f"/api/v1/shipments/{tracking}", headers=auth).get_json()["live"]
    assert live["stop"] == 7 and live["stops_total"] == 12
    assert live["position"] == {"lat": 53.48, "lng": -2.24}  # not resent, so kept from the earlier event
    assert datetime.fromisoformat(live["eta"]["start"]) == datetime.fromisoformat(eta["start"])
    post(client, auth, tracking, event("delivered", 1))
    assert client.get(f"/api/v1/shipments/{tracking}", headers=auth).get_json()["live"] == {}


BAD_EVENTS = [
    ({"event_id": ""}, "event_id"),
    ({"status": "teleported"}, "status"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": "2026-11-23T09:00:00"}, "occurred_at"),
    ({"occurred_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "occurred_at"),
    ({"stop": 13, "stops_total": 12}, "stop"),
    ({"stop": "four"}, "stop"),
    ({"stops_total": 0}, "stops_total"),
    ({"position": {"lat": 91, "lng": 0}}, "position.lat"),
    ({"position": {"lat": 51, "lng": "east"}}, "position.lng"),
    ({"eta": {"start": "2026-11-23T09:00:00+00:00"}}, "eta.end"),
    ({"driver": "Bob"}, "driver"),
]


@pytest.mark.parametrize(("change", "field"), BAD_EVENTS, ids=[f for _, f in BAD_EVENTS])
def test_each_invalid_event_field_is_named(client, auth, runtime, tracking, change, field):
    response = post(client, auth, tracking, {**event("in_transit", 5), **change})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]
    assert stored_events(runtime, tracking) == 0


def test_missing_required_event_fields_are_all_named(client, auth, tracking):
    response = post(client, auth, tracking, {})
    assert set(response.get_json()["errors"]) == {"event_id", "status", "occurred_at"}


def test_events_for_an_unknown_parcel_are_404(client, auth):
    response = post(client, auth, "PB000000000GB", event("in_transit"))
    assert response.status_code == 404 and response.is_json


def test_each_event_write_is_audited(client, auth, runtime, tracking):
    body = event("in_transit", 3)
    post(client, auth, tracking, body)
    post(client, auth, tracking, body)
    with runtime.sessions() as session:
        results = session.scalars(select(m.AuditEntry.result).where(
            m.AuditEntry.action == "api_event", m.AuditEntry.subject == tracking).order_by(m.AuditEntry.id)).all()
    assert results == ["status_changed", "duplicate"]
