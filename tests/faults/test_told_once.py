"""Review: a turn that tells the shopper a change's outcome from the STORED result did not close the write kept
ahead of the carrier call, so retry_pending later told them again.

bot/services/changes.py _follow_kept closed the kept copy only when this message's own carrier call answered.
When the worker died after the carrier's answer was recorded (the shopper heard nothing), the shopper sends YES
again, which docs/faults.md says "answers with the stored result under the same key": the turn replied "Done...
AC-REF-1" but left the kept row open. Ten minutes later retry_pending found it open with its change settled, took
it for "nobody told them" (backend/retry.close_settled, bot/jobs/retries.py) and texted the same confirmation a
second time."""

from __future__ import annotations

import pytest

from tests.faults.kit import Killed, changes, pending, say, texted
from tests.faults.test_carrier_faults import ASK, _die_after_the_answer_is_recorded, _later


def test_a_yes_sent_again_after_the_worker_died_is_told_once(note_carrier, monkeypatch):  # noqa: ANN001
    rt, carrier = note_carrier
    say(rt, ASK)
    _die_after_the_answer_is_recorded(rt, monkeypatch)
    with pytest.raises(Killed):
        say(rt, "yes")  # the carrier made it, the answer is recorded, the webhook got nothing
    monkeypatch.undo()
    again = say(rt, "yes")  # the shopper heard nothing, so they say it again
    assert "AC-REF-1" in again  # told, from the stored result
    _later(rt, 11)
    rt.enqueue("retry_pending")
    told = texted(rt)
    assert told == [], (f"already told in the reply to their second YES ({again[:80]}...), then texted again: "
                        f"{told}; kept rows {[(k.status, k.attempts) for k in pending(rt)]}, "
                        f"changes {[c.status for c in changes(rt)]}")


def test_a_turn_run_again_after_its_connection_dropped_is_told_once(note_carrier, monkeypatch):  # noqa: ANN001
    """The same cause, no worker killed: the connection breaks under the replayed turn after the carrier's answer
    was recorded; the engine runs the whole turn once more on a fresh connection (bot/engine/
    _handle_on_a_working_connection) with fresh CarrierAnswers, so the reply comes from the stored change and the
    kept row stays open. The shopper reads "Done ... AC-REF-1" in the webhook's answer and, ten minutes later,
    gets it again by text."""
    from sqlalchemy import exc as sa_exc

    rt, carrier = note_carrier
    say(rt, ASK)
    engine = rt.engine
    keep, turn, armed = engine._keep, engine._turn, {"on": False, "fired": False}

    def keep_then_arm(need, answers):  # noqa: ANN001, ANN202
        keep(need, answers)
        armed["on"] = not armed["fired"] and (armed["on"] or need.write)

    def turn_meeting_a_dropped_connection(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if armed["on"]:
            armed["on"], armed["fired"] = False, True  # once
            raise sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"),
                                          connection_invalidated=True)
        return turn(*args, **kwargs)

    monkeypatch.setattr(engine, "_keep", keep_then_arm)
    monkeypatch.setattr(engine, "_turn", turn_meeting_a_dropped_connection)
    reply = say(rt, "yes")
    monkeypatch.undo()
    assert "AC-REF-1" in reply and armed["fired"] and len(carrier.writes) == 1
    _later(rt, 11)
    rt.enqueue("retry_pending")
    told = texted(rt)
    assert told == [], f"told in the webhook's answer ({reply[:70]}...) and texted again: {told}"
