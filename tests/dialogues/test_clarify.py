"""'Did you mean A or B?': the answer starts the chosen journey with the ORIGINAL message's entities."""

from __future__ import annotations

import pytest
from aftersales_kit import DELIVERED, OWN_DELIVERED, STRANGER, ForcedIntent, talk, text_of

TIED = f"{DELIVERED} problem"
TIE = {"intent": "request_proof_of_delivery", "confidence": 0.41,
       "clarify": ("request_proof_of_delivery", "report_not_received")}


@pytest.fixture
def engine(runtime, demo):  # noqa: ANN001, ANN201
    interpreter = ForcedIntent(runtime.engine.interpreter, {TIED: TIE})
    return runtime.engine.replace(interpreter=interpreter)


def test_asks_with_both_labels(runtime, engine):
    text = text_of(talk(runtime, OWN_DELIVERED, TIED, engine=engine))
    assert "1) the proof of delivery" in text and "2) your missing parcel" in text


@pytest.mark.parametrize("answer", ["2", "the second one"])
def test_the_chosen_journey_gets_the_original_tracking_number(runtime, engine, answer):
    talk(runtime, STRANGER, TIED, engine=engine)
    # The stranger named the parcel in the first message only: it is carried over, so we ask just the postcode.
    assert "postcode" in text_of(talk(runtime, STRANGER, answer, engine=engine))
    reply = talk(runtime, STRANGER, "M1 4BT", engine=engine)
    assert "Have you found it" in text_of(reply)  # report_not_received, on the parcel from the first message


def test_an_answer_that_is_clearly_one_of_them(runtime, engine):
    talk(runtime, OWN_DELIVERED, TIED, engine=engine)
    reply = talk(runtime, OWN_DELIVERED, "send me the photo", engine=engine)
    assert any(r.media_urls for r in reply)


def test_something_else_entirely_is_answered_as_itself(runtime, engine):
    talk(runtime, OWN_DELIVERED, TIED, engine=engine)
    text = text_of(talk(runtime, OWN_DELIVERED, "i want to talk to a human", engine=engine))
    assert "passed this to" in text and "go back to" not in text


def test_gibberish_is_asked_again(runtime, engine):
    talk(runtime, OWN_DELIVERED, TIED, engine=engine)
    text = text_of(talk(runtime, OWN_DELIVERED, "plorb", engine=engine))
    assert "didn't catch" in text and "Reply 1 or 2" in text


def test_a_tie_with_small_talk_just_answers_the_request(runtime, demo):
    greeting = "hiya PB100000003GB"
    interpreter = ForcedIntent(runtime.engine.interpreter, {greeting: {
        "intent": "greet", "confidence": 0.45, "clarify": ("greet", "request_proof_of_delivery")}})
    engine = runtime.engine.replace(interpreter=interpreter)
    replies = talk(runtime, OWN_DELIVERED, greeting, engine=engine)
    assert "Did you mean" not in text_of(replies) and any(r.media_urls for r in replies)
