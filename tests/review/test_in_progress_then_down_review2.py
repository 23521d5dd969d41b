"""Found by review 2: a change the carrier answers "409 request_in_progress" (it has the request under this key and is
making it), then 503 on every retry, is given up as "it hasn't been changed. Please ask us again".

backend/http_adapter.py `_not_in_progress` raises a plain BackendUnavailable for that 409 (may_have_arrived left
False, backend/protocol.py's default), so note_arrival never marks the kept write, and backend/retry.record gives it
up sure (`_gave_up()`). The carrier itself said it had the request: asked again under a new key, it is made twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from backend.pending import MAX_ATTEMPTS
from backend.types import ActionKind
from tests.faults.kit import Carrier, acme_runtime, carrier_api, pending, say, texted

ASK = "add a note for the driver: ring twice"


class Busy(Carrier):
    """mode "busy": the carrier takes the write (made, once per key) and answers that it is still working on it."""

    def write(self, request):  # noqa: ANN001, ANN201
        if self.mode != "busy":
            return super().write(request)
        self.mode = "ok"
        try:
            super().write(request)
        finally:
            self.mode = "busy"
        return 409, {}, json.dumps({"error": {"code": "request_in_progress", "message": "still working on it"}})


@pytest.fixture
def busy_carrier(env, interpreter):  # noqa: ANN001, ANN201
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    carrier = Busy()
    with carrier_api(carrier, ActionKind.ADD_DELIVERY_NOTE):
        yield rt, carrier
    rt.close()


def test_a_change_the_carrier_said_it_was_working_on_is_not_given_up_as_unchanged(busy_carrier):  # noqa: ANN001
    rt, carrier = busy_carrier
    say(rt, ASK)
    carrier.mode = "busy"  # the turn's write: the carrier has it, and says it is still working on it
    assert "haven't confirmed it yet" in say(rt, "yes")
    carrier.mode = "5xx"  # from then on every retry meets maintenance
    for hours in range(1, MAX_ATTEMPTS + 2):
        at = datetime.now(UTC) + timedelta(minutes=61 * hours)
        rt.set_clock(lambda at=at: at)
        rt.enqueue("retry_pending")
    [kept] = pending(rt)
    assert kept.status == "failed" and len(carrier.applied) == 1  # the carrier made it, under the kept key
    told = texted(rt)
    assert told and "hasn't been changed" not in told[-1], told
