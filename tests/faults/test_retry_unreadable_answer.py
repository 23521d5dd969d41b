"""Review: a kept write whose retry gets an answer we can't read (a 200 whose body isn't JSON: a proxy's page) is
given up at once and the shopper is texted "it hasn't been changed. Please ask us again", although the carrier
made the change (docs/faults.md: "An answer we can't read ... may mean it was made"). backend/retry.py record()
treats every error other than BackendUnavailable as final: status failed, outcome _gave_up() (a rejection), so the
delivery change is recorded `rejected` and the shopper, told nothing was changed, asks again under a new key: the
change is made twice."""

from __future__ import annotations

from tests.faults.kit import changes, pending, say, texted
from tests.faults.test_carrier_faults import ASK, _later


def test_a_retry_answered_with_an_unreadable_200_is_not_told_as_not_changed(note_carrier):  # noqa: ANN001
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "5xx"
    assert "text you" in say(rt, "yes")  # kept; promised a text
    carrier.mode = "unreadable"  # the carrier makes it; the answer's body is a proxy's HTML page
    _later(rt, 2)
    rt.enqueue("retry_pending")
    assert len(carrier.applied) == 1  # the carrier has made the change
    [change] = changes(rt)
    told = texted(rt)
    assert not any("hasn't been changed" in t for t in told), (
        f"the carrier made the change, yet: change {change.status}, kept row "
        f"{[(k.status, k.attempts, k.last_error) for k in pending(rt)]}, shopper told {told}")


def test_answers_never_readable_are_given_up_as_unknown_not_as_not_changed(note_carrier):  # noqa: ANN001
    """Every try answered with a proxy's page: counted, asked again under the same key, and in the end given up and
    told as it is (we can't say), never "it hasn't been changed" (asked again, it could be made twice)."""
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "5xx"
    assert "text you" in say(rt, "yes")
    carrier.mode = "unreadable"
    for hours in range(1, 30):
        _later(rt, 60 * hours)
        rt.enqueue("retry_pending")
    [kept] = pending(rt)
    assert kept.status == "failed" and kept.attempts >= 5
    [told] = texted(rt)
    assert "can't tell yet whether your request went through" in told and "AGENT" in told
    assert "hasn't been changed" not in told and "couldn't make" not in told
