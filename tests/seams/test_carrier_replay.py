"""The replay around a remote carrier's calls keeps every promise the old single transaction kept.

A turn that needs the carrier rolls back, the call is made with no transaction open, and the turn runs again
(bot/core/carrier.py). These pin down what must survive that: a write the carrier made is recorded at once,
even if the replayed turn goes another way (a second message came in between, or the clock moved on); the
replay runs at the message's own time; a cancellation the carrier takes a while over is waited for and recorded;
an unexpected error from the carrier is an apology with the message kept, never a lost message; and a turn that
needs many answers (a shopper with a dozen parcels) still works. The carrier is a real HttpBackend against an
HTTP API mocked with `responses`.
"""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

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
from bot.core.events import ChangeApplied, DomainEvent
from bot.core.messages import InboundMessage
from bot.runtime import Runtime, build_runtime
from tests.helpers import new_sid

BASE = "https://carrier.example.com/v1"
ACME = "+441614960001"
SHOPPER = "+447700900111"
PARCEL = "AC100000001GB"


def _runtime(env, interpreter, *, slow: str, kinds: tuple[ActionKind, ...], policy: dict) -> Runtime:  # noqa: ANN001
    rt = build_runtime(Settings.from_env({**env, "PARCELBOT_SLOW_BACKEND_SECONDS": slow}), interpreter=interpreter,
                       synchronous_jobs=True)
    with transaction(rt.sessions) as s:
        s.add(m.Merchant(slug="acme", name="Acme", sms_number=ACME, timezone="Europe/London",
                         settings={"verification": policy}))

    def backends(session, merchant, now):  # noqa: ANN001, ANN202
        if merchant.slug == "acme":
            return HttpBackend(BASE, "carrier-secret", merchant_slug="acme", supported_actions=list(kinds))
        return ReferenceBackend(session, merchant, now=now)

    rt.set_backends(backends)
    return rt


def _parcel(tracking: str = PARCEL, order: str = "A-1") -> dict:
    return shipment_to_json(Shipment(tracking, order, "http", "acme", "Sam", SHOPPER, None,
                                     Address("1 High St", "Leeds", "LS1 1AA"), ShipmentStatus.IN_TRANSIT))


def _mock_reads(mock: responses.RequestsMock, kind: ActionKind) -> None:
    mock.get(f"{BASE}/shipments", json={"shipments": [_parcel()]})
    mock.get(f"{BASE}/shipments/{PARCEL}", json=_parcel())
    mock.get(f"{BASE}/shipments/{PARCEL}/actions", json={"actions": [option_to_json(ActionOption(kind, True))]})


def _text(rt: Runtime, text: str, sid: str | None = None) -> str:
    out = rt.engine.handle(InboundMessage("sms", SHOPPER, ACME, text, channel_message_id=sid or new_sid()))
    return " | ".join(r.text for r in out.replies)


def _changes(rt: Runtime) -> list[m.DeliveryChange]:
    with rt.sessions() as s:
        return list(s.scalars(select(m.DeliveryChange).where(m.DeliveryChange.merchant_id != None)))  # noqa: E711


@pytest.fixture
def note_carrier(env, interpreter, demo):  # noqa: ANN001, ANN201
    rt = _runtime(env, interpreter, slow="30", kinds=(ActionKind.ADD_DELIVERY_NOTE,),
                  policy={"add_delivery_note": "sender_number"})
    yield rt
    rt.close()


def test_a_write_made_while_another_message_ran_is_recorded(note_carrier):
    """The shopper confirms, and while the carrier applies it, sends "never mind": the second message is answered
    in between (no lock is held across the call). The change the carrier made is recorded all the same."""
    rt, called, release = note_carrier, threading.Event(), threading.Event()
    seen: list[DomainEvent] = []
    rt.local_events.subscribe(seen.append)

    def post(request):  # noqa: ANN001, ANN202
        called.set()
        release.wait(10)
        return 200, {}, json.dumps({"status": "accepted", "reference": "AC-REF-7"})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _mock_reads(mock, ActionKind.ADD_DELIVERY_NOTE)
        mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=post)
        assert "Just to check" in _text(rt, "add a note for the driver: ring twice")
        with ThreadPoolExecutor(1) as pool:
            confirmed = pool.submit(_text, rt, "yes")
            assert called.wait(10)
            _text(rt, "never mind")
            release.set()
            confirmed.result(30)
    [change] = _changes(rt)
    assert (change.status, change.reference, change.action) == ("accepted", "AC-REF-7", "add_delivery_note")
    with rt.sessions() as s:
        assert s.scalar(select(m.AuditEntry).where(m.AuditEntry.reference == "AC-REF-7")) is not None
    assert [e.reference for e in seen if isinstance(e, ChangeApplied)][:1] == ["AC-REF-7"]


def test_the_replay_runs_at_the_message_s_own_time(env, interpreter, demo):
    """The code is typed a second before it runs out and the carrier takes three: the turn, run again after the
    call, still reads the time the message came (the code was good then), and the change is made and recorded."""
    rt = _runtime(env, interpreter, slow="30", kinds=(ActionKind.ADD_DELIVERY_NOTE,), policy={})
    now = [datetime(2026, 12, 7, 10, 0, tzinfo=UTC)]
    rt.set_clock(lambda: now[0])

    def post(request):  # noqa: ANN001, ANN202
        now[0] += timedelta(seconds=3)
        return 200, {}, json.dumps({"status": "accepted", "reference": "AC-REF-9"})

    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            _mock_reads(mock, ActionKind.ADD_DELIVERY_NOTE)
            mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=post)
            _text(rt, "add a note for the driver: ring twice")
            assert "code" in _text(rt, "yes")
            with rt.sessions() as s:
                body = s.scalars(select(m.Message.body).where(m.Message.recipient == SHOPPER,
                                                              m.Message.status != "reply")).all()[-1]
            now[0] += timedelta(minutes=4, seconds=59)
            reply = _text(rt, re.search(r"\b(\d{6})\b", body).group(1))
        assert "AC-REF-9" in reply and "expired" not in reply
        [change] = _changes(rt)
        assert change.reference == "AC-REF-9"
    finally:
        rt.close()


def test_a_cancellation_the_carrier_takes_a_while_over_is_waited_for_and_recorded(env, interpreter, demo):
    """Slower than PARCELBOT_SLOW_BACKEND_SECONDS, but a cancellation has no "on it, we'll text you" follow-up:
    it is waited for (with no transaction open), then told and recorded."""
    rt = _runtime(env, interpreter, slow="0.3", kinds=(ActionKind.CANCEL_ORDER,), policy={"default": "sender_number"})

    def cancel(request):  # noqa: ANN001, ANN202
        threading.Event().wait(1.0)
        return 200, {}, json.dumps({"status": "accepted", "reference": "CXL-1"})

    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            _mock_reads(mock, ActionKind.CANCEL_ORDER)
            mock.add_callback(responses.POST, f"{BASE}/orders/A-1/cancel", callback=cancel)
            _text(rt, "cancel my order")
            reply = _text(rt, "yes")
        assert "CXL-1" in reply and "isn't answering" not in reply
        [change] = _changes(rt)
        assert (change.action, change.status, change.reference) == ("cancel_order", "accepted", "CXL-1")
    finally:
        rt.close()


def test_a_malformed_answer_from_the_carrier_is_said_as_it_not_answering_and_the_message_is_kept(env, interpreter,
                                                                                                 demo):
    """A read's 200 we can't parse is the carrier failing us, as a body that isn't JSON is: the honest "isn't
    answering, nothing has been changed" (it was our own fault's "something went wrong": review 8)."""
    rt = _runtime(env, interpreter, slow="2", kinds=(ActionKind.ADD_DELIVERY_NOTE,), policy={})
    sid = new_sid()
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            mock.get(f"{BASE}/shipments", json={"shipments": [{"no_tracking_number": True}]})  # malformed
            reply = _text(rt, "where is my parcel", sid=sid)
        assert "isn't answering" in reply and "Nothing has been changed" in reply, reply
        with rt.sessions() as s:
            assert s.scalar(select(m.Message.body).where(m.Message.channel_message_id == sid)) == "where is my parcel"
    finally:
        rt.close()


def test_a_shopper_with_many_parcels_can_still_pick_one(env, interpreter, demo):
    """Picking from the list reads each listed parcel: more answers than the replay limit, and it still works."""
    rt = _runtime(env, interpreter, slow="2", kinds=(ActionKind.ADD_DELIVERY_NOTE,), policy={})
    parcels = [_parcel(f"AC1000000{i:02d}GB", f"A-{i}") for i in range(30)]
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            mock.get(f"{BASE}/shipments", json={"shipments": parcels})
            for p in parcels:
                mock.get(f"{BASE}/shipments/{p['tracking_number']}", json=p)
            assert "Which one?" in _text(rt, "where is my parcel")
            reply = _text(rt, "1")
        assert "AC100000000GB" in reply and "isn't answering" not in reply
    finally:
        rt.close()


def test_a_notification_offers_only_what_a_remote_carrier_offers(runtime, client, demo):
    """The one-tap options of an "out for delivery" text come from the merchant's own carrier, asked before the
    API's transaction opens: a carrier that only takes safe places gets only that option offered."""
    from bot.core.apikeys import create_key
    from tests.api.support import event, shipment

    with transaction(runtime.sessions) as s:
        key, _ = create_key(s, s.get(m.Merchant, demo.id))
    auth = {"Authorization": f"Bearer {key}"}
    runtime.set_clock(lambda: datetime(2031, 3, 4, 11, 0, tzinfo=UTC))  # daytime: not held for quiet hours
    runtime.set_backends(lambda session, merchant, now: HttpBackend(BASE, "carrier-secret", merchant_slug="demo"))
    body = shipment()
    tracking = body["tracking_number"]
    offered = [ActionOption(ActionKind.LEAVE_WITH_NEIGHBOUR, False), ActionOption(ActionKind.LEAVE_IN_SAFE_PLACE, True),
               ActionOption(ActionKind.RESCHEDULE, False)]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/shipments/{tracking}/actions", json={"actions": [option_to_json(o) for o in offered]})
        assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
        pushed = event("out_for_delivery", now=datetime(2031, 3, 4, 10, 55, tzinfo=UTC))
        assert client.post(f"/api/v1/shipments/{tracking}/events", json=pushed, headers=auth).status_code == 201
    with runtime.sessions() as s:
        [text] = s.scalars(select(m.Message.body).where(m.Message.recipient == body["recipient"]["phone"],
                                                        m.Message.direction == "out")).all()
    assert text.endswith("Reply 1 for a safe place.") and "neighbour" not in text
