"""POST/GET /api/v1/shipments: create, update, validation naming every bad field, redaction, audit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.secrets_box import seal
from tests.api.support import new_tracking, shipment


def test_create_then_update_a_shipment(client, auth, runtime):
    body = shipment(recipient={"name": "Sam Taylor", "phone": "07700 900111", "email": "Sam@Example.com"})
    created = client.post("/api/v1/shipments", json=body, headers=auth)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["tracking_number"] == body["tracking_number"]
    assert data["recipient"] == {"name": "Sam Taylor", "phone": "+447700900111", "email": "sam@example.com"}
    assert data["value"] == {"amount": "49.99", "currency": "GBP"}
    assert data["eta"] == {"start": "2026-11-23T09:00:00+00:00", "end": "2026-11-23T13:00:00+00:00"}
    assert data["items"] == [{"sku": "TR-42", "name": "Trail running shoes", "quantity": 1}]
    assert data["status"] == "label_created" and data["events"] == [] and data["changes"] == []
    assert data["tracking_url"].startswith("https://bot.example.com/t/")

    updated = client.post("/api/v1/shipments", headers=auth, json={
        "tracking_number": body["tracking_number"].lower(), "status": "in_transit",
        "address": {"line1": "14 Acacia Avenue", "city": "Manchester", "postcode": "m14bt"}})
    assert updated.status_code == 200, updated.get_json()
    data = updated.get_json()
    assert data["status"] == "in_transit" and data["status_at"] is not None
    assert data["address"]["line1"] == "14 Acacia Avenue" and data["address"]["postcode"] == "M1 4BT"
    assert data["recipient"]["phone"] == "+447700900111"  # not sent, so kept
    with runtime.sessions() as session:
        rows = session.scalars(select(m.Shipment).where(m.Shipment.tracking_number == body["tracking_number"]))
        assert len(rows.all()) == 1
        audit = session.scalars(select(m.AuditEntry).where(m.AuditEntry.subject == body["tracking_number"])
                                .order_by(m.AuditEntry.id)).all()
    assert [a.action for a in audit] == ["api_shipment_create", "api_shipment_update"]
    assert all(a.actor.startswith("api:pbk_") and a.channel == "api" for a in audit)


BAD = [
    ({"tracking_number": "!!"}, "tracking_number"),
    ({"recipient": {"name": "Sam", "phone": "not a phone"}}, "recipient.phone"),
    ({"recipient": {"name": "Sam", "email": "nope"}}, "recipient.email"),
    ({"recipient": {"name": ""}}, "recipient.name"),
    ({"recipient": "Sam"}, "recipient"),
    ({"address": {"line1": "1 Road", "city": "Leeds", "postcode": "NOTAPOSTCODE"}}, "address.postcode"),
    ({"address": {"line1": "1 Road", "city": "Leeds", "postcode": "LS1 1AA", "country": "Britain"}},
     "address.country"),
    ({"status": "lost_in_space"}, "status"),
    ({"eta": {"start": "2026-11-23T13:00:00+00:00", "end": "2026-11-23T09:00:00+00:00"}}, "eta.end"),
    ({"eta": {"start": "2026-11-23T09:00:00", "end": "2026-11-23T13:00:00+00:00"}}, "eta.start"),
    ({"eta": {"start": "tomorrow", "end": "2026-11-23T13:00:00+00:00"}}, "eta.start"),
    ({"signature_required": "yes"}, "signature_required"),
    ({"value": {"amount": "-3", "currency": "GBP"}}, "value.amount"),
    ({"value": {"amount": "1.999", "currency": "GBP"}}, "value.amount"),
    ({"value": {"amount": "5", "currency": "pounds"}}, "value.currency"),
    ({"items": [{"name": "Shoes", "quantity": 0}]}, "items[0].quantity"),
    ({"items": [{"sku": "X"}]}, "items[0].name"),
    ({"items": "shoes"}, "items"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[f for _, f in BAD])
def test_each_invalid_field_is_named(client, auth, change, field):
    response = client.post("/api/v1/shipments", json=shipment(**change), headers=auth)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert list(errors) == [field], errors
    assert errors[field]


def test_several_bad_fields_are_all_named_at_once(client, auth):
    body = shipment(status="nope", recipient={"name": "Sam", "phone": "123"}, items=[{"name": "A", "quantity": -1}])
    errors = client.post("/api/v1/shipments", json=body, headers=auth).get_json()["errors"]
    assert set(errors) == {"status", "recipient.phone", "items[0].quantity"}


def test_a_new_shipment_needs_a_recipient_and_an_address(client, auth):
    response = client.post("/api/v1/shipments", json={"tracking_number": new_tracking()}, headers=auth)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"recipient.name", "address.line1", "address.city",
                                                  "address.postcode"}


def test_not_json_is_a_clear_json_error(client, auth):
    response = client.post("/api/v1/shipments", data="tracking=1", headers=auth)
    assert response.status_code == 400
    assert "JSON" in response.get_json()["errors"]["body"]


def test_another_merchants_tracking_number_is_the_callers_own_parcel(client, auth, runtime):
    """Unique per merchant and carrier (migration 0005; tests/races/test_tracking_numbers_per_merchant.py)."""
    from bot.core.apikeys import create_key

    tracking = new_tracking()
    assert client.post("/api/v1/shipments", json=shipment(tracking), headers=auth).status_code == 201
    with transaction(runtime.sessions) as session:
        other = m.Merchant(slug="other", name="Other Ltd", sms_number="+441614960099", settings={})
        session.add(other)
        session.flush()
        other_key, _ = create_key(session, other)
    other_auth = {"Authorization": f"Bearer {other_key}"}
    assert client.get(f"/api/v1/shipments/{tracking}", headers=other_auth).status_code == 404
    response = client.post("/api/v1/shipments", json=shipment(tracking), headers=other_auth)
    assert response.status_code == 201  # its own parcel: nothing says the number is used elsewhere
    assert client.get(f"/api/v1/shipments/{tracking}", headers=other_auth).status_code == 200


def test_get_shows_events_instructions_redacted_and_changes(client, auth, runtime):
    tracking = new_tracking()
    client.post("/api/v1/shipments", json=shipment(tracking), headers=auth)
    now = datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        row = session.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        row.instructions = {"safe_place": "key safe by the door, code 4821", "gate_code": "1234#",
                            "access_code_enc": seal("test-secret-key", "4821"), "neighbour": "No. 14",
                            "_applied": {"k": {"status": "accepted"}}}
        session.add(m.DeliveryChange(
            merchant_id=row.merchant_id, tracking_number=tracking, action="leave_in_safe_place",
            params={"safe_place": "key safe by the door, code 4821",
                    "access_code_enc": seal("test-secret-key", "4821")},
            idempotency_key="idem-1", status="accepted",
            reference="RB-1A2B3C4D", channel="sms", verified_by="otp", created_at=now, updated_at=now))
    data = client.get(f"/api/v1/shipments/{tracking.lower()}", headers=auth).get_json()
    assert data["instructions"] == {"safe_place": "key safe by the door, code [redacted]", "gate_code": "[redacted]",
                                    "access_code_enc": "[redacted]", "neighbour": "No. 14"}
    [change] = data["changes"]
    assert change["action"] == "leave_in_safe_place" and change["channel"] == "sms"
    assert change["verified_by"] == "otp" and change["reference"] == "RB-1A2B3C4D"
    assert change["params"]["access_code_enc"] == "[redacted]"
    assert "4821" not in str(data) and "gAAAA" not in str(data)
    assert change["created_at"].startswith(now.date().isoformat())


def test_unknown_shipment_is_a_json_404(client, auth):
    response = client.get("/api/v1/shipments/PB000000000GB", headers=auth)
    assert response.status_code == 404 and "PB000000000GB" in response.get_json()["error"]
