"""Found by review: a kept message whose webhook Twilio retries (same MessageSid) once the database is back, before
replay_kept has run, is answered twice: once in the retry's TwiML, then again by text from the replay.

The retry's turn stores the message and returns its replies in TwiML (status "reply"). replay_kept then hands the
kept copy to the engine, which finds the MessageSid stored and, taking it for "its COMMIT went through as the
connection broke", re-queues every "reply" of it to be texted (bot/engine.py, queue_unsent_replies): the shopper
who already read the answer in the retry's response gets it again by SMS."""

from __future__ import annotations

from bot.jobs.replay import replay_kept
from bot.jobs.send_outbox import send_due
from tests.faults.test_kept_messages import KEPT, _down, _sms, _texts_for, _up
from tests.helpers import new_sid


def test_a_kept_message_twilio_retries_before_the_replay_is_answered_once(env, interpreter):  # noqa: ANN001
    down = _down(env, interpreter)
    sid = new_sid()
    try:
        assert KEPT in _sms(down, "where is my parcel", sid)  # kept; Twilio's request timed out on its side
    finally:
        down.close()
    up = _up(env, interpreter)
    try:
        retried = _sms(up, "where is my parcel", sid)  # Twilio's retry of the same MessageSid, the database back
        assert "PB100000001GB" in retried  # answered in the TwiML: the shopper has the answer
        in_twiml = [t.id for t in _texts_for(up, sid)]
        assert in_twiml
        replay_kept(up)  # the schedule's next run (10 s later)
        send_due(up)
        texted = [t for t in _texts_for(up, sid) if t.status != "reply"]
        assert not texted, (f"answered in the retry's TwiML and texted again by the replay: "
                            f"{[(t.status, t.body[:60]) for t in texted]}")
    finally:
        up.close()
