"""A carrier slower than settings.slow_backend_seconds: "on it" at once, the confirmation by text, applied once.

The carrier is a real HttpBackend against an HTTP API mocked with `responses`; it answers the first time
after SLOW seconds and, like a real Idempotency-Key, gives the same answer for the same key afterwards.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import responses
from aftersales_kit import ForcedIntent, talk, text_of
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.http_adapter import HttpBackend
from backend.serialize import option_to_json, shipment_to_json
from backend.types import ActionKind, ActionOption, Address, DeliveryAction, Shipment, ShipmentStatus
from bot.config import Settings
from bot.core.wording import Rendered
from bot.jobs.slow_changes import finish_slow_change
from bot.runtime import build_runtime
from bot.services.demo import seed_demo
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.subflows.change import propose
from dialogues.subflows.identify import shipment_for

BASE = "https://carrier.example.com/v1"
SHOPPER = "+447700900123"
TRACKING = "PB100000001GB"
DEADLINE = 0.3
SLOW = 1.5
ASK = "TEST: note please"

# A tiny journey that proposes a note through the shared change path (reachable only through ForcedIntent).
_flow = REGISTRY.get("test_slow_note") or register(Flow("test_slow_note"))


@_flow.start
def _propose_note(turn: Turn) -> None:
    shipment = shipment_for(turn, then="go")
    if shipment is not None:
        propose(turn, shipment, DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "Please knock loudly"}),
                Rendered("the driver will see the note 'Please knock loudly'."))


class Carrier:
    """The far side: slow the first time per key, then the same answer for the same key."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.applied: dict[str, dict] = {}
        self.calls: list[str] = []

    def apply(self, request):  # noqa: ANN001, ANN201
        key = request.headers["Idempotency-Key"]
        with self.lock:  # a real carrier serialises requests with one key
            self.calls.append(key)
            if key not in self.applied:
                time.sleep(SLOW)
                self.applied[key] = {"status": "accepted", "reference": f"RB-SLOW{len(self.applied) + 1:04d}"}
            return 200, {}, json.dumps(self.applied[key])


@pytest.fixture
def carrier():  # noqa: ANN201
    fake = Carrier()
    parcel = Shipment(TRACKING, "100231", "http", "demo", "Sam Taylor", SHOPPER, None,
                      Address("12 Acacia Avenue", "Manchester", "M1 4BT"), ShipmentStatus.IN_TRANSIT)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/shipments", json={"shipments": [shipment_to_json(parcel)]})
        mock.get(f"{BASE}/shipments/{TRACKING}", json=shipment_to_json(parcel))
        mock.get(f"{BASE}/shipments/{TRACKING}/actions",
                 json={"actions": [option_to_json(ActionOption(ActionKind.ADD_DELIVERY_NOTE, True))]})
        mock.add_callback(responses.POST, f"{BASE}/shipments/{TRACKING}/actions", callback=fake.apply)
        yield fake


@pytest.fixture
def slow_runtime(env, interpreter):  # noqa: ANN001, ANN201
    settings = Settings.from_env({**env, "PARCELBOT_SLOW_BACKEND_SECONDS": str(DEADLINE)})
    rt = build_runtime(settings, interpreter=interpreter, synchronous_jobs=False)  # jobs on their own threads

    def remote_carrier(session, merchant, now):  # noqa: ANN001, ANN202
        backend = HttpBackend(BASE, "carrier-secret", merchant_slug=merchant.slug,
                              supported_actions=[ActionKind.ADD_DELIVERY_NOTE])
        return backend

    rt.set_backends(remote_carrier)
    rt.engine = rt.engine.replace(interpreter=ForcedIntent(interpreter, {ASK: {"intent": "test_slow_note"}}))
    with transaction(rt.sessions) as s:
        merchant = seed_demo(s)
        merchant.settings = {"verification": {"add_delivery_note": "sender_number"}}
    yield rt
    rt.jobs.drain()
    rt.db.dispose()


def _drain(rt) -> None:  # noqa: ANN001
    for _ in range(3):  # the job enqueues send_outbox: let that one finish too
        rt.jobs.drain(timeout=30)


def _rows(rt):  # noqa: ANN001, ANN202
    with rt.sessions() as s:
        changes = list(s.scalars(select(m.DeliveryChange).where(m.DeliveryChange.action == "add_delivery_note")))
        texts = list(s.scalars(select(m.Message).where(m.Message.direction == "out", m.Message.status != "reply",
                                                       m.Message.recipient == SHOPPER)))
    return changes, texts


def _kept(rt) -> list[m.PendingRequest]:  # noqa: ANN001
    with rt.sessions() as s:
        return list(s.scalars(select(m.PendingRequest)))


def test_on_it_now_confirmation_by_text_later_applied_once(slow_runtime, carrier):
    rt = slow_runtime
    assert "Just to check" in text_of(talk(rt, SHOPPER, ASK))
    reply = text_of(talk(rt, SHOPPER, "yes", sid="SMslowyes000000000000000000000001"))
    assert not carrier.applied, "the reply must come before the slow carrier has answered"
    assert "On it" in reply

    _drain(rt)
    [change], [text] = _rows(rt)
    assert (change.status, change.reference) == ("accepted", "RB-SLOW0001")
    assert "Confirmed by the carrier" in text.body and "RB-SLOW0001" in text.body and TRACKING in text.body
    assert set(carrier.calls) == {change.idempotency_key} and len(carrier.applied) == 1

    # The job told them, so it closed the copy kept in case: the retry's safety net neither calls nor texts again.
    assert [(k.status, k.kind) for k in _kept(rt)] == [("done", "apply_action")]
    later, calls = datetime.now(UTC) + timedelta(minutes=11), len(carrier.calls)
    rt.set_clock(lambda: later)
    rt.enqueue("retry_pending")
    _drain(rt)
    assert len(_rows(rt)[1]) == 1 and len(carrier.calls) == calls

    # Twilio retries the same webhook: the stored reply comes back, nothing runs again.
    again = text_of(talk(rt, SHOPPER, "yes", sid="SMslowyes000000000000000000000001"))
    assert again == reply
    # The job is delivered twice (a redelivered Celery task): no second change, no second text.
    finish_slow_change(
        rt, merchant_id=change.merchant_id, tracking=TRACKING, action="add_delivery_note",
        params={"note": "Please knock loudly"}, fee_accepted=False, key=change.idempotency_key, actor=SHOPPER,
        channel="sms", verified_by="sender_number", conversation_id=text.conversation_id,
    )
    _drain(rt)
    changes, texts = _rows(rt)
    assert len(changes) == 1 and len(texts) == 1 and len(carrier.applied) == 1
