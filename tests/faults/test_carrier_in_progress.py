"""A change slower than PARCELBOT_SLOW_BACKEND_SECONDS is handed to finish_slow_change while the turn's own request
is still in flight, so the carrier gets a second request under the same Idempotency-Key before it has answered the
first. Many carriers (Stripe-style idempotency) answer that 409 "in progress"; the contract now names it
(`request_in_progress`, backend/openapi/carrier-contract.yaml). Found by review: HttpBackend read any 409 as a
refusal, recorded the change `rejected` and texted "the carrier couldn't make the change" while the first request
made it. Now it is "not answering yet": asked again later under the key, and the shopper told what was made."""

from __future__ import annotations

import json
import threading

import pytest
import responses

from backend.types import ActionKind
from tests.faults.kit import BASE, PARCEL, Carrier, acme_runtime, carrier_api, changes, say, texted
from tests.faults.test_carrier_faults import _later


@pytest.mark.parametrize(("code", "words"), [
    ("idempotency_key_in_use", "A request with this key is still being processed."),
    # the same race where the carrier says "duplicate" rather than the contract's in-progress code: the slow-change
    # job's request repeats the turn's own, still in flight, so such a conflict is "outcome unknown", not a refusal
    # (docs/backend.md, "A conflict answered to a repeat"); only the retry job's replays had been read as repeats
    ("duplicate_request", "This request has already been received."),
])
def test_a_slow_change_is_not_told_as_refused_when_the_carrier_makes_it(env, interpreter, code, words):  # noqa: ANN001
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    carrier, release, in_flight, lock = Carrier(), threading.Event(), set(), threading.Lock()

    def write(request):  # noqa: ANN001, ANN202
        key = request.headers["Idempotency-Key"]
        carrier.writes.append(key)
        with lock:
            if key in carrier.applied:
                return 200, {}, json.dumps(carrier.applied[key])
            if key in in_flight:  # Stripe-style: a duplicate of a request still being processed
                return 409, {}, json.dumps({"error": {"code": code, "message": words}})
            in_flight.add(key)
        release.wait(20)  # the carrier is slow today
        with lock:
            carrier.applied[key] = {"status": "accepted", "reference": "AC-REF-1"}
            in_flight.discard(key)
        return 200, {}, json.dumps(carrier.applied[key])

    try:
        with carrier_api(carrier, ActionKind.ADD_DELIVERY_NOTE) as mock:
            mock.remove(responses.POST, f"{BASE}/shipments/{PARCEL}/actions")
            mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=write)
            say(rt, "add a note for the driver: ring twice")
            reply = say(rt, "yes")  # past the 2 s deadline: "on it", and finish_slow_change is queued at once
            release.set()
            rt.carrier_calls.shutdown(wait=True)  # the turn's own request completes: the carrier made the change
            _later(rt, 11)  # past the kept write's safety net
            rt.enqueue("retry_pending")
    finally:
        rt.close()
    assert carrier.applied, "the carrier made the change"
    told = texted(rt)
    assert not any("couldn't make the change" in t for t in told), (
        f"turn said {reply[:60]!r}; carrier made it ({carrier.applied}); recorded "
        f"{[c.status for c in changes(rt)]}; the shopper was texted {told}")
    assert [c.status for c in changes(rt)] == ["accepted"]
    assert sum("AC-REF-1" in t for t in told) == 1, told  # told what was made, once

