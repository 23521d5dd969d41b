"""A sealed access code really reaches the driver: the HTTP carrier gets it in `access_code` (opened for that
call only, over https only, never stored or logged in clear), Shopify gets it in the order's note attributes
(where a 3PL reads delivery instructions), and both get the key to open it from the registry."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pytest
import responses
import yaml
from backend_testkit import NOW
from responses import matchers
from sqlalchemy import select

from backend import models as m
from backend import shopify
from backend.http_adapter import HttpBackend
from backend.pending import session_sink
from backend.protocol import BackendUnavailable
from backend.registry import backend_for
from backend.resilience import CircuitBreaker, MemoryBreakerStore, RetryPolicy
from backend.sealing import SECRET_FIELD, CodeBox
from backend.serialize import carrier_action_json
from backend.shopify import ShopifyBackend, with_instructions
from backend.types import ActionKind, ChangeContext, DeliveryAction, ResultStatus

BASE = "https://carrier.example.test/v1"
BOX = CodeBox.from_secret("test-secret-key")
CTX = ChangeContext(actor="+447700900123", channel="sms", verified_by="otp_sms")
FIX = Path(__file__).parent / "fixtures"
CONTRACT = yaml.safe_load((Path(__file__).parents[2] / "backend/openapi/carrier-contract.yaml").read_text())
SHOP = "acme-outdoors.myshopify.com"
API = f"https://{SHOP}/admin/api/2024-10"
UNFULFILLED = json.loads((FIX / "shopify_order_unfulfilled.json").read_text())["order"]
SHIPPED = json.loads((FIX / "shopify_order_shipped.json").read_text())["order"]
ACCEPTED = {"status": "accepted", "reference": "CR-1", "reason": None}


def _safe_place(code: str = "gate: 3579") -> DeliveryAction:
    return DeliveryAction(ActionKind.LEAVE_IN_SAFE_PLACE, {"safe_place": "behind the side gate",
                                                          SECRET_FIELD: BOX.seal(code)})


def _http(base: str = BASE, **kw) -> HttpBackend:  # noqa: ANN003
    kw.setdefault("breaker", CircuitBreaker("codes", threshold=5, store=MemoryBreakerStore()))
    kw.setdefault("retry", RetryPolicy(attempts=1, jitter=0))
    return HttpBackend(base, "signing-secret", name="acme-carrier", sleep=lambda _s: None, **kw)


def _body(call) -> dict:  # noqa: ANN001
    return json.loads(call.request.body)


# -- the HTTP carrier contract -----------------------------------------------------------------------------
@responses.activate
def test_the_carrier_gets_the_code_opened_for_the_call_and_never_our_sealed_token(caplog):
    responses.post(f"{BASE}/shipments/PB1/actions", json=ACCEPTED)
    caplog.set_level(logging.DEBUG)
    result = _http(code_box=BOX).apply_action("PB1", _safe_place(), idempotency_key="k1", context=CTX)
    assert result.status is ResultStatus.ACCEPTED
    body = _body(responses.calls[0])
    assert body["access_code"] == "gate: 3579"
    assert body["params"] == {"safe_place": "behind the side gate"} and SECRET_FIELD not in json.dumps(body)
    assert "3579" not in caplog.text


@responses.activate
def test_without_the_key_or_over_plain_http_no_code_is_sent(caplog):
    responses.post(f"{BASE}/shipments/PB1/actions", json=ACCEPTED)
    responses.post("http://carrier.local/shipments/PB1/actions", json=ACCEPTED)
    _http().apply_action("PB1", _safe_place(), idempotency_key="k2", context=CTX)
    _http("http://carrier.local", code_box=BOX).apply_action("PB1", _safe_place(), idempotency_key="k3", context=CTX)
    _http(code_box=CodeBox.from_secret("another-key")).apply_action("PB1", _safe_place(), idempotency_key="k4",
                                                                    context=CTX)
    assert all("access_code" not in _body(call) for call in responses.calls)
    assert "3579" not in caplog.text and "can't be sent" in caplog.text


@responses.activate
def test_a_kept_write_stays_sealed_and_its_retry_sends_the_code(session, merchant):
    responses.post(f"{BASE}/shipments/PB1/actions", status=503)
    backend = _http(code_box=BOX, pending_sink=session_sink(session, merchant.id, NOW))
    with pytest.raises(BackendUnavailable):
        backend.apply_action("PB1", _safe_place(), idempotency_key="down-1", context=CTX)
    kept = session.scalar(select(m.PendingRequest))
    assert "3579" not in json.dumps(kept.payload) and kept.payload["action"]["params"][SECRET_FIELD]
    responses.replace(responses.POST, f"{BASE}/shipments/PB1/actions", json=ACCEPTED)
    from backend.retry import _replay

    _replay(kept, backend)
    assert _body(responses.calls[-1])["access_code"] == "gate: 3579"


def test_the_body_with_a_code_is_what_the_contract_describes():
    body = carrier_action_json(_safe_place(), CTX, "gate: 3579")
    schema = CONTRACT["components"]["schemas"]["DeliveryAction"]
    assert set(body) <= set(schema["properties"]) and "access_code" in schema["properties"]
    assert "access_code" not in carrier_action_json(_safe_place(), CTX, None)


def test_the_registry_gives_the_adapters_the_box_and_nothing_else(session, merchant):
    merchant.settings = {"backend": {"type": "http", "base_url": BASE, "secret_env": "MERCHANT_ACME__S"}}
    http = backend_for(session, merchant, env={"MERCHANT_ACME__S": "x"}, code_box=BOX)
    assert http.code_box is BOX and "test-secret-key" not in repr(vars(http))
    merchant.settings = {"backend": {"type": "shopify", "shop": SHOP, "token_env": "MERCHANT_ACME__T",
                                     "delivery_instructions": True}}
    shop = backend_for(session, merchant, env={"MERCHANT_ACME__T": "shpat_x"}, code_box=BOX)
    assert shop.code_box is BOX and ActionKind.LEAVE_IN_SAFE_PLACE in shop.supported_actions


# -- Shopify: the order's note attributes -------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _forget_tracking_numbers():
    shopify._ORDER_OF.clear()
    yield
    shopify._ORDER_OF.clear()


def _shop(**kw) -> ShopifyBackend:  # noqa: ANN003
    kw.setdefault("breaker", CircuitBreaker("shopify-codes", threshold=3, store=MemoryBreakerStore()))
    kw.setdefault("retry", RetryPolicy(attempts=1, jitter=0))
    return ShopifyBackend(SHOP, "shpat_test_token", merchant_slug="acme", sleep=lambda _s: None, **kw)


def _by_name(order: dict) -> None:
    responses.get(f"{API}/orders.json", json={"orders": [order]},
                  match=[matchers.query_param_matcher({"name": "#1002", "status": "any"})])


@responses.activate
def test_shopify_writes_the_instructions_and_the_code_where_a_3pl_reads_them():
    order = copy.deepcopy(UNFULFILLED)
    order["note_attributes"] = [{"name": "Gift message", "value": "Happy birthday"},
                                {"name": "Leave with neighbour", "value": "number 9"}]
    _by_name(order)
    responses.put(f"{API}/orders/5630000002.json", json={"order": order})
    backend = _shop(delivery_instructions=True, code_box=BOX)
    [option] = [o for o in backend.available_actions("ORDER-1002") if o.kind is ActionKind.LEAVE_IN_SAFE_PLACE]
    assert option.available
    result = backend.apply_action("ORDER-1002", _safe_place(), idempotency_key="s1", context=CTX)
    assert result.status is ResultStatus.ACCEPTED and result.reference == "SHOPIFY-NOTE-5630000002"
    sent = _body(responses.calls[-1])["order"]["note_attributes"]
    assert {a["name"]: a["value"] for a in sent} == {
        "Gift message": "Happy birthday",  # the shop's own attribute is kept
        "Safe place": "behind the side gate",  # and replaces the neighbour, as a carrier would
        "Access code": "gate: 3579",
        "Delivery instructions": "Safe place: behind the side gate",
    }


@responses.activate
def test_once_fulfilled_shopify_points_to_the_carrier_and_writes_nothing():
    responses.get(f"{API}/orders.json", json={"orders": [SHIPPED]},
                  match=[matchers.query_param_matcher({"status": "any", "limit": "250"})])
    responses.get(f"{API}/orders/5630000001.json", json={"order": SHIPPED})
    responses.get(f"{API}/orders/5630000001/fulfillments/{SHIPPED['fulfillments'][0]['id']}/events.json",
                  json={"fulfillment_events": []})
    backend = _shop(delivery_instructions=True, code_box=BOX)
    tracking = SHIPPED["fulfillments"][0]["tracking_number"]
    [option] = [o for o in backend.available_actions(tracking) if o.kind is ActionKind.ADD_DELIVERY_NOTE]
    assert not option.available and option.reason_code.code == "not_here_try_tracking"
    result = backend.apply_action(tracking, _safe_place(), idempotency_key="s2", context=CTX)
    assert result.status is ResultStatus.REJECTED
    assert not [c for c in responses.calls if c.request.method == "PUT"]


def test_without_delivery_instructions_shopify_still_changes_no_delivery():
    assert _shop().supported_actions == frozenset({ActionKind.CANCEL_ORDER})


def test_a_note_without_a_code_clears_the_old_code_and_the_summary_has_every_instruction():
    before = [{"name": "Safe place", "value": "in the porch"}, {"name": "Access code", "value": "door: 1111"}]
    note = DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "ring twice"})
    after = {a["name"]: a["value"] for a in with_instructions(before, note, None)}
    assert "Access code" not in after
    assert after["Delivery instructions"] == "Safe place: in the porch. Driver note: ring twice"
