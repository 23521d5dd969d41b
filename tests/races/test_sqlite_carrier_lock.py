"""Issue 16's review: with the embedded SQLite default, a carrier's HTTP call held the database's one write lock,
so a slow carrier stalled every shopper of every merchant, and a retry against a hung carrier ended in
"database is locked" 500s. No transaction may be open across a remote carrier's call (docs/architecture.md 3.6).

Each test makes the carrier (a real HttpBackend, built by the registry from the merchant's settings, against an
API mocked with `responses`) look, from inside its own call, whether another writer could take SQLite's write
lock right now (BEGIN IMMEDIATE without waiting). Every way in that calls a carrier is tried: a shopper's turn
(read and write), the retry job, the slow-change job, the API's event (a notification's options) and the
tracking page.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
import requests
import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.pending import PENDING, PendingWrite, store_pending
from backend.serialize import action_to_json, context_to_json, option_to_json, shipment_to_json
from backend.types import ActionKind, ActionOption, ChangeContext, DeliveryAction
from tests.api.support import api_key, auth, event  # noqa: F401 - fixtures
from tests.conftest import PG_URL
from tests.security.security_kit import OWN, TRACKING, merchant_settings, talk

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's single write lock; PostgreSQL locks rows")

BASE = "https://carrier.example.com/v1"
SECRET_ENV = "MERCHANT_DEMO__CARRIER_SECRET"


class Carrier:
    """The far side. Every call first checks whether another writer could take SQLite's write lock now."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.locked_during: list[str] = []
        self.calls: list[str] = []

    def write_lock_free(self) -> bool:
        probe = sqlite3.connect(self.db_path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:  # "database is locked": the caller holds a transaction open
            return False
        finally:
            probe.close()

    def answer(self, body: object, status: int = 200):  # noqa: ANN201
        def callback(request):  # noqa: ANN001, ANN202
            where = f"{request.method} {request.path_url}"
            self.calls.append(where)
            if not self.write_lock_free():
                self.locked_during.append(where)
            return status, {}, json.dumps(body)

        return callback

    def hung(self, request):  # noqa: ANN001, ANN201
        where = f"{request.method} {request.path_url}"
        self.calls.append(where)
        if not self.write_lock_free():
            self.locked_during.append(where)
        raise requests.exceptions.ReadTimeout("the carrier did not answer in time")


@pytest.fixture
def carrier(runtime, demo, settings, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv(SECRET_ENV, "carrier-secret")
    merchant_settings(runtime, backend={"type": "http", "base_url": BASE, "secret_env": SECRET_ENV,
                                        "retry_attempts": 1, "supported_actions": ["add_delivery_note"]},
                      verification={"add_delivery_note": "sender_number"})
    with runtime.sessions() as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == TRACKING))
        from backend.reference import to_domain

        parcel = shipment_to_json(to_domain(row))
    far = Carrier(settings.database_url.removeprefix("sqlite:///"))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, f"{BASE}/shipments", callback=far.answer({"shipments": [parcel]}))
        mock.add_callback(responses.GET, f"{BASE}/shipments/{TRACKING}", callback=far.answer(parcel))
        options = {"actions": [option_to_json(ActionOption(ActionKind.ADD_DELIVERY_NOTE, True))]}
        mock.add_callback(responses.GET, f"{BASE}/shipments/{TRACKING}/actions", callback=far.answer(options))
        far.mock = mock  # type: ignore[attr-defined]
        yield far


def _post_action(carrier: Carrier, *, hung: bool = False) -> None:
    url = f"{BASE}/shipments/{TRACKING}/actions"
    callback = carrier.hung if hung else carrier.answer({"status": "accepted", "reference": "AC-REF-1"})
    carrier.mock.add_callback(responses.POST, url, callback=callback)  # type: ignore[attr-defined]


def test_a_turn_reading_from_the_carrier_holds_no_write_lock(runtime, carrier):
    reply = talk(runtime, OWN, "where is my parcel")
    assert "Trail running shoes" in reply, reply  # the parcel as the carrier described it
    assert carrier.calls and carrier.locked_during == []


def test_a_turn_writing_to_the_carrier_holds_no_write_lock(runtime, carrier):
    _post_action(carrier)
    assert "Just to check" in talk(runtime, OWN, "add a note for the driver: ring twice")
    assert "AC-REF-1" in talk(runtime, OWN, "yes")
    assert any(c.startswith("POST") for c in carrier.calls)
    assert carrier.locked_during == []


def test_a_turn_against_a_hung_carrier_holds_no_write_lock_and_keeps_the_change(runtime, carrier):
    _post_action(carrier, hung=True)
    assert "Just to check" in talk(runtime, OWN, "add a note for the driver: ring twice")
    reply = talk(runtime, OWN, "yes")
    assert reply.strip() and "went wrong" not in reply
    assert any(c.startswith("POST") for c in carrier.calls)
    assert carrier.locked_during == []
    with runtime.sessions() as s:  # kept for the retry job, once
        assert [r.kind for r in s.scalars(select(m.PendingRequest))] == ["apply_action"]


def _keep_a_write(runtime, key: str = "chg-kept-1") -> None:  # noqa: ANN001
    action = DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "ring twice"})
    payload = {"tracking_number": TRACKING, "action": action_to_json(action),
               "context": context_to_json(ChangeContext(actor=OWN, channel="sms", verified_by="sender_number"))}
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        store_pending(s, merchant_id=merchant.id, write=PendingWrite("apply_action", payload, key, "down"),
                      now=runtime.clock() - timedelta(hours=1))


def test_the_retry_job_against_a_hung_carrier_holds_no_write_lock(runtime, carrier):
    _post_action(carrier, hung=True)
    _keep_a_write(runtime)
    runtime.jobs.enqueue("retry_pending")
    assert any(c.startswith("POST") for c in carrier.calls)
    assert carrier.locked_during == []
    with runtime.sessions() as s:  # kept for the next try, the attempt counted
        req = s.scalar(select(m.PendingRequest))
        assert (req.status, req.attempts) == (PENDING, 1)


def test_the_retry_job_applying_a_kept_write_holds_no_write_lock(runtime, carrier):
    _post_action(carrier)
    _keep_a_write(runtime)
    runtime.jobs.enqueue("retry_pending")
    assert any(c.startswith("POST") for c in carrier.calls)
    assert carrier.locked_during == []


def test_the_slow_change_job_holds_no_write_lock(runtime, carrier):
    _post_action(carrier)
    with runtime.sessions() as s:
        merchant_id = s.scalar(select(m.Merchant.id).where(m.Merchant.slug == "demo"))
    runtime.jobs.enqueue("finish_slow_change", merchant_id=merchant_id, tracking=TRACKING, action="add_delivery_note",
                         params={"note": "ring twice"}, fee_accepted=False, key="chg-slow-1", actor=OWN,
                         channel="sms", verified_by="sender_number", conversation_id=None, summary="")
    assert any(c.startswith("POST") for c in carrier.calls)
    assert carrier.locked_during == []


def test_an_api_event_asking_the_carrier_for_options_holds_no_write_lock(runtime, client, auth, carrier):  # noqa: F811
    answer = client.post(f"/api/v1/shipments/{TRACKING}/events", json=event("out_for_delivery"), headers=auth)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert any("/actions" in c for c in carrier.calls)
    assert carrier.locked_during == []


def test_the_tracking_page_holds_no_write_lock(runtime, client, carrier):
    url = runtime.links.tracking_url("demo", TRACKING)
    page = client.get(url[url.index("/t/"):])
    assert page.status_code == 200
    assert carrier.calls and carrier.locked_during == []
