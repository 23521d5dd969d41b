"""A person's change for a shopper (POST /api/v1/conversations/{id}/actions) takes only each action's own params,
of their own types: anything else is a 422 naming the field, and nothing is applied.

Before, only "params is an object" was checked: {"neighbour": null}, {"x": 1} or 42 were accepted and applied with
a carrier reference (the driver was told to leave the parcel with "None", "{'x': 1}", "42"), and a reschedule
whose window was a list was a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend import models as m
from tests.console.test_agent_actions import _shipment, _taken

PARCEL = "PB100000001GB"
NOON = "2026-12-08T12:00:00+00:00"
# (action, params, the field the 422 names)
BAD = [
    ("leave_with_neighbour", {"neighbour": None}, "params.neighbour"),
    ("leave_with_neighbour", {"neighbour": {"x": 1}}, "params.neighbour"),
    ("leave_with_neighbour", {"neighbour": 42}, "params.neighbour"),
    ("leave_with_neighbour", {"neighbour": "   "}, "params.neighbour"),
    ("leave_with_neighbour", {"neighbour": "\u0000\ud800\u202e"}, "params.neighbour"),  # nothing printable
    ("leave_with_neighbour", {"neighbour": "x" * 161}, "params.neighbour"),
    ("leave_with_neighbour", {}, "params.neighbour"),
    ("leave_with_neighbour", {"neighbour": "Pat", "house_number": "14"}, "params.neighbour"),
    ("leave_with_neighbour", {"house_number": True}, "params.house_number"),
    ("leave_with_neighbour", {"neighbour": "Pat", "x": 1}, "params.x"),
    ("leave_with_neighbour", {"neighbour": "Pat", "access_code_enc": "gAAAA"}, "params.access_code_enc"),
    ("leave_in_safe_place", {"safe_place": ["porch"]}, "params.safe_place"),
    ("leave_in_safe_place", {"neighbour": "Pat"}, "params.neighbour"),
    ("add_delivery_note", {"note": 7}, "params.note"),
    ("reschedule_delivery", {"date": "2026-12-08", "window": ["x"]}, "params.date"),
    ("reschedule_delivery", {"window": ["x"]}, "params.window"),
    ("reschedule_delivery", {"window": {"start": NOON}}, "params.window.end"),
    ("reschedule_delivery", {"window": {"start": NOON, "end": 5}}, "params.window.end"),
    ("reschedule_delivery", {"window": {"start": "2026-12-08T12:00:00", "end": NOON}}, "params.window.start"),
    ("reschedule_delivery", {"window": {"start": "0001-01-01T00:00:00+01:00", "end": NOON}}, "params.window.start"),
    ("reschedule_delivery", {"window": {"start": NOON, "end": NOON, "fee": 1}}, "params.window.fee"),
    ("deliver_to_pickup_point", {"pickup_point_id": None}, "params.pickup_point_id"),
    ("hold_delivery", {"until": 20261209}, "params.until"),
    ("hold_delivery", {"until": "9999-12-31"}, "params.until"),
    ("hold_delivery", {"days": "5"}, "params.days"),
    ("hold_delivery", {"days": 10**30}, "params.days"),
    ("hold_delivery", {"until": "2026-12-09", "days": 2}, "params.until"),
    ("change_delivery_address", {"address": "1 High St, M1 7ED"}, "params.address"),
    ("change_delivery_address", {"address": {"line1": None, "postcode": "M1 7ED"}}, "params.address.line1"),
    ("change_delivery_address", {"address": {"line1": "1 High St"}}, "params.address.postcode"),
    ("change_delivery_address", {"address": {"line1": "1 High St", "postcode": "M1 7ED", "floor": 2}},
     "params.address.floor"),
    ("add_delivery_note", 42, "params"),
    ("add_delivery_note", ["note"], "params"),
]


@pytest.fixture
def taken(runtime, demo, client) -> tuple[str, dict]:  # noqa: ANN001
    conv_id, headers = _taken(runtime, client)
    assert client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=headers).status_code == 200
    return f"/api/v1/conversations/{conv_id}/actions", headers


def test_params_of_the_wrong_key_or_type_are_a_422_naming_the_field_and_nothing_is_applied(runtime, client, taken):  # noqa: ANN001
    url, headers = taken
    before = dict(_shipment(runtime, PARCEL).instructions or {})
    for action, params, field in BAD:
        response = client.post(url, headers=headers, json={"tracking_number": PARCEL, "action": action,
                                                           "params": params})
        assert response.status_code == 422, (action, params, response.status_code, response.get_data(as_text=True))
        assert field in response.get_json()["errors"], (action, params, response.get_json())
    assert dict(_shipment(runtime, PARCEL).instructions or {}) == before
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.DeliveryChange)) == 0


@pytest.mark.parametrize("key", [42, {"x": 1}, "k" * 65, "key\u0000"])
def test_an_idempotency_key_that_is_not_short_printable_text_is_a_422(client, taken, key) -> None:  # noqa: ANN001
    url, headers = taken
    response = client.post(url, headers=headers, json={"tracking_number": PARCEL, "action": "add_delivery_note",
                                                       "params": {"note": "ring twice"}, "idempotency_key": key})
    assert response.status_code == 422 and "idempotency_key" in response.get_json()["errors"]


def test_the_params_the_chat_sends_are_taken(runtime, client, taken) -> None:  # noqa: ANN001
    """The checks refuse only what the chat never sends: a house number, a hold for some days, a new address."""
    url, headers = taken
    for action, params in [("leave_with_neighbour", {"house_number": 14}),
                           ("hold_delivery", {"days": 2}),
                           ("change_delivery_address", {"address": {"line1": "2 Piccadilly", "line2": None,
                                                                    "postcode": "M1 1AA"}})]:
        response = client.post(url, headers=headers, json={"tracking_number": PARCEL, "action": action,
                                                           "params": params})
        assert response.status_code == 200, (action, response.get_data(as_text=True))
        if action == "leave_with_neighbour":
            assert _shipment(runtime, PARCEL).instructions["neighbour"] == "No. 14"
