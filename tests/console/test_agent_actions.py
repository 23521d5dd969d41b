"""A person changes a delivery on the shopper's behalf: the chat's action names and parameters, the carrier's
rules, no one-time code, the audit naming them; access codes sealed for the driver; only this shopper's
parcels, only while they have the conversation; a retry with the same key applies once."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from backend.sealing import SECRET_FIELD
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import make_user, page_token, sign_in
from tests.helpers import sms_form, twilio_post

SHOPPER = "+447700900123"


def _taken(runtime, client) -> tuple[int, dict]:  # noqa: ANN001
    twilio_post(client, "/twilio/sms", sms_form("AGENT", sender=SHOPPER), token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    make_user(runtime)
    sign_in(client)
    headers = {"X-CSRFToken": page_token(client)}
    with runtime.sessions() as s:
        conv_id = s.scalar(select(m.Conversation.id).where(m.Conversation.address == SHOPPER))
    return conv_id, headers


def _shipment(runtime, tracking: str) -> m.Shipment:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))


def test_an_agent_leaves_it_with_a_neighbour_for_the_shopper(runtime, demo, client):
    conv_id, headers = _taken(runtime, client)
    body = {"tracking_number": "PB100000001GB", "action": "leave_with_neighbour",
            "params": {"neighbour": "number 16, key safe code 4455"}, "idempotency_key": "agent-test-1"}
    url = f"/api/v1/conversations/{conv_id}/actions"
    assert client.post(url, headers=headers, json=body).status_code == 409  # not taken over yet
    client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=headers)
    done = client.post(url, headers=headers, json=body)
    assert done.status_code == 200 and done.get_json()["status"] == "accepted"
    again = client.post(url, headers=headers, json=body)
    assert again.get_json()["reference"] == done.get_json()["reference"]  # the same key applies once
    row = _shipment(runtime, "PB100000001GB")
    assert "number 16" in row.instructions["neighbour"] and "4455" not in row.instructions["neighbour"]
    assert row.instructions.get(SECRET_FIELD)  # sealed for the driver
    with runtime.sessions() as s:
        changes = s.scalars(select(m.DeliveryChange).where(m.DeliveryChange.tracking_number == "PB100000001GB")).all()
        audit = s.scalars(select(m.AuditEntry).where(m.AuditEntry.subject == "PB100000001GB")).all()
    assert len(changes) == 1 and changes[0].verified_by == "agent"
    assert any(a.actor == "agent:sam@acme.example" for a in audit)
    assert not any("4455" in str(a.detail) for a in audit)


def test_only_this_shoppers_parcels_and_the_carriers_rules(runtime, demo, client):
    conv_id, headers = _taken(runtime, client)
    client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=headers)
    url = f"/api/v1/conversations/{conv_id}/actions"
    other = {"tracking_number": "PB100000002GB", "action": "leave_in_safe_place", "params": {"safe_place": "porch"}}
    assert client.post(url, headers=headers, json=other).status_code == 404
    refused = {"tracking_number": "PB100000001GB", "action": "deliver_to_pickup_point",
               "params": {"pickup_point_id": "no-such-point"}}
    response = client.post(url, headers=headers, json=refused)
    assert response.status_code == 409 and response.get_json()["status"] == "rejected"
    for bad in ({"action": "teleport", "tracking_number": "PB100000001GB"}, {"action": "cancel_order"}, [1]):
        assert client.post(url, headers=headers, json=bad).status_code == 422


def test_a_web_chat_shoppers_proven_parcel_shows_and_can_be_changed_for_them(runtime, demo, client):
    """A web chat has no phone number: the shopper proves the parcel with its number and postcode. The console used
    to match proofs against shipment ids that proofs no longer hold, so such a shopper's parcel showed nowhere and
    every change for them was "that parcel isn't this shopper's"."""
    def chat(text: str) -> str:
        answer = client.post("/webhooks/rest/webhook?merchant=demo", json={"sender": "web-77", "message": text})
        return " ".join(m["text"] for m in answer.get_json())

    assert "postcode" in chat("where is PB100000001GB").lower()
    chat("M1 4BT")
    chat("I want to talk to a person")
    make_user(runtime)
    sign_in(client)
    headers = {"X-CSRFToken": page_token(client)}
    with runtime.sessions() as s:
        conv_id = s.scalar(select(m.Conversation.id).where(m.Conversation.address == "rest:web-77"))
    assert client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=headers).status_code == 200
    detail = client.get(f"/api/v1/conversations/{conv_id}").get_json()
    assert [p["tracking_number"] for p in detail["parcels"]] == ["PB100000001GB"]
    body = {"tracking_number": "PB100000001GB", "action": "leave_in_safe_place", "params": {"safe_place": "porch"}}
    done = client.post(f"/api/v1/conversations/{conv_id}/actions", headers=headers, json=body)
    assert done.status_code == 200 and done.get_json()["status"] == "accepted"
    other = {**body, "tracking_number": "PB100000002GB"}  # not proved, not theirs
    assert client.post(f"/api/v1/conversations/{conv_id}/actions", headers=headers, json=other).status_code == 404
