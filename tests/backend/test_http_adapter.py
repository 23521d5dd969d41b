"""HttpBackend against a carrier faked with `responses`: mapping, signing, retries, breaker, pending writes."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import responses
from backend_testkit import NOW
from responses import matchers
from sqlalchemy import select

from backend import models as m
from backend.changes import apply_change
from backend.http_adapter import HttpBackend
from backend.pending import session_sink
from backend.protocol import BackendError, BackendUnavailable
from backend.reasons import because
from backend.resilience import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, CircuitOpen, MemoryBreakerStore, RetryPolicy
from backend.retry import retry_pending
from backend.types import ActionKind, ChangeContext, DeliveryAction, ResultStatus, ShipmentStatus, TimeWindow

BASE = "https://carrier.example.test/v1"
SECRET = "test-signing-secret"
FIXTURES = Path(__file__).parent / "fixtures"
SHIPMENT = json.loads((FIXTURES / "carrier_shipment.json").read_text())
ACTIONS = json.loads((FIXTURES / "carrier_actions.json").read_text())
CTX = ChangeContext(actor="+447700900123", channel="whatsapp", verified_by="otp_sms")
NOTE = DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "Side door"})
ACCEPTED = {"status": "accepted", "reference": "CR-1234", "reason": None}


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_backend(clock, sleeps):
    def make(**kw) -> HttpBackend:
        kw.setdefault("breaker", CircuitBreaker("test", threshold=2, cooldown=30, store=MemoryBreakerStore(),
                                                clock=clock))
        kw.setdefault("retry", RetryPolicy(attempts=3, base_delay=0.5, jitter=0))
        return HttpBackend(BASE, SECRET, name="acme-carrier", merchant_slug="acme", sleep=sleeps.append,
                           clock=clock, **kw)

    return make


@responses.activate
def test_shipment_json_maps_to_the_domain(make_backend):
    responses.get(f"{BASE}/shipments/PB123456789GB", json=SHIPMENT)
    shipment = make_backend().get_shipment("pb123456789gb")
    assert shipment.status is ShipmentStatus.IN_TRANSIT and shipment.merchant_slug == "acme"
    assert shipment.value == Decimal("49.99") and shipment.address.postcode == "M1 4BT"
    assert shipment.eta == TimeWindow(datetime(2026, 11, 23, 9, tzinfo=UTC), datetime(2026, 11, 23, 13, tzinfo=UTC))
    assert shipment.items[0]["sku"] == "TR-42"


@responses.activate
def test_find_shipments_sends_only_the_given_keys(make_backend):
    responses.get(
        f"{BASE}/shipments",
        match=[matchers.query_param_matcher({"phone": "+447700900123"})],
        json={"shipments": [SHIPMENT]},
    )
    found = make_backend().find_shipments(phone="+447700900123")
    assert [s.tracking_number for s in found] == ["PB123456789GB"]
    assert make_backend().find_shipments() == []  # nothing to search by: no call at all
    assert len(responses.calls) == 1


@responses.activate
def test_unknown_parcel_is_none(make_backend):
    responses.get(f"{BASE}/shipments/NOPE", status=404, json={"error": {"code": "not_found", "message": "No."}})
    assert make_backend().get_shipment("NOPE") is None


@responses.activate
def test_signature_header_is_verifiable_by_the_carrier(make_backend, clock):
    responses.post(f"{BASE}/shipments/PB123456789GB/actions", json=ACCEPTED)
    make_backend().apply_action("PB123456789GB", NOTE, idempotency_key="sig-1", context=CTX)
    sent = responses.calls[0].request
    header = sent.headers["X-Parcelbot-Signature"]
    fields = dict(part.split("=", 1) for part in header.split(","))
    assert fields["t"] == str(int(clock.t))
    message = f"{fields['t']}.POST./v1/shipments/PB123456789GB/actions.{sent.body}".encode()
    assert fields["v1"] == hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    assert json.loads(sent.body)["kind"] == "add_delivery_note"


@responses.activate
def test_signature_covers_the_query_string(make_backend, clock):
    responses.get(f"{BASE}/shipments", json={"shipments": []})
    make_backend().find_shipments(email="sam@example.com")
    sent = responses.calls[0].request
    fields = dict(part.split("=", 1) for part in sent.headers["X-Parcelbot-Signature"].split(","))
    message = f"{fields['t']}.GET./v1/shipments?email=sam%40example.com.".encode()
    assert fields["v1"] == hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()


@responses.activate
def test_retries_on_500_then_succeeds(make_backend, sleeps):
    url = f"{BASE}/shipments/PB123456789GB"
    responses.get(url, status=500)
    responses.get(url, status=503)
    responses.get(url, json=SHIPMENT)
    assert make_backend().get_shipment("PB123456789GB").order_number == "100234"
    assert len(responses.calls) == 3
    assert sleeps == [0.5, 1.0]  # exponential backoff


@responses.activate
def test_no_retry_on_422_and_the_reason_reaches_the_shopper(make_backend, sleeps):
    responses.post(
        f"{BASE}/shipments/PB123456789GB/actions",
        status=422,
        json={"error": {"code": "too_late", "message": "It's too late to change this delivery."}},
    )
    result = make_backend().apply_action("PB123456789GB", NOTE, idempotency_key="k", context=CTX)
    assert result.status is ResultStatus.REJECTED and result.reason == "It's too late to change this delivery."
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_timeouts_are_retried_then_reported_unavailable(make_backend):
    url = f"{BASE}/shipments/PB123456789GB"
    for _ in range(3):
        responses.get(url, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(BackendUnavailable, match="ReadTimeout"):
        make_backend().get_shipment("PB123456789GB")
    assert len(responses.calls) == 3


@responses.activate
def test_idempotency_key_is_sent_on_every_try_of_a_write(make_backend):
    url = f"{BASE}/shipments/PB123456789GB/actions"
    responses.post(url, status=502)
    responses.post(url, json=ACCEPTED, match=[matchers.header_matcher({"Idempotency-Key": "idem-42"})])
    result = make_backend().apply_action("PB123456789GB", NOTE, idempotency_key="idem-42", context=CTX)
    assert result.accepted and result.reference == "CR-1234"
    assert [c.request.headers["Idempotency-Key"] for c in responses.calls] == ["idem-42", "idem-42"]


@responses.activate
def test_circuit_opens_and_then_short_circuits_without_calling(make_backend):
    url = f"{BASE}/shipments/PB123456789GB"
    responses.get(url, status=500)
    backend = make_backend()
    for _ in range(2):  # threshold 2: two calls that failed all their tries
        with pytest.raises(BackendUnavailable):
            backend.get_shipment("PB123456789GB")
    assert backend.client.breaker.state == OPEN
    calls = len(responses.calls)
    with pytest.raises(CircuitOpen):
        backend.get_shipment("PB123456789GB")
    assert len(responses.calls) == calls == 6


@responses.activate
def test_half_open_lets_one_trial_through_and_recovers(make_backend, clock):
    url = f"{BASE}/shipments/PB123456789GB"
    fail = responses.get(url, status=500)
    backend = make_backend()
    for _ in range(2):
        with pytest.raises(BackendUnavailable):
            backend.get_shipment("PB123456789GB")
    clock.t += 31
    assert backend.client.breaker.state == HALF_OPEN
    responses.remove(fail)
    responses.get(url, json=SHIPMENT)
    assert backend.get_shipment("PB123456789GB") is not None
    assert backend.client.breaker.state == CLOSED


@responses.activate
def test_failed_half_open_trial_opens_again_after_one_try(make_backend, clock):
    url = f"{BASE}/shipments/PB123456789GB"
    responses.get(url, status=500)
    backend = make_backend()
    for _ in range(2):
        with pytest.raises(BackendUnavailable):
            backend.get_shipment("PB123456789GB")
    clock.t += 31
    before = len(responses.calls)
    with pytest.raises(BackendUnavailable):
        backend.get_shipment("PB123456789GB")
    assert len(responses.calls) == before + 1  # a single trial, no retries
    assert backend.client.breaker.state == OPEN


@responses.activate
def test_client_errors_do_not_trip_the_breaker(make_backend):
    responses.get(f"{BASE}/shipments/X1", status=401)
    backend = make_backend()
    for _ in range(3):
        with pytest.raises(BackendError):
            backend.get_shipment("X1")
    assert backend.client.breaker.state == CLOSED and len(responses.calls) == 3


@responses.activate
def test_rate_limit_waits_for_retry_after(make_backend, sleeps):
    url = f"{BASE}/shipments/PB123456789GB"
    responses.get(url, status=429, headers={"Retry-After": "2"})
    responses.get(url, json=SHIPMENT)
    assert make_backend().get_shipment("PB123456789GB") is not None
    assert sleeps == [2.0]


@responses.activate
def test_carrier_options_are_filtered_by_what_we_declared(make_backend):
    responses.get(f"{BASE}/shipments/PB123456789GB/actions", json=ACTIONS)
    supported = [k for k in ActionKind if k is not ActionKind.HOLD]
    options = make_backend(supported_actions=supported).available_actions("PB123456789GB")
    by_kind: dict = {}
    for o in options:
        by_kind.setdefault(o.kind, []).append(o)
    assert not by_kind[ActionKind.HOLD][0].available  # offered by the carrier, but not declared by us
    assert by_kind[ActionKind.HOLD][0].reason_code == because("carrier_does_not_offer", action="hold_delivery")
    assert not by_kind[ActionKind.CHANGE_ADDRESS][0].available  # declared, but the carrier didn't offer it
    assert [o.fee for o in by_kind[ActionKind.RESCHEDULE]] == [None, Decimal("3.50")]
    assert by_kind[ActionKind.PICKUP_POINT][0].pickup_points[0].distance_km == 0.4
    assert set(by_kind) == set(ActionKind)


@responses.activate
def test_undeclared_action_is_refused_without_calling(make_backend):
    backend = make_backend(supported_actions=["add_delivery_note"])
    result = backend.apply_action("PB1", DeliveryAction(ActionKind.HOLD, {"days": 2}), idempotency_key="h",
                                  context=CTX)
    assert result.status is ResultStatus.REJECTED
    assert result.reason_code == because("carrier_does_not_offer", action="hold_delivery")
    assert len(responses.calls) == 0


@responses.activate
def test_write_while_down_is_kept_and_raises(make_backend, session, merchant):
    responses.post(f"{BASE}/shipments/PB123456789GB/actions", status=503)
    backend = make_backend(pending_sink=session_sink(session, merchant.id, NOW))
    with pytest.raises(BackendUnavailable):
        backend.apply_action("PB123456789GB", NOTE, idempotency_key="down-1", context=CTX)
    kept = session.scalar(select(m.PendingRequest))
    assert (kept.kind, kept.idempotency_key, kept.merchant_id) == ("apply_action", "down-1", merchant.id)
    assert kept.payload["tracking_number"] == "PB123456789GB" and "503" in kept.last_error


@responses.activate
def test_pending_write_goes_through_when_the_carrier_is_back(make_backend, session, merchant):
    url = f"{BASE}/shipments/PB123456789GB/actions"
    down = responses.post(url, status=503)
    backend = make_backend(pending_sink=session_sink(session, merchant.id, NOW))
    result = apply_change(session, backend, merchant, "PB123456789GB", NOTE, idempotency_key="later-1", context=CTX,
                          now=NOW)
    assert result.status is ResultStatus.PENDING
    responses.remove(down)
    responses.post(url, json=ACCEPTED, match=[matchers.header_matcher({"Idempotency-Key": "later-1"})])
    assert retry_pending(session, lambda _merchant: make_backend(), NOW + timedelta(minutes=5)) == 1
    change = session.scalar(select(m.DeliveryChange))
    assert (change.status, change.reference) == ("accepted", "CR-1234")
