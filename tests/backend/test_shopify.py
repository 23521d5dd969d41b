"""ShopifyBackend against Admin REST payloads (hand-written fixtures shaped as Shopify documents them)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import responses
from backend_testkit import NOW
from responses import matchers
from sqlalchemy import select

from backend import models as m
from backend import shopify
from backend.pending import session_sink
from backend.protocol import BackendUnavailable
from backend.reasons import because
from backend.resilience import CircuitBreaker, MemoryBreakerStore, RetryPolicy
from backend.shopify import ReturnsNotSupported, ShopifyBackend
from backend.shopify_map import shipments_from_order
from backend.types import ActionKind, ChangeContext, DeliveryAction, ResultStatus, ReturnRequest, ShipmentStatus

SHOP = "acme-outdoors.myshopify.com"
API = f"https://{SHOP}/admin/api/2024-10"
FIX = Path(__file__).parent / "fixtures"
CTX = ChangeContext(actor="+447700900123", channel="sms", verified_by="otp_sms")


def fixture(name: str) -> dict:
    return json.loads((FIX / f"{name}.json").read_text())


SHIPPED = fixture("shopify_order_shipped")["order"]
UNFULFILLED = fixture("shopify_order_unfulfilled")["order"]


@pytest.fixture(autouse=True)
def _forget_tracking_numbers():
    shopify._ORDER_OF.clear()
    yield
    shopify._ORDER_OF.clear()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_backend(sleeps):
    def make(**kw) -> ShopifyBackend:
        kw.setdefault("breaker", CircuitBreaker("shopify-test", threshold=3, store=MemoryBreakerStore()))
        kw.setdefault("retry", RetryPolicy(attempts=3, base_delay=0.5, jitter=0, max_retry_after=10))
        return ShopifyBackend(SHOP, "shpat_test_token", merchant_slug="acme", sleep=sleeps.append, **kw)

    return make


def by_name(number: str, *orders: dict) -> None:
    responses.get(
        f"{API}/orders.json",
        match=[matchers.query_param_matcher({"name": f"#{number}", "status": "any"})],
        json={"orders": list(orders)},
    )


@responses.activate
def test_fulfilment_becomes_a_shipment(make_backend):
    by_name("1001", SHIPPED)
    (shipment,) = make_backend().find_shipments(order_number="#1001")
    assert shipment.tracking_number == "RM123456785GB" and shipment.carrier == "Royal Mail"
    assert shipment.status is ShipmentStatus.IN_TRANSIT and shipment.order_number == "1001"
    assert (shipment.recipient_name, shipment.recipient_email) == ("Sam Taylor", "sam@example.com")
    assert shipment.address.postcode == "M1 4BT" and shipment.value == Decimal("49.99")
    assert shipment.items == ({"sku": "TR-42", "name": "Trail running shoes - 42", "quantity": 1},)
    assert shipment.tracking_url.endswith("RM123456785GB")
    sent = responses.calls[0].request
    assert sent.headers["X-Shopify-Access-Token"] == "shpat_test_token"
    assert sent.path_url.startswith("/admin/api/2024-10/orders.json")


@pytest.mark.parametrize(
    ("shipment_status", "ours"),
    [
        ("label_printed", ShipmentStatus.LABEL_CREATED),
        ("confirmed", ShipmentStatus.IN_TRANSIT),
        ("in_transit", ShipmentStatus.IN_TRANSIT),
        ("out_for_delivery", ShipmentStatus.OUT_FOR_DELIVERY),
        ("attempted_delivery", ShipmentStatus.FAILED_ATTEMPT),
        ("ready_for_pickup", ShipmentStatus.HELD),
        ("delivered", ShipmentStatus.DELIVERED),
        ("failure", ShipmentStatus.EXCEPTION),
        (None, ShipmentStatus.IN_TRANSIT),
    ],
)
def test_shipment_status_mapping(shipment_status, ours):
    order = copy.deepcopy(SHIPPED)
    order["fulfillments"][0]["shipment_status"] = shipment_status
    assert shipments_from_order(order, "acme")[0].status is ours


def test_cancelled_fulfilment_is_not_a_parcel():
    order = copy.deepcopy(SHIPPED)
    order["fulfillments"][0]["status"] = "cancelled"
    (placeholder,) = shipments_from_order(order, "acme")
    assert placeholder.tracking_number == "ORDER-1001"


@responses.activate
def test_email_search_goes_through_the_customer(make_backend):
    responses.get(
        f"{API}/customers/search.json",
        match=[matchers.query_param_matcher({"query": "email:sam@example.com"})],
        json=fixture("shopify_customers_search"),
    )
    responses.get(f"{API}/customers/7200000001/orders.json", json={"orders": [SHIPPED, UNFULFILLED]})
    found = make_backend().find_shipments(email="sam@example.com")
    assert {s.tracking_number: s.status for s in found} == {
        "RM123456785GB": ShipmentStatus.IN_TRANSIT,
        "ORDER-1002": ShipmentStatus.LABEL_CREATED,  # not sent yet: a placeholder for the order
    }


@responses.activate
def test_tracking_number_lookup_adds_events_and_eta(make_backend):
    responses.get(f"{API}/orders.json", match=[matchers.query_param_matcher({"status": "any", "limit": "250"})],
                  json={"orders": [UNFULFILLED, SHIPPED]})
    events_url = f"{API}/orders/5630000001/fulfillments/4500000001/events.json"
    responses.get(events_url, json=fixture("shopify_fulfillment_events"))
    backend = make_backend()
    shipment = backend.get_shipment("rm123456785gb")
    assert [e.description for e in shipment.events] == ["Label created", "Arrived at Manchester depot"]
    assert shipment.eta.start == datetime(2026, 11, 23, 12, tzinfo=UTC)
    # Known now: the next look-up fetches just that order.
    responses.get(f"{API}/orders/5630000001.json", json={"order": SHIPPED})
    assert backend.get_shipment("RM123456785GB").order_number == "1001"
    assert responses.calls[-2].request.path_url == "/admin/api/2024-10/orders/5630000001.json"


@responses.activate
def test_delivery_changes_are_declared_unsupported(make_backend):
    by_name("1001", SHIPPED)
    backend = make_backend()
    assert backend.supported_actions == frozenset({ActionKind.CANCEL_ORDER})
    options = backend.available_actions("ORDER-1001")
    assert all(not o.available and o.reason_code for o in options)
    neighbour = next(o for o in options if o.kind is ActionKind.LEAVE_WITH_NEIGHBOUR)
    assert neighbour.reason_code == because("not_here_try_tracking", action="leave_with_neighbour",
                                            url="https://track.example-carrier.test/RM123456785GB")
    calls = len(responses.calls)
    result = backend.apply_action("RM123456785GB", DeliveryAction(ActionKind.HOLD, {"days": 2}),
                                  idempotency_key="h", context=CTX)
    assert result.status is ResultStatus.REJECTED and len(responses.calls) == calls
    assert result.reason_code == because("not_here", action="hold_delivery")


@responses.activate
def test_unfulfilled_order_can_be_cancelled(make_backend):
    by_name("1002", UNFULFILLED)
    cancelled = {**UNFULFILLED, "cancelled_at": "2026-11-20T10:00:00+00:00", "cancel_reason": "customer"}
    responses.post(
        f"{API}/orders/5630000002/cancel.json",
        match=[matchers.json_params_matcher({"reason": "customer", "email": True})],
        json={"order": cancelled},
    )
    result = make_backend().cancel_order("#1002", idempotency_key="c1", context=CTX)
    assert result.accepted and result.reference == "SHOPIFY-CXL-5630000002"


@responses.activate
def test_fulfilled_order_is_not_cancelled(make_backend):
    by_name("1001", SHIPPED)
    result = make_backend().cancel_order("1001", idempotency_key="c2", context=CTX)
    assert result.status is ResultStatus.REJECTED and result.reason_code == because("left_warehouse_return_later")
    assert all(c.request.method == "GET" for c in responses.calls)


@responses.activate
def test_cancel_retried_after_a_timeout_counts_our_own_first_try(make_backend):
    by_name("1002", UNFULFILLED)
    responses.post(f"{API}/orders/5630000002/cancel.json", status=422,
                   json={"errors": {"base": ["Order has already been cancelled"]}})
    responses.get(f"{API}/orders/5630000002.json", json={"order": {**UNFULFILLED, "cancelled_at": NOW.isoformat()}})
    assert make_backend().cancel_order("1002", idempotency_key="c3", context=CTX).accepted


@responses.activate
def test_rate_limit_429_waits_for_retry_after(make_backend, sleeps):
    responses.get(f"{API}/orders.json", status=429, headers={"Retry-After": "2.0"},
                  json={"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume."})
    by_name("1001", SHIPPED)
    assert make_backend().find_shipments(order_number="1001")
    assert sleeps == [2.0] and len(responses.calls) == 2


@responses.activate
def test_long_rate_limit_is_reported_not_waited_out(make_backend, sleeps):
    responses.get(f"{API}/orders.json", status=429, headers={"Retry-After": "60"}, json={"errors": "Throttled"})
    with pytest.raises(BackendUnavailable, match="rate limited"):
        make_backend().find_shipments(order_number="1001")
    assert sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_proof_of_delivery_from_the_delivered_event(make_backend):
    delivered = copy.deepcopy(SHIPPED)
    delivered["fulfillments"][0]["shipment_status"] = "delivered"
    shopify._ORDER_OF[(SHOP, "RM123456785GB")] = 5630000001
    responses.get(f"{API}/orders/5630000001.json", json={"order": delivered})
    responses.get(f"{API}/orders/5630000001/fulfillments/4500000001/events.json",
                  json=fixture("shopify_fulfillment_events_delivered"))
    pod = make_backend().proof_of_delivery("RM123456785GB")
    assert pod.delivered_at == datetime(2026, 11, 23, 10, 42, tzinfo=UTC)
    assert (pod.place, pod.latitude, pod.longitude) == ("Left in porch", 53.4794, -2.2353)


@responses.activate
def test_refund_is_the_return_status(make_backend):
    shopify._ORDER_OF[(SHOP, "RM123456785GB")] = 5630000001
    responses.get(f"{API}/orders/5630000001.json", json={"order": SHIPPED})
    responses.get(f"{API}/orders/5630000001/refunds.json", json=fixture("shopify_refunds"))
    info = make_backend().return_status("RM123456785GB")
    assert (info.reference, info.status, info.refund_amount) == ("REFUND-8800000001", "refunded", Decimal("49.99"))


@responses.activate
def test_returns_are_pointed_to_the_order_page(make_backend):
    by_name("1001", SHIPPED)
    with pytest.raises(ReturnsNotSupported, match="order page: https://acme-outdoors.myshopify.com/"):
        make_backend().create_return("ORDER-1001", ReturnRequest(("TR-42",), "too small"), idempotency_key="r",
                                     context=CTX)


@responses.activate
def test_cancel_while_shopify_is_down_is_kept(make_backend, session, merchant):
    by_name("1002", UNFULFILLED)
    responses.post(f"{API}/orders/5630000002/cancel.json", status=503)
    backend = make_backend(pending_sink=session_sink(session, merchant.id, NOW))
    with pytest.raises(BackendUnavailable):
        backend.cancel_order("1002", idempotency_key="down", context=CTX)
    kept = session.scalar(select(m.PendingRequest))
    assert (kept.kind, kept.payload["order_number"]) == ("cancel_order", "1002")
