"""Found by review: a cancellation the carrier made, answered with a 200 we can't read, was told "Nothing has been
changed".

docs/faults.md: an answer we can't read "may mean it was made: that copy stays kept, and retry_pending settles it
and texts the outcome", and "never that nothing changed". The kept copy is right, but the turn itself tells the
shopper the opposite: ChangeService.cancel_order (bot/services/changes.py) lets the BackendError ("isn't JSON")
out, and bot/engine/ `_turn` answers every BackendError with utter_backend_down, "... Nothing has been changed.
Please try again shortly". Eleven minutes later retry_pending texts "it's cancelled". (A change, by contrast, maps
the same error to "not confirmed yet, I'll text you": ChangeService.apply.) Now a cancellation and a return do
the same (bot/services/changes._kept_as_unreadable)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.faults.conftest import cancel_carrier  # noqa: F401 - the fixture
from tests.faults.kit import changes, say, texted


def test_a_cancellation_answered_unreadably_is_not_told_nothing_has_changed(cancel_carrier):  # noqa: F811
    rt, carrier = cancel_carrier
    assert "Just to check" in say(rt, "please cancel my order")
    carrier.mode = "unreadable"  # the carrier cancels it; its 200 isn't JSON (a proxy's page)
    reply = say(rt, "yes")
    carrier.mode = "ok"
    at = datetime.now(UTC) + timedelta(minutes=11)
    rt.set_clock(lambda: at)
    rt.enqueue("retry_pending")
    [change] = changes(rt)
    assert (change.action, change.status, len(carrier.applied)) == ("cancel_order", "accepted", 1)
    assert any("cancelled" in t for t in texted(rt))  # the outcome, texted later
    assert "Nothing has been changed" not in reply, reply  # ... after being told nothing had changed
    assert "hasn't confirmed it yet" in reply and "text you" in reply, reply  # told what is true: asked, not confirmed
    assert len([t for t in texted(rt) if "cancelled" in t]) == 1  # and the outcome once
