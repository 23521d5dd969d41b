"""A slow carrier never holds up another shopper: no database transaction is open while a remote carrier is
called (bot/core/carrier.py), so while one shopper's turn waits five seconds for its carrier, another shopper's
turn, at another merchant, goes through at once.

On SQLite this is the difference between "a shopper waits" and not: a writer there holds the one write lock for
its whole transaction. The carrier is a real HttpBackend against an HTTP API mocked with `responses`.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.http_adapter import HttpBackend
from backend.reference import ReferenceBackend
from backend.serialize import option_to_json, shipment_to_json
from backend.types import ActionKind, ActionOption, Address, Shipment, ShipmentStatus
from bot.config import Settings
from bot.core.gate import TurnGate
from bot.core.messages import InboundMessage
from bot.runtime import build_runtime
from tests.helpers import new_sid

BASE = "https://carrier.example.com/v1"
ACME_NUMBER = "+441614960001"
ACME_SHOPPER = "+447700900111"
ACME_PARCEL = "AC100000001GB"
DEMO_SHOPPER = "+447700900123"  # the demo merchant's own (reference) carrier
CARRIER_SECONDS = 5.0


class SlowCarrier:
    """The far side: each call waits up to five seconds (or until released), then answers."""

    def __init__(self) -> None:
        self.called = threading.Event()
        self.answered = threading.Event()
        self.release = threading.Event()

    def slow(self, body: dict):  # noqa: ANN201
        def callback(request):  # noqa: ANN001, ANN202
            self.called.set()
            self.release.wait(CARRIER_SECONDS)
            self.answered.set()
            return 200, {}, json.dumps(body)

        return callback


@pytest.fixture
def two_merchants(env, interpreter, demo):  # noqa: ANN001, ANN201
    settings = Settings.from_env({**env, "PARCELBOT_SLOW_BACKEND_SECONDS": "30"})
    runtime = build_runtime(settings, interpreter=interpreter, synchronous_jobs=True)
    with transaction(runtime.sessions) as s:
        s.add(m.Merchant(slug="acme", name="Acme", sms_number=ACME_NUMBER, timezone="Europe/London",
                         settings={"verification": {"add_delivery_note": "sender_number"}}))

    def backends(session, merchant, now):  # noqa: ANN001, ANN202
        if merchant.slug == "acme":
            return HttpBackend(BASE, "carrier-secret", merchant_slug="acme",
                               supported_actions=[ActionKind.ADD_DELIVERY_NOTE])
        return ReferenceBackend(session, merchant, now=now)

    runtime.set_backends(backends)
    yield runtime
    runtime.close()


def _parcel() -> dict:
    return shipment_to_json(Shipment(ACME_PARCEL, "A-1", "http", "acme", "Sam", ACME_SHOPPER, None,
                                     Address("1 High St", "Leeds", "LS1 1AA"), ShipmentStatus.IN_TRANSIT))


def _text(runtime, sender: str, to: str, text: str) -> str:  # noqa: ANN001
    outcome = runtime.engine.handle(InboundMessage("sms", sender, to, text, channel_message_id=new_sid()))
    return " ".join(r.text for r in outcome.replies)


def _while_the_carrier_is_slow(runtime, carrier: SlowCarrier, acme_text: str) -> tuple[str, str, bool]:  # noqa: ANN001
    """Shopper A's turn waits for the carrier; shopper B texts meanwhile. Returns both replies, and whether the
    carrier had still not answered when B's reply came back."""
    with ThreadPoolExecutor(1) as pool:
        slow_turn = pool.submit(_text, runtime, ACME_SHOPPER, ACME_NUMBER, acme_text)
        assert carrier.called.wait(10), "the carrier was never called"
        other = _text(runtime, DEMO_SHOPPER, "+441614960000", "where is my parcel")
        still_waiting = not carrier.answered.is_set()
        carrier.release.set()
        return slow_turn.result(timeout=30), other, still_waiting


def test_a_slow_carrier_read_does_not_hold_up_another_shopper(two_merchants):
    runtime, carrier = two_merchants, SlowCarrier()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, f"{BASE}/shipments", callback=carrier.slow({"shipments": [_parcel()]}))
        mock.get(f"{BASE}/shipments/{ACME_PARCEL}", json=_parcel())
        slow, other, still_waiting = _while_the_carrier_is_slow(runtime, carrier, "where is my parcel")
    assert "Trail running shoes" in other  # the demo shopper's parcel, answered at once
    assert still_waiting, "the other shopper waited for the slow carrier"
    assert ACME_PARCEL in slow  # and the slow one was answered too, once the carrier was


def test_a_slow_carrier_write_does_not_hold_up_another_shopper(two_merchants):
    runtime, carrier = two_merchants, SlowCarrier()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/shipments", json={"shipments": [_parcel()]})
        mock.get(f"{BASE}/shipments/{ACME_PARCEL}", json=_parcel())
        mock.get(f"{BASE}/shipments/{ACME_PARCEL}/actions",
                 json={"actions": [option_to_json(ActionOption(ActionKind.ADD_DELIVERY_NOTE, True))]})
        mock.add_callback(responses.POST, f"{BASE}/shipments/{ACME_PARCEL}/actions",
                          callback=carrier.slow({"status": "accepted", "reference": "AC-REF-1"}))
        assert "Just to check" in _text(runtime, ACME_SHOPPER, ACME_NUMBER, "add a note for the driver: ring twice")
        slow, other, still_waiting = _while_the_carrier_is_slow(runtime, carrier, "yes")
    assert "Trail running shoes" in other
    assert still_waiting, "the other shopper waited for the slow carrier"
    assert "AC-REF-1" in slow
    with runtime.sessions() as s:  # recorded once, with its audit entry, after the carrier answered
        [change] = s.scalars(select(m.DeliveryChange).where(m.DeliveryChange.tracking_number == ACME_PARCEL)).all()
        assert (change.status, change.reference) == ("accepted", "AC-REF-1")
        assert s.scalar(select(m.AuditEntry).where(m.AuditEntry.reference == "AC-REF-1")) is not None


def test_a_turn_waiting_for_its_carrier_lends_its_place_to_the_next_turn(two_merchants):
    """One turn at a time (PARCELBOT_TURNS_AT_ONCE=1, bot/core/gate.py) and a gate that would wait as long as the
    carrier: the shopper behind the slow carrier's turn is still answered at once, because a turn waiting on
    the network steps aside."""
    runtime, carrier = two_merchants, SlowCarrier()
    runtime.engine = runtime.engine.replace(gate=TurnGate(1, patience=60))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, f"{BASE}/shipments", callback=carrier.slow({"shipments": [_parcel()]}))
        mock.get(f"{BASE}/shipments/{ACME_PARCEL}", json=_parcel())
        slow, other, still_waiting = _while_the_carrier_is_slow(runtime, carrier, "where is my parcel")
    assert "Trail running shoes" in other and still_waiting, "the other shopper waited for the slow carrier"
    assert ACME_PARCEL in slow
