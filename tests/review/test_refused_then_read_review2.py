"""Found by review 2: a change the carrier answers with a definite "rejected" (a 200 whose status is rejected), after
which a read in the same message fails, is told "The change you confirmed has gone to the carrier, and I'll text
you when they confirm it".

bot/core/carrier.py `CarrierAnswers.made_a_write` counts every answer to a write as "taken, or may have been"
except a BackendRefused/LookupError or an outage met before sending: an ActionResult whose status is REJECTED
counts as made. bot/engine/ then picks utter_backend_down_after_change. The carrier had already said no (its
answer recorded at once by keep_answer, and announced as refused): the shopper is told in the same breath that
their change "has gone" and will be confirmed, and separately that it couldn't be made.

(The existing tests/review/test_change_then_read_review.py's second test, "a write refused outright then a
failed read", sets the reads down before the YES: the carrier is never asked at all, so it tests neither a 4xx
nor a refusal followed by a failed read.)"""

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
        reads["down"] = True  # its read side falls over just after the write is answered
        return out

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, f"{BASE}/shipments", callback=read({"shipments": [parcel]}))
        mock.add_callback(responses.GET, f"{BASE}/shipments/{PARCEL}", callback=read(parcel))
        mock.add_callback(responses.GET, f"{BASE}/shipments/{PARCEL}/actions",
                          callback=read({"actions": [option_to_json(ActionOption(kind, True))]}))
        mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=write)
        yield rt, carrier, reads
    rt.close()


def test_a_change_the_carrier_rejected_then_a_failed_read_is_not_promised_a_confirmation(rig):  # noqa: ANN001
    rt, carrier, reads = rig
    assert "Just to check" in say(rt, ASK)
    carrier.mode = "refuse"  # 200 {"status": "rejected", "reason": "The driver has already left."}
    reply = say(rt, "yes")
    assert len(carrier.writes) == 1  # the carrier was asked, and said no
    recorded = [(c.action, c.status) for c in changes(rt)]
    assert recorded == [("add_delivery_note", "rejected")], recorded
    at = datetime.now(UTC) + timedelta(minutes=11)
    rt.set_clock(lambda: at)
    reads["down"] = False
    rt.enqueue("retry_pending")
    later = texted(rt)
    # the refusal was known when the reply was written: not "gone, and I'll text you when they confirm it"
    assert "gone to the carrier" not in reply and "text you when they confirm" not in reply, (reply, later)
