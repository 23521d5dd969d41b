"""The OpenAPI contract and backend/serialize.py describe the same JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from backend_testkit import NOW, options

from backend.reference import to_domain
from backend.serialize import (
    option_from_json,
    option_to_json,
    pod_to_json,
    result_to_json,
    return_info_to_json,
    shipment_from_json,
    shipment_to_json,
)
from backend.types import ActionResult, ProofOfDelivery, ResultStatus, ReturnInfo, TrackingEvent

CONTRACT = yaml.safe_load((Path(__file__).parents[2] / "backend/openapi/carrier-contract.yaml").read_text())
SCHEMAS = CONTRACT["components"]["schemas"]


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_contract_is_openapi_31_with_the_agreed_endpoints():
    assert CONTRACT["openapi"].startswith("3.1")
    methods = {(path, verb) for path, item in CONTRACT["paths"].items() for verb in item if verb != "parameters"}
    assert methods == {
        ("/shipments", "get"),
        ("/shipments/{tracking_number}", "get"),
        ("/shipments/{tracking_number}/actions", "get"),
        ("/shipments/{tracking_number}/actions", "post"),
        ("/shipments/{tracking_number}/proof-of-delivery", "get"),
        ("/shipments/{tracking_number}/returns", "get"),
        ("/shipments/{tracking_number}/returns", "post"),
        ("/orders/{order_number}/cancel", "post"),
    }
    for path, item in CONTRACT["paths"].items():
        if "post" in item:
            params = [p.get("$ref", p.get("name")) for p in item["post"].get("parameters", [])]
            assert "#/components/parameters/IdempotencyKey" in params, path


def test_every_reference_resolves():
    for ref in set(_refs(CONTRACT)):
        node = CONTRACT
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert node, ref


def _check(data: dict, schema_name: str) -> None:
    schema = SCHEMAS[schema_name]
    assert set(data) <= set(schema["properties"]), set(data) - set(schema["properties"])
    assert set(schema.get("required", [])) <= {k for k, v in data.items() if v is not None}


def test_contract_example_reads_into_the_domain_and_back():
    example = SCHEMAS["Shipment"]["examples"][0]
    shipment = shipment_from_json(example, "acme")
    assert shipment.value == Decimal("49.99") and shipment.eta.start == datetime(2026, 11, 23, 9, tzinfo=UTC)
    out = shipment_to_json(shipment)
    _check(out, "Shipment")
    assert {k: out[k] for k in example} == example


def test_reference_parcels_serialise_within_the_contract(make_row, merchant):
    row = make_row(instructions={"note": "hi", "_applied": {"k": {}}})
    shipment = to_domain(row)
    data = shipment_to_json(shipment)
    _check(data, "Shipment")
    assert "_applied" not in data["instructions"]
    assert shipment_from_json(data, "acme") == shipment
    for option in options(row, merchant, now=NOW):
        as_json = option_to_json(option)
        _check(as_json, "ActionOption")
        assert option_from_json(as_json) == option


def test_events_round_trip():
    example = dict(SCHEMAS["Shipment"]["examples"][0])
    event = TrackingEvent("e1", shipment_from_json(example, "a").status, NOW, "Leeds hub", "Sorted")
    example["events"] = [{"event_id": "e1", "status": "in_transit", "occurred_at": NOW.isoformat(),
                          "location": "Leeds hub", "description": "Sorted"}]
    assert shipment_from_json(example, "a").events == (event,)


def test_results_proofs_and_returns_fit_the_contract():
    _check(result_to_json(ActionResult(ResultStatus.ACCEPTED, "RB-1")), "ActionResult")
    _check(pod_to_json(ProofOfDelivery(NOW, "Porch", ("pod/1.jpg",), 53.4, -2.2, None)), "ProofOfDelivery")
    _check(return_info_to_json(ReturnInfo("RTN-1", "refunded", refund_amount=Decimal("10"))), "ReturnInfo")


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"status": "teleported"}, "status: 'teleported' is not one of"),
        ({"tracking_number": None}, "tracking_number: required"),
        ({"eta": {"start": "2026-11-23T09:00:00", "end": "2026-11-23T13:00:00"}}, "needs a UTC offset"),
        ({"value": {"amount": "lots"}}, "value: expected"),
    ],
)
def test_malformed_shipment_json_names_the_field(broken, message):
    data = {**SCHEMAS["Shipment"]["examples"][0], **broken}
    with pytest.raises(ValueError, match=message):
        shipment_from_json(data, "acme")
