"""Found by review: a kept change whose every retry reaches the carrier and times out reading the answer is given up as
"it hasn't been changed" although the carrier made it.

backend/retry.py `record` reads every BackendUnavailable as "not reached", and after the last try settles it with
`_gave_up()` (sure), which the shopper reads as "We couldn't get this through to the carrier, so it hasn't been
changed. Please ask us again." A read timeout (backend/resilience.py raises BackendUnavailable for it) means the
request left and may have been made: docs/faults.md keeps "unsure" (reason gave_up_unsure, "reply AGENT") for an
answer that can't be read, and the Twilio sender treats a read timeout as maybe-sent, but a carrier write that
timed out after it was sent, eight times, is told "not changed". Doing as told makes the change a second time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from backend.pending import MAX_ATTEMPTS
from backend.types import ActionKind
from tests.faults.kit import Carrier, acme_runtime, carrier_api, changes, pending, say, texted

ASK = "add a note for the driver: ring twice"


class MadeThenSlow(Carrier):
    """mode "slow": the carrier makes the write (once per key, as ever), and its answer never comes in time."""

    def write(self, request):  # noqa: ANN001, ANN201
        if self.mode != "slow":
            return super().write(request)
        self.mode = "ok"
        try:
            super().write(request)
        finally:
            self.mode = "slow"
        raise requests.ReadTimeout("the carrier took too long to answer")


@pytest.fixture
def note_carrier(env, interpreter):  # noqa: ANN001, ANN201
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    carrier = MadeThenSlow()
    with carrier_api(carrier, ActionKind.ADD_DELIVERY_NOTE):
        yield rt, carrier
    rt.close()


def test_a_change_whose_answers_timed_out_after_reaching_the_carrier_is_not_told_unchanged(note_carrier):
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "5xx"
    assert "haven't confirmed it yet" in say(rt, "yes")  # kept: "I'll text you"
    carrier.mode = "slow"  # every retry reaches the carrier, which makes it; the answer times out
    for hours in range(1, MAX_ATTEMPTS + 2):
        at = datetime.now(UTC) + timedelta(minutes=61 * hours)
        rt.set_clock(lambda at=at: at)
        rt.enqueue("retry_pending")
    [kept] = pending(rt)
    assert kept.status == "failed" and len(carrier.applied) == 1  # the carrier made it, under the kept key
    [change] = changes(rt)
    [told] = texted(rt)
    assert change.status == "rejected"  # recorded as given up
    assert "hasn't been changed" not in told, told
    assert "can't tell yet" in told and "AGENT" in told, told  # what is true: it may have gone through


def test_a_change_whose_tries_never_reached_the_carrier_is_still_told_unchanged(note_carrier):
    """The other side of the same line: tries that never got a request to the carrier (it answered 5xx: nothing
    made) are given up as "it hasn't been changed, please ask us again", which is then true."""
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "5xx"
    assert "haven't confirmed it yet" in say(rt, "yes")
    for hours in range(1, MAX_ATTEMPTS + 2):
        at = datetime.now(UTC) + timedelta(minutes=61 * hours)
        rt.set_clock(lambda at=at: at)
        rt.enqueue("retry_pending")
    [told] = texted(rt)
    assert carrier.applied == {} and "hasn't been changed" in told, told


def test_a_turn_whose_read_timed_out_keeps_that_it_may_have_arrived(note_carrier):
    """The turn's own try counts too: its request was sent and its answer timed out, then every retry fails before
    reaching the carrier. Given up, that is still "we can't tell", not "not changed"."""
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "slow"  # the turn's try: made, the answer lost
    say(rt, "yes")
    carrier.mode = "5xx"  # from then on it never gets as far as the carrier
    for hours in range(1, MAX_ATTEMPTS + 2):
        at = datetime.now(UTC) + timedelta(minutes=61 * hours)
        rt.set_clock(lambda at=at: at)
        rt.enqueue("retry_pending")
    told = texted(rt)
    assert len(carrier.applied) == 1 and told and "hasn't been changed" not in told[-1], told
