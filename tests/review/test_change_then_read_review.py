"""Found by review: a message whose change the carrier made, and which then reads the carrier again and meets an outage.

"add a note for the driver: ring twice, and where is my parcel?" queues the second request; the YES applies the
note (the carrier takes it; keep_answer records it, committed, in its own unit of work), then the queued "where is
it?" starts in the same turn and needs a read the carrier's API no longer answers (5xx). bot/engine/ `_turn`
treats the BackendError as "the carrier isn't answering": the turn is rolled back whole and the shopper is told
utter_backend_down, "... Nothing has been changed. Please try again shortly" - although the change was made and
recorded. Ten minutes later retry_pending finds the kept row open and texts "Confirmed"; a shopper who did as told
and asked again got a fresh proposal under a new key, and the carrier made the change twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import responses

from backend.serialize import option_to_json, shipment_to_json
from backend.types import ActionKind, ActionOption, Address, Shipment, ShipmentStatus
from tests.faults.kit import BASE, PARCEL, SHOPPER, Carrier, acme_runtime, changes, say, texted

ASK = "add a note for the driver: ring twice, and where is my parcel?"


@pytest.fixture
def rig(env, interpreter):  # noqa: ANN001, ANN201
    kind = ActionKind.ADD_DELIVERY_NOTE
    rt = acme_runtime(env, interpreter, kind)
    carrier = Carrier()
    reads = {"down": False}
    parcel = shipment_to_json(Shipment(PARCEL, "A-1", "http", "acme", "Sam", SHOPPER, None,
                                       Address("1 High St", "Leeds", "LS1 1AA"), ShipmentStatus.IN_TRANSIT))

    def read(body: dict):  # noqa: ANN202
        def answer(_request):  # noqa: ANN001, ANN202
            return (503, {}, json.dumps({"error": "maintenance"})) if reads["down"] else (200, {}, json.dumps(body))
        return answer

    def write(request):  # noqa: ANN001, ANN202
        out = carrier.write(request)
        reads["down"] = carrier.mode == "ok" and len(carrier.applied) == 1  # its read side falls over just after
        return out

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, f"{BASE}/shipments", callback=read({"shipments": [parcel]}))
        mock.add_callback(responses.GET, f"{BASE}/shipments/{PARCEL}", callback=read(parcel))
        mock.add_callback(responses.GET, f"{BASE}/shipments/{PARCEL}/actions",
                          callback=read({"actions": [option_to_json(ActionOption(kind, True))]}))
        mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=write)
        yield rt, carrier, reads
    rt.close()


def test_a_change_made_then_a_failed_read_is_not_told_nothing_has_changed(rig):  # noqa: ANN001
    rt, carrier, reads = rig
    assert "Just to check" in say(rt, ASK)
    reply = say(rt, "yes")
    [change] = changes(rt)
    assert (change.status, change.reference) == ("accepted", "AC-REF-1")  # the carrier made it, it is recorded
    # the shopper is told the truth about the change they confirmed: it has gone, and they'll be texted; the rest
    # of what they asked ("where is it?") is what to try again
    assert "Nothing has been changed" not in reply and "gone to the carrier" in reply, reply
    reads["down"] = False
    assert "LS1" in say(rt, "where is my parcel?") or PARCEL in say(rt, "where is my parcel?")
    at = datetime.now(UTC) + timedelta(minutes=11)
    rt.set_clock(lambda: at)
    rt.enqueue("retry_pending")
    later = texted(rt)
    assert len(carrier.applied) == 1 and len([t for t in later if "AC-REF-1" in t]) == 1, later  # told once

