"""The carrier times out or answers 5xx while a shopper confirms a change.

The shopper gets a clear answer at once (kept, not done), the write is retried later by retry_pending under the
same idempotency key and applied once, and the shopper is texted the outcome either way: applied, refused, or
given up after the last try (the review's defect: the shopper who was told "I'll text you as soon as they do"
was never texted).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.pending import MAX_ATTEMPTS, PendingWrite, apply_write, backoff, keep_in_case, store_pending
from backend.types import ActionKind, ChangeContext, DeliveryAction
from bot.services.changes import SLOW_JOB_SAFETY_NET
from tests.faults.kit import PARCEL, Killed, changes, pending, say, texted

ASK = "add a note for the driver: ring twice"


def _later(rt, minutes: float) -> None:  # noqa: ANN001
    at = datetime.now(UTC) + timedelta(minutes=minutes)
    rt.set_clock(lambda: at)


@pytest.mark.parametrize("fault", ["timeout", "5xx"])
def test_a_change_kept_while_the_carrier_fails_is_applied_once_later_and_the_shopper_is_texted(note_carrier, fault):
    rt, carrier = note_carrier
    assert "Just to check" in say(rt, ASK)
    carrier.mode = fault
    reply = say(rt, "yes")
    assert "haven't confirmed it yet" in reply and "text you" in reply  # a clear answer, and a promise
    [kept] = pending(rt)
    [change] = changes(rt)
    assert (kept.status, change.status, carrier.writes) == ("pending", "pending", [])
    carrier.mode = "ok"
    _later(rt, 2)
    rt.enqueue("retry_pending")
    assert carrier.writes == [kept.idempotency_key]  # applied, under the key the shopper's confirmation chose
    [change] = changes(rt)
    assert (change.status, change.reference) == ("accepted", "AC-REF-1")
    [told] = texted(rt)
    assert "AC-REF-1" in told and "ring twice" in told.lower()  # the promise kept, in the shopper's own terms
    _later(rt, 120)
    rt.enqueue("retry_pending")  # a redelivered job, a second worker: nothing more
    assert len(carrier.writes) == 1 and len(texted(rt)) == 1 and pending(rt)[0].status == "done"


@pytest.mark.parametrize(("answer", "status", "said", "never"), [
    ("refuse", "rejected", ("couldn't make the change", "already left"), "confirmed"),
    # "pending" (the carrier took it and works on it) was texted as "the carrier couldn't make the change"
    ("queue", "pending", ("haven't confirmed it yet", "ring twice"), "couldn't"),
])
def test_a_kept_change_is_told_what_the_carrier_then_answers(note_carrier, answer, status, said, never):
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "5xx"
    say(rt, "yes")  # kept while the carrier is down: "I'll text you"
    carrier.mode = answer
    _later(rt, 2)
    rt.enqueue("retry_pending")
    [change] = changes(rt)
    assert change.status == status and pending(rt)[0].status == "done"
    [told] = texted(rt)
    assert all(words in told.lower() for words in said) and never not in told


def test_a_change_the_carrier_never_takes_is_given_up_and_the_shopper_is_told(note_carrier):
    """No try ever reaches the carrier (it can't be connected to): given up, "it hasn't been changed" is true. (A
    read that timed out may have reached it: "we can't tell yet", tests/review/test_gave_up_after_timeouts_review.py)"""
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "unreachable"
    say(rt, "yes")
    for hours in range(1, MAX_ATTEMPTS + 2):  # each try after its backoff (at most an hour)
        assert texted(rt) == [] or hours > MAX_ATTEMPTS
        _later(rt, 61 * hours)
        rt.enqueue("retry_pending")
    [kept] = pending(rt)
    assert (kept.status, kept.attempts) == ("failed", MAX_ATTEMPTS)
    [change] = changes(rt)
    assert change.status == "rejected" and carrier.writes == []
    [told] = texted(rt)
    assert "hasn't been changed" in told  # told honestly that nothing happened, and what to do


def test_a_change_whose_web_worker_died_during_the_carrier_call_is_recorded_and_the_shopper_told(note_carrier):
    """The web worker is killed (kill -9, an OOM, a deploy's SIGKILL) while the carrier takes the change. Nothing
    of the turn was committed and Twilio does not retry a failed webhook by default, so the carrier had the change
    and we had no record of it and no way to tell the shopper: a later NO was answered "left as it is". The write
    is kept before the call, so retry_pending settles it under the same key and texts the outcome, once."""
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "die"
    with pytest.raises(Killed):
        say(rt, "yes")
    assert list(carrier.applied) == carrier.writes and len(carrier.writes) == 1  # the carrier made the change
    carrier.mode = "ok"
    _later(rt, 11)
    rt.enqueue("retry_pending")
    [change] = changes(rt)
    assert (change.status, change.reference) == ("accepted", "AC-REF-1")
    assert carrier.writes == [change.idempotency_key] * 2 and len(carrier.applied) == 1  # same key: made once
    [told] = texted(rt)
    assert "AC-REF-1" in told and "ring twice" in told.lower()
    _later(rt, 120)
    rt.enqueue("retry_pending")
    assert len(carrier.writes) == 2 and len(texted(rt)) == 1


def test_a_change_answered_in_time_is_not_called_again_or_told_twice(note_carrier):
    """The write kept before the call is closed without a call or a text once the turn has the answer."""
    rt, carrier = note_carrier
    say(rt, ASK)
    assert "AC-REF-1" in say(rt, "yes")
    _later(rt, 11)
    rt.enqueue("retry_pending")
    assert len(carrier.writes) == 1 and texted(rt) == [] and all(k.status == "done" for k in pending(rt))


def test_a_change_the_carrier_answers_pending_itself_is_not_retried_or_told_as_refused(note_carrier):
    """A carrier may take a change and say "pending" (it works later; by the carrier contract the outcome follows as
    tracking events, and the same key asked again returns the same "pending"): that is an answer, not an outage, so
    the write kept before the call is closed; retrying it would text "couldn't make the change" 10 minutes later."""
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "queue"
    say(rt, "yes")
    _later(rt, 11)
    rt.enqueue("retry_pending")
    assert len(carrier.writes) == 1 and texted(rt) == [] and all(k.status == "done" for k in pending(rt))


def test_a_write_kept_in_case_that_then_meets_an_outage_is_retried_on_the_usual_backoff(note_carrier):
    """A slow change's job (or a turn) that then finds the carrier down kept the write under the safety net's due
    time: the first retry came 10 minutes later instead of after a minute, and so did the shopper's text."""
    rt, _ = note_carrier
    now = datetime.now(UTC)
    with transaction(rt.sessions) as session:
        merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == "acme"))
        action = DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "ring twice"})
        write = apply_write(PARCEL, action, ChangeContext("+447700900111", "sms", "sender_number"), "chg-1")
        keep_in_case(session, merchant_id=merchant.id, write=write, first_try_at=now + SLOW_JOB_SAFETY_NET, now=now)
        kept = store_pending(session, merchant_id=merchant.id, now=now,
                             write=PendingWrite("apply_action", {}, "chg-1", "ReadTimeout"))
        assert kept.next_attempt_at == now + backoff(1) and kept.last_error == "ReadTimeout"


def test_a_no_to_a_question_about_a_change_made_meanwhile_is_told_it_was_made(note_carrier):
    """After the worker died during the call, retry_pending made the change and texted the shopper, but the
    conversation still held the question "Reply YES to confirm or NO...": a NO was answered "OK, I haven't
    changed anything", which was no longer true."""
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "die"
    with pytest.raises(Killed):
        say(rt, "yes")
    carrier.mode = "ok"
    _later(rt, 11)
    rt.enqueue("retry_pending")
    assert "AC-REF-1" in texted(rt)[0]
    reply = say(rt, "no")
    assert "haven't changed anything" not in reply
    assert "already been made" in reply and "AC-REF-1" in reply


def _die_after_the_answer_is_recorded(rt, monkeypatch) -> None:  # noqa: ANN001
    """The worker dies after the carrier's answer to the write was recorded (its own unit of work) and before the
    turn that replies with it commits: the webhook gets no answer, and Twilio does not retry it by default."""
    keep = rt.engine._keep

    def keep_then_die(need, answers):  # noqa: ANN001, ANN202
        keep(need, answers)
        if need.write:  # the turn's reads are fetched the same way: the worker dies after the write's record
            raise Killed("the web worker was killed before the turn committed")

    monkeypatch.setattr(rt.engine, "_keep", keep_then_die)


def test_a_change_recorded_just_before_the_worker_died_is_told_once_without_asking_again(note_carrier, monkeypatch):
    """The answer was kept (the change is made and recorded) but the turn that tells the shopper never committed.
    The write kept before the call used to be closed with the answer, so nothing was left to tell them: now only
    the transaction that tells the shopper closes it, and retry_pending texts the recorded outcome to whoever it
    finds still untold, without asking the carrier again."""
    rt, carrier = note_carrier
    say(rt, ASK)
    _die_after_the_answer_is_recorded(rt, monkeypatch)
    with pytest.raises(Killed):
        say(rt, "yes")
    monkeypatch.undo()
    [change] = changes(rt)
    assert (change.status, texted(rt)) == ("accepted", [])  # made and recorded; the shopper heard nothing
    _later(rt, 11)
    rt.enqueue("retry_pending")
    assert len(carrier.writes) == 1  # the recorded answer is told: the carrier is not asked again
    [told] = texted(rt)
    assert "AC-REF-1" in told and "ring twice" in told.lower()
    _later(rt, 120)
    rt.enqueue("retry_pending")
    assert len(texted(rt)) == 1 and all(k.status == "done" for k in pending(rt))


@pytest.mark.parametrize("dies", ["during the call", "after the answer was recorded"])
def test_a_cancellation_whose_worker_died_is_settled_and_the_shopper_told_once(cancel_carrier, monkeypatch, dies):
    """Cancellations and returns are kept before the carrier is asked, as changes are: a worker that dies during
    the call (the carrier cancelled the order) or before the reply commits leaves the shopper told by the retry."""
    rt, carrier = cancel_carrier
    assert "Reply YES to cancel" in say(rt, "please cancel my order")
    if dies == "during the call":
        carrier.mode = "die"
    else:
        _die_after_the_answer_is_recorded(rt, monkeypatch)
    with pytest.raises(Killed):
        say(rt, "yes")
    monkeypatch.undo()
    carrier.mode = "ok"
    assert texted(rt) == [] and len(carrier.applied) == 1  # the carrier cancelled it; nobody told the shopper
    _later(rt, 11)
    rt.enqueue("retry_pending")
    [change] = changes(rt)
    assert (change.action, change.status, change.reference) == ("cancel_order", "accepted", "AC-REF-1")
    assert len(carrier.applied) == 1  # under the same key: cancelled once
    [told] = texted(rt)
    assert "A-1" in told and "AC-REF-1" in told
    _later(rt, 120)
    rt.enqueue("retry_pending")
    assert len(texted(rt)) == 1


def test_an_agents_change_is_kept_before_the_carrier_is_asked_as_a_shoppers_is(note_carrier):
    """A person changes the delivery from the console (POST .../actions) and the web worker dies while the carrier
    takes it: that path asked the carrier without keeping the write first, so the change was made with no record.
    It now keeps it and records the answer as a chat turn does (bot/core/carrier.py keep_ahead, keep_answer)."""
    from bot.web import create_app
    from tests.console.kit import make_user, page_token, sign_in

    rt, carrier = note_carrier
    say(rt, "AGENT")  # the shopper asks for a person
    make_user(rt, slug="acme")
    app = create_app(runtime=rt)
    app.config["TESTING"] = False
    client = app.test_client()
    sign_in(client)
    headers = {"X-CSRFToken": page_token(client)}
    with rt.sessions() as s:  # the parcel lives at the carrier only: the console reads it there (no local row)
        conv_id = s.scalar(select(m.Conversation.id))
    assert client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=headers).status_code == 200
    carrier.mode = "die"
    with pytest.raises(Killed):
        client.post(f"/api/v1/conversations/{conv_id}/actions", headers=headers,
                    json={"tracking_number": PARCEL, "action": "add_delivery_note", "params": {"note": "ring twice"}})
    assert changes(rt) == [] and len(carrier.applied) == 1  # the carrier has it; we had nothing
    carrier.mode = "ok"
    _later(rt, 11)
    rt.enqueue("retry_pending")
    [change] = changes(rt)
    assert (change.status, change.reference) == ("accepted", "AC-REF-1") and len(carrier.applied) == 1


def test_a_cancellation_told_nothing_has_changed_is_not_made_later(cancel_carrier):
    """Found by review: the carrier answered the cancellation with an error we can't read (a 400), the shopper heard
    "Nothing has been changed", and the copy kept before the call stayed open: ten minutes later retry_pending
    cancelled the order after all and texted them. An answer the turn reports as "nothing changed" drops it."""
    rt, carrier = cancel_carrier
    say(rt, "please cancel my order")
    carrier.mode = "garbled"
    assert "Nothing has been changed" in say(rt, "yes")
    carrier.mode = "ok"
    _later(rt, 11)
    rt.enqueue("retry_pending")
    assert (carrier.applied, texted(rt)) == ({}, [])
    assert all(k.status == "done" for k in pending(rt))


def test_a_carriers_own_pending_recorded_before_the_worker_died_is_told_as_pending_not_as_refused(note_carrier,
                                                                                                    monkeypatch):
    """Found by review: the carrier answered "pending", the answer was recorded, the worker died before the reply
    committed, and retry_pending told the shopper the carrier had refused. The shopper, who heard nothing, is now
    told what the turn would have said: the carrier has it and hasn't confirmed it yet. Once."""
    rt, carrier = note_carrier
    say(rt, ASK)
    carrier.mode = "queue"
    _die_after_the_answer_is_recorded(rt, monkeypatch)
    with pytest.raises(Killed):
        say(rt, "yes")
    monkeypatch.undo()
    _later(rt, 11)
    rt.enqueue("retry_pending")
    [told] = texted(rt)
    assert "haven't confirmed it yet" in told and "ring twice" in told.lower() and "couldn't" not in told
    _later(rt, 200)
    rt.enqueue("retry_pending")
    assert len(texted(rt)) == 1


def test_a_cancellation_the_carrier_took_with_an_answer_we_cannot_read_is_not_dropped(cancel_carrier):
    """Found by review: a 200 whose body we can't read was dropped like a refusal, though the carrier had cancelled
    the order; nothing recorded it or told the shopper. Only a refusal (a 4xx) drops the kept copy; this one is
    settled by retry_pending, and the shopper told."""
    rt, carrier = cancel_carrier
    say(rt, "please cancel my order")
    carrier.mode = "unreadable"
    say(rt, "yes")
    assert len(carrier.applied) == 1 and changes(rt) == []
    carrier.mode = "ok"
    _later(rt, 11)
    rt.enqueue("retry_pending")
    [change] = changes(rt)
    assert (change.action, change.status) == ("cancel_order", "accepted")
    [told] = texted(rt)
    assert "cancelled" in told and "A-1" in told
