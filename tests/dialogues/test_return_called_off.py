"""Calling a return off: "cancel my return" was read as cancelling the order ("it can't be cancelled - but you can
start a return"), and "stop the return", "call off the return", "i dont want to return it anymore" each started the
return they called off. Now they get the return's own answer and nothing is booked; at the return's questions the
same words end it (`intents/return_call_off.py`, one table with `kit/return_reasons.keeps_it`)."""

from __future__ import annotations

import pytest
from aftersales_kit import audits, changes, talk, text_of

from bot.core.sms import cost
from tests.review.voice_kit import make_us

DELIVERED = "+447700900789"  # PB100000003GB, delivered yesterday
_CALLED_OFF = "no return then"


def _no_return_booked(runtime) -> None:  # noqa: ANN001
    assert changes(runtime, "start_return") == [] and audits(runtime, "start_return") == []


@pytest.mark.parametrize("text", [
    "cancel my return",
    "stop the return",
    "call off the return please",
    "i dont want to return it anymore",
    "i don't want to return them anymore, ill keep them",
    "forget about the return, im keeping it",
    "im not returning it after all",
    "changed my mind about returning",
    "can u scrap my return",
])
def test_calling_a_return_off_books_nothing_and_says_how_to_keep_it(runtime, demo, text):
    reply = text_of(talk(runtime, DELIVERED, text))
    assert _CALLED_OFF in reply and "don't send it back" in reply, reply
    assert "Why are you sending" not in reply and "can't cancel" not in reply, reply
    _no_return_booked(runtime)


def test_a_us_shopper_calling_a_return_off(runtime, demo):
    make_us(runtime)
    reply = text_of(talk(runtime, DELIVERED, "please cancel my return, I'm keeping it"))
    assert _CALLED_OFF in reply, reply
    _no_return_booked(runtime)


@pytest.mark.parametrize("steps", [
    ("i want to return it", "changed my mind, cancel the return"),
    ("i want to return it", "too small", "actually scrap the return"),
    ("i want to return it", "too small", "1", "no, cancel the return"),
])
def test_calling_it_off_at_the_returns_questions_ends_it(runtime, demo, steps):
    for text in steps[:-1]:
        talk(runtime, DELIVERED, text)
    reply = text_of(talk(runtime, DELIVERED, steps[-1]))
    assert "haven't booked a return" in reply, reply
    _no_return_booked(runtime)


@pytest.mark.parametrize(("text", "expected"), [
    ("i want to return it, its too small", "How would you like to send it back?"),
    ("i dont want to return it, i want a refund", None),  # a wish after it: not a call-off
    ("cancel my order", "can't cancel it"),
])
def test_look_alikes_keep_their_reading(runtime, demo, text, expected):
    reply = text_of(talk(runtime, DELIVERED, text))
    assert _CALLED_OFF not in reply, reply
    if expected:
        assert expected in reply, reply


def test_the_answer_fits_two_gsm_segments(runtime):
    text = str(runtime.wording.render("utter_return_called_off", merchant=None))
    sms = cost(text)
    assert sms.encoding == "GSM-7" and sms.segments <= 2, sms
