""""Do I need to sign for it?" is a question with the parcel's own answer, yes or no, with what to do about it
(dialogues/kit/faq.py SIGNATURE_NEEDED). Found by a probe: "does the driver need a signature" was answered
"There's no proof of delivery yet" (read as a request for the proof) and "do i need to sign for it" was out of
scope. A wish ("leave it without a signature") is not this question."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

from dialogues.kit.faq import Question, question_in

NEEDS_SIGNATURE = "+447700900987"  # PB100000007GB, GPS watch: needs a signature
NO_SIGNATURE = "+447700900123"  # PB100000001GB, Trail running shoes: in transit, no signature
ASKED = ["does the driver need a signature", "do i have to be in to sign for it", "Is a signature required?",
         "will someone need to sign for the parcel", "does it need signing for", "signature needed?"]


@pytest.mark.parametrize("text", ASKED)
def test_the_question_is_recognised(text):
    assert question_in(text) is Question.SIGNATURE_NEEDED


@pytest.mark.parametrize("text", ["can you leave it without a signature please", "i signed for it but its damaged",
                                  "can my partner sign for it", "i cant sign for it tomorrow, can you change the day",
                                  # asking for the proof of a delivery, not whether one is needed
                                  "do you have a signature for it? it says delivered", "have they got a signature"])
def test_a_wish_or_a_story_is_not_the_question(text):
    assert question_in(text) is not Question.SIGNATURE_NEEDED


@pytest.mark.parametrize("text", ASKED[:3])
def test_a_parcel_that_needs_one_says_yes_with_what_to_do(runtime, demo, text):
    reply = text_of(talk(runtime, NEEDS_SIGNATURE, text))
    assert reply.startswith("Yes") and "GPS watch needs a signature" in reply, reply
    assert "another day" in reply and "pickup point" in reply
    assert "proof of delivery" not in reply.lower()


@pytest.mark.parametrize("text", ASKED[:3])
def test_a_parcel_that_needs_none_says_no_with_plural_agreement(runtime, demo, text):
    reply = text_of(talk(runtime, NO_SIGNATURE, text))
    assert reply.startswith("No") and "Trail running shoes don't need a signature" in reply, reply
    assert "leave them" in reply


def test_asked_in_the_middle_of_a_change_the_change_goes_on(runtime, demo):
    talk(runtime, NO_SIGNATURE, "i want to change the day")
    reply = text_of(talk(runtime, NO_SIGNATURE, "do i need to sign for it"))
    assert "don't need a signature" in reply and "slot's number" in reply, reply


def test_the_parcel_named_is_the_one_answered_about(runtime, demo):
    """Two parcels: "do i need to sign for the headtorch" is about the headtorch, not the socks already on their way
    (it answered about the socks: a review of the rule)."""
    from aftersales_kit import edit_shipment

    edit_shipment(runtime, "PB100000006GB", signature_required=True)  # the headtorch needs one, the socks don't
    reply = text_of(talk(runtime, "+447700900654", "do i need to sign for the headtorch?"))
    assert "Headtorch needs a signature" in reply and "Wool socks" not in reply, reply
