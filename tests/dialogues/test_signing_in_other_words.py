"""Signing, in the words a third probe used (2026-12-07): "can someone else sign for it" handed the shopper to a
person, "does it have to be me that signs" asked "did you mean", "I'm not going to be there to sign" started a new
address and "nobody will be in to sign for it tomorrow" offered tomorrow's slots. Who may sign is answered (anyone
in at the address: `faq.HOUSEHOLD_SIGNS`, `ONLY_ME_SIGNS`); not being in to sign gets the parcel's own answer and
what to do (`faq.CANT_SIGN`); said beside a request, the request is made."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of
from sqlalchemy import select

from backend import models as m
from tests.review.voice_kit import make_us

SIGNATURE = "+447700900987"  # a GPS watch that needs a signature
NO_SIGNATURE = "+447700900123"


@pytest.mark.parametrize("text", [
    "can someone else sign for it",
    "can anyone sign for it",
    "could somebody else sign for the parcel",
    "is it ok if anyone signs",
])
def test_anyone_signing_is_answered_yes(runtime, demo, text):
    reply = text_of(talk(runtime, SIGNATURE, text))
    assert reply.startswith("Yes - anyone in at the delivery address can sign"), reply


@pytest.mark.parametrize("text", [
    "does it have to be me that signs",
    "do i have to sign for it myself",
    "does it need to be me who signs for it",
])
def test_whether_only_the_shopper_may_sign_is_answered_no(runtime, demo, text):
    reply = text_of(talk(runtime, SIGNATURE, text))
    assert reply.startswith("No - anyone in at the delivery address can sign"), reply


@pytest.mark.parametrize("text", [
    "i wont be home to sign for it",
    "I'm not going to be there to sign",
    "nobody will be in to sign for it tomorrow",
    "no one's gonna be home to sign for it",
    "we cant be in to sign",
    "im at work so cant be there to sign",
])
def test_not_in_to_sign_gets_the_parcels_answer_and_what_to_do(runtime, demo, text):
    reply = text_of(talk(runtime, SIGNATURE, text))
    assert reply.startswith("Your GPS watch needs a signature") and "another day" in reply, reply
    assert "Which of these" not in reply and "new address" not in reply, reply


def test_not_in_to_sign_for_a_parcel_that_needs_none(runtime, demo):
    reply = text_of(talk(runtime, NO_SIGNATURE, "i wont be home to sign for it"))
    assert reply.startswith("No problem - your Trail running shoes don't need a signature"), reply


def test_a_us_shopper_not_in_to_sign(runtime, demo):
    make_us(runtime)
    reply = text_of(talk(runtime, SIGNATURE, "no one will be around to sign for it"))
    assert "needs a signature" in reply and "pickup point" in reply, reply


@pytest.mark.parametrize(("text", "wanted"), [
    ("i wont be in to sign, can you move it to friday", "Fri"),
    ("i wont be home to sign so send it to a pickup point", "pickup point"),
])
def test_a_request_beside_it_is_the_request(runtime, demo, text, wanted):
    reply = text_of(talk(runtime, SIGNATURE, text))
    assert wanted in reply and not reply.startswith("Your GPS watch needs a signature"), reply


def test_a_neighbour_refused_says_the_signature_is_at_the_address(runtime, demo):
    """The reason read "needs your own signature" while the household answer says anyone there can sign."""
    reply = text_of(talk(runtime, SIGNATURE, "leave it with number 5"))
    assert "needs a signature at the delivery address" in reply and "your own signature" not in reply, reply
    with runtime.sessions() as s:
        assert not s.scalars(select(m.DeliveryChange)).all()


@pytest.mark.parametrize("text", ["i will be in to sign for it", "nobody signed for it", "i signed for it",
                                  "can my neighbour sign for it", "can you leave it with someone else"])
def test_what_is_not_about_being_out_to_sign(text):
    from dialogues.kit.faq import Question, question_in

    assert question_in(text) not in {Question.CANT_SIGN, Question.ONLY_ME_SIGNS, Question.HOUSEHOLD_SIGNS}, text
