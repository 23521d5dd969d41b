"""A paid change on a remote carrier (a real HttpBackend against an API mocked with `responses`): the carrier is
asked only after the payment, once, under the change's key, and with no database connection held (the
architecture's rule 3.6: no transaction across a network call), like the slow-change job."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.http_adapter import HttpBackend
from backend.serialize import option_to_json, shipment_to_json
from backend.types import ActionKind, ActionOption, Address, DeliveryAction, Shipment, ShipmentStatus
from bot.core.wording import Rendered
from bot.runtime import build_runtime
from bot.services.demo import seed_demo
from bot.web import create_app
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.subflows.change import propose
from dialogues.subflows.identify import shipment_for
from tests.conftest import PUBLIC_URL
from tests.dialogues.aftersales_kit import ForcedIntent, talk, text_of
from tests.payments.kit import path_of, pay_link, payments, texts_to

BASE = "https://carrier.example.com/v1"
SHOPPER = "+447700900123"
TRACKING = "PB100000001GB"
ASK = "TEST: a paid note please"

# A tiny journey that proposes a paid note through the shared change path (reachable only through ForcedIntent).
_flow = REGISTRY.get("test_paid_note") or register(Flow("test_paid_note"))


@_flow.start
def _propose_note(turn: Turn) -> None:
    shipment = shipment_for(turn, then="go")
    if shipment is not None:
        propose(turn, shipment, DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "Ring twice"}),
                Rendered("the driver will see the note 'Ring twice'."))


class Carrier:
    def __init__(self, runtime) -> None:  # noqa: ANN001
        self.runtime = runtime
        self.calls: list[tuple[str, int]] = []  # (idempotency key, database connections held at that moment)
        self.down = False

    def apply(self, request):  # noqa: ANN001, ANN201
        if self.down:
            return 503, {}, json.dumps({"error": "maintenance"})
        self.calls.append((request.headers["Idempotency-Key"], self.runtime.db.pool.checkedout()))
        return 200, {}, json.dumps({"status": "accepted", "reference": "RB-PAID0001"})


@pytest.fixture
def remote(env, interpreter):  # noqa: ANN001, ANN201
    from bot.config import Settings

    rt = build_runtime(Settings.from_env(env), interpreter=interpreter, synchronous_jobs=True)
    rt.set_backends(lambda session, merchant, now: HttpBackend(BASE, "carrier-secret", merchant_slug=merchant.slug,
                                                               supported_actions=[ActionKind.ADD_DELIVERY_NOTE]))
    rt.engine = rt.engine.replace(interpreter=ForcedIntent(interpreter, {ASK: {"intent": "test_paid_note"}}))
    with transaction(rt.sessions) as s:
        merchant = seed_demo(s)
        merchant.settings = {"verification": {"add_delivery_note": "sender_number"}}
    carrier = Carrier(rt)
    parcel = Shipment(TRACKING, "100231", "http", "demo", "Sam Taylor", SHOPPER, None,
                      Address("12 Acacia Avenue", "Manchester", "M1 4BT"), ShipmentStatus.IN_TRANSIT)
    paid_note = ActionOption(ActionKind.ADD_DELIVERY_NOTE, True, fee=Decimal("2.00"), currency="GBP")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/shipments", json={"shipments": [shipment_to_json(parcel)]})
        mock.get(f"{BASE}/shipments/{TRACKING}", json=shipment_to_json(parcel))
        mock.get(f"{BASE}/shipments/{TRACKING}/actions", json={"actions": [option_to_json(paid_note)]})
        mock.add_callback(responses.POST, f"{BASE}/shipments/{TRACKING}/actions", callback=carrier.apply)
        yield rt, carrier
    rt.db.dispose()


def test_a_remote_carrier_is_asked_after_payment_once_with_no_transaction_open(remote):
    rt, carrier = remote
    client = create_app(runtime=rt).test_client()
    ask = text_of(talk(rt, SHOPPER, ASK))
    assert "costs £2.00" in ask
    reply = text_of(talk(rt, SHOPPER, "yes"))
    assert "That's £2.00. Pay here:" in reply and carrier.calls == []  # not asked before payment
    path = path_of(pay_link(reply), PUBLIC_URL)
    assert client.post(path, data={"choice": "pay"}).status_code == 303
    [payment] = payments(rt)
    assert carrier.calls == [(payment.idempotency_key, 0)]  # once, under its key, no connection held
    assert payment.status == "applied"
    [done] = texts_to(rt, SHOPPER, "Thank you, your payment is in.")
    assert "RB-PAID0001" in done
    client.post(path, data={"choice": "pay"})
    rt.enqueue("apply_paid_change", payment_id=payment.id)  # a redelivered job: nothing more
    assert len(carrier.calls) == 1
    with rt.sessions() as s:
        assert len(list(s.scalars(select(m.DeliveryChange).where(m.DeliveryChange.action == "add_delivery_note")))) == 1


def test_a_carrier_down_after_payment_is_said_and_settled_when_it_comes_back(remote):
    rt, carrier = remote
    client = create_app(runtime=rt).test_client()
    talk(rt, SHOPPER, ASK)
    path = path_of(pay_link(text_of(talk(rt, SHOPPER, "yes"))), PUBLIC_URL)
    carrier.down = True
    client.post(path, data={"choice": "pay"})
    [payment] = payments(rt)
    assert payment.status == "paid"
    [pending] = texts_to(rt, SHOPPER, "haven't confirmed it yet")
    assert "Ring twice" in pending
    later = rt.clock() + timedelta(minutes=10)
    rt.set_clock(lambda: later)
    carrier.down = False
    rt.enqueue("retry_pending")  # the kept write goes through now
    rt.enqueue("expire_payments")  # and the payment is settled from it
    [payment] = payments(rt)
    assert payment.status == "applied"
    [done] = texts_to(rt, SHOPPER, "Thank you, your payment is in.")
    assert "RB-PAID0001" in done
