"""End to end: a code a shopper texts with a change really reaches the driver, and only the driver.

With our reference carrier it is on the day's manifest (the one place it shows in clear); with a remote
carrier it is in the applyAction request's `access_code`, opened by the adapter the runtime built (the key
comes from the settings through the registry), while every stored copy stays sealed."""

from __future__ import annotations

import json

import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.serialize import option_to_json, shipment_to_json
from backend.types import ActionKind, ActionOption, Address, Shipment, ShipmentStatus
from bot.core.apikeys import create_key
from bot.core.messages import InboundMessage
from tests.conversation_runner import latest_code
from tests.helpers import new_sid

OWN = "+447700900456"  # PB100000002GB, out for delivery today
BASE = "https://carrier.example.test/v1"
ACME = "+441614960001"
SHOPPER = "+447700900111"
PARCEL = "AC100000009GB"


def _say(runtime, text: str, sender: str = OWN, to: str = "+441614960000") -> str:  # noqa: ANN001
    out = runtime.engine.handle(InboundMessage("sms", sender, to, text, channel_message_id=new_sid()))
    return " | ".join(r.text for r in out.replies)


def test_a_gate_code_given_with_a_safe_place_is_on_the_drivers_manifest(runtime, demo, client):
    confirm = _say(runtime, "can u leave it behind the wheelie bin, the gate is 7531")
    assert "behind the wheelie bin" in confirm and "privately" in confirm and "7531" not in confirm
    _say(runtime, "yes")
    done = _say(runtime, latest_code(runtime, OWN))
    assert "Done" in done and "7531" not in done
    with transaction(runtime.sessions) as s:
        key, _ = create_key(s, s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")))
    body = client.get("/api/v1/manifest", headers={"Authorization": f"Bearer {key}"}).get_json()
    [stop] = [s for s in body["stops"] if s["tracking_number"] == "PB100000002GB"]
    assert stop["safe_place"] == "behind the wheelie bin" and stop["access_code"] == "gate: 7531"


def _parcel() -> dict:
    return shipment_to_json(Shipment(PARCEL, "A-9", "http", "acme", "Sam", SHOPPER, None,
                                     Address("1 High St", "Leeds", "LS1 1AA"), ShipmentStatus.IN_TRANSIT))


def test_a_remote_carrier_receives_the_code_in_its_request_and_nothing_stores_it(runtime, demo, monkeypatch):
    monkeypatch.setenv("MERCHANT_ACME__CARRIER_SECRET", "carrier-secret")
    with transaction(runtime.sessions) as s:
        s.add(m.Merchant(slug="acme", name="Acme", sms_number=ACME, timezone="Europe/London", settings={
            "verification": {"leave_with_neighbour": "sender_number"},
            "backend": {"type": "http", "base_url": BASE, "secret_env": "MERCHANT_ACME__CARRIER_SECRET",
                        "supported_actions": ["leave_with_neighbour"]}}))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/shipments", json={"shipments": [_parcel()]})
        mock.get(f"{BASE}/shipments/{PARCEL}", json=_parcel())
        mock.get(f"{BASE}/shipments/{PARCEL}/actions",
                 json={"actions": [option_to_json(ActionOption(ActionKind.LEAVE_WITH_NEIGHBOUR, True))]})
        mock.post(f"{BASE}/shipments/{PARCEL}/actions", json={"status": "accepted", "reference": "AC-77"})
        confirm = _say(runtime, "leave it with number 41, their door code is 8 0 8 0", SHOPPER, ACME)
        assert "number 41" in confirm and "the door code to the driver privately" in confirm, confirm
        done = _say(runtime, "yes", SHOPPER, ACME)
        assert "AC-77" in done, done
        [post] = [c for c in mock.calls if c.request.method == "POST"]
    sent = json.loads(post.request.body)
    assert sent["access_code"] == "door: 8080" and sent["params"] == {"neighbour": "number 41"}
    with runtime.sessions() as s:
        stored = [json.dumps(c.params) for c in s.scalars(select(m.DeliveryChange))]
        stored += [str(msg.body) for msg in s.scalars(select(m.Message))]
        stored += [json.dumps(a.detail) for a in s.scalars(select(m.AuditEntry))]
    assert not [text for text in stored if "8080" in text or "8 0 8 0" in text]
