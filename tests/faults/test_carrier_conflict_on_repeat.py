"""A write asked again under its Idempotency-Key, after an earlier try that may have reached the carrier, answered
409 or 422 ("duplicate request", "already applied", or a conflict with the state our own earlier try made) instead of
the original answer the contract asks for (backend/openapi/carrier-contract.yaml: a carrier whose key store forgot
the key, or that never kept one). Found by review: HttpBackend read any such 409/422 as a refusal, so the change was
recorded `rejected` and the shopper told "the carrier couldn't make the change" for a change the carrier had made;
asking again under a new key, they would have it made twice. Now such an answer is "the outcome is unknown": never a
refusal and never "done", asked again under the same key, told "we can't tell" if it never becomes clear
(docs/backend.md, "A conflict answered to a repeat"). A first try's 409/422, and a repeat's when no earlier try can
have arrived, stay refusals in the carrier's own words. The HTTP layer is mocked with `responses`."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import pytest
import requests
import responses

from backend.types import ActionKind
from tests.faults.kit import BASE, PARCEL, Carrier, acme_runtime, carrier_api, changes, pending, say, texted
from tests.faults.test_carrier_faults import ASK, _later

REFUSED = ("couldn't make the change", "couldn't be made", "already been processed", "already been made",
           "changed a moment ago")


@dataclass
class Forgetful:
    """A carrier that doesn't replay a key's answer as the contract asks. `mode` is what the next try meets:
    "lost_first": made (once per key) with the answer lost on the way (a read timeout), and a repeat of a key it made
    answered `conflict` (status, code, words); "lost": every try made-once and its answer lost; "5xx": a gateway's
    503 (the carrier behind it may or may not have made it: `applied` says); "conflict": the conflict, whatever the
    key; "ok": as the contract says, the original answer for a key it made, else made and answered."""

    conflict: tuple[int, str, str]
    mode: str = "lost_first"
    writes: list[str] = field(default_factory=list)
    applied: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, request: requests.PreparedRequest) -> tuple[int, dict, str]:
        key = request.headers["Idempotency-Key"]
        with self.lock:
            self.writes.append(key)
            made = key in self.applied
            if self.mode == "5xx":
                return 503, {}, json.dumps({"error": "maintenance"})
            if self.mode == "conflict" or (self.mode == "lost_first" and made):
                status, code, words = self.conflict
                return status, {}, json.dumps({"error": {"code": code, "message": words}})
            self.applied.setdefault(key, {"status": "accepted", "reference": "AC-REF-1"})
            if self.mode == "ok":
                return 200, {}, json.dumps(self.applied[key])
        raise requests.ReadTimeout("the carrier made it; its answer was lost")


CONFLICTS = [
    (409, "duplicate_request", "This request has already been processed."),
    (422, "already_applied", "This change has already been made."),
    (409, "conflict", "The delivery instructions were changed a moment ago."),  # our own earlier try changed them
]


def _run(env, interpreter, far: Forgetful, steps) -> tuple[str, object]:  # noqa: ANN001
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    with carrier_api(Carrier(), ActionKind.ADD_DELIVERY_NOTE) as mock:
        mock.remove(responses.POST, f"{BASE}/shipments/{PARCEL}/actions")
        mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=far.write)
        say(rt, ASK)
        reply = say(rt, "yes")
        steps(rt)
    rt.close()
    return reply, rt


def _retry(rt, minutes: float) -> None:  # noqa: ANN001
    _later(rt, minutes)
    rt.enqueue("retry_pending")


@pytest.mark.parametrize("conflict", CONFLICTS, ids=lambda c: c[1])
def test_a_conflict_on_the_turns_own_repeat_is_not_told_as_a_refusal(env, interpreter, conflict):  # noqa: ANN001
    """The turn's first try is made and its answer lost; the HTTP client's next try of the same key meets the
    conflict. Once the carrier answers as the contract says, the shopper is told what was made, once."""
    far = Forgetful(conflict, mode="lost_first")

    def then(rt) -> None:  # noqa: ANN001
        far.mode = "ok"
        _retry(rt, 11)  # kept in case before the call, due after its safety net (bot/services/changes.py)

    reply, rt = _run(env, interpreter, far, then)
    assert len(far.applied) == 1 and set(far.writes) == set(far.applied)  # one key, made once
    assert not any(words in reply for words in REFUSED), reply
    told = texted(rt)
    assert not any(words in t for t in told for words in REFUSED), told
    assert [c.status for c in changes(rt)] == ["accepted"], (reply, told)
    assert sum("AC-REF-1" in t for t in told) == 1, told


@pytest.mark.parametrize("conflict", CONFLICTS, ids=lambda c: c[1])
def test_a_conflict_on_the_retry_jobs_repeat_is_not_told_as_a_refusal(env, interpreter, conflict):  # noqa: ANN001
    """Every try of the turn's is lost (the first one made it): kept, "I'll text you". The retry job's repeat meets
    the conflict: asked again later, not settled; then the carrier answers as the contract says."""
    far = Forgetful(conflict, mode="lost")
    seen: dict[str, object] = {}

    def then(rt) -> None:  # noqa: ANN001
        far.mode = "conflict"
        _retry(rt, 2)
        seen["after_conflict"] = ([c.status for c in changes(rt)], [(p.status, p.attempts) for p in pending(rt)],
                                  texted(rt))
        far.mode = "ok"
        _retry(rt, 10)

    reply, rt = _run(env, interpreter, far, then)
    assert "text you" in reply, reply
    statuses, kept, told = seen["after_conflict"]
    assert statuses == ["pending"] and kept == [("pending", 1)], (statuses, kept, told)
    assert not any(words in t for t in told for words in REFUSED), told
    told = texted(rt)
    assert [c.status for c in changes(rt)] == ["accepted"] and sum("AC-REF-1" in t for t in told) == 1, told
    assert not any(words in t for t in told for words in REFUSED), told


@pytest.mark.parametrize("conflict", CONFLICTS[:2], ids=lambda c: c[1])
def test_a_repeat_the_carrier_says_it_already_made_after_a_gateways_5xx_is_not_a_refusal(env, interpreter, conflict):  # noqa: ANN001, E501
    """The turn's tries met 503s (a gateway's: the carrier behind it made the first); kept. The retry's repeat is
    answered "duplicate"/"already applied": the carrier itself says it has this write, so it isn't a refusal."""
    far = Forgetful(conflict, mode="5xx")

    def then(rt) -> None:  # noqa: ANN001
        far.applied[far.writes[0]] = {"status": "accepted", "reference": "AC-REF-1"}  # made behind the gateway
        far.mode = "conflict"
        _retry(rt, 2)

    reply, rt = _run(env, interpreter, far, then)
    assert "text you" in reply, reply
    assert [c.status for c in changes(rt)] != ["rejected"], texted(rt)
    assert not any(words in t for t in texted(rt) for words in REFUSED), texted(rt)


@pytest.mark.parametrize("status", [409, 422])
def test_a_conflict_no_earlier_try_can_explain_stays_a_refusal_in_the_carriers_words(env, interpreter, status):  # noqa: ANN001
    """The turn's tries met 503s (nothing made); the retry's repeat is refused "too late" (not a duplicate): what
    the carrier says is the truth, told in its words."""
    far = Forgetful((status, "too_late", "It's too late to change this delivery."), mode="5xx")

    def then(rt) -> None:  # noqa: ANN001
        far.mode = "conflict"
        _retry(rt, 2)

    reply, rt = _run(env, interpreter, far, then)
    assert "text you" in reply, reply
    assert [c.status for c in changes(rt)] == ["rejected"]
    [told] = texted(rt)
    assert "too late to change this delivery" in told, told


@pytest.mark.parametrize("status", [409, 422])
def test_a_first_tries_conflict_stays_a_refusal_in_the_carriers_words(env, interpreter, status):  # noqa: ANN001
    reply, rt = _run(env, interpreter, Forgetful((status, "too_late", "It's too late to change this delivery."),
                                                  mode="conflict"), lambda rt: None)
    assert "too late to change this delivery" in reply and [c.status for c in changes(rt)] == ["rejected"], reply
