"""A new number for the texts: "can i change the phone number for delivery updates" unsubscribed the shopper (the
classifier heard an opt-out), and "send the texts to my wifes phone instead" / "i got a new number" started an
address change. The number is how the bot knows who is texting (codes go to it), so it is never changed by text:
said, with AGENT, and the texts keep coming (`intents/opt_out.NUMBER_CHANGE`, `faq.PHONE_CHANGE`)."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

from bot.core.sms import cost
from dialogues.kit.faq import Question, question_in
from tests.review.voice_kit import make_us
from tests.security.security_kit import opted_out

IN_TRANSIT = "+447700900123"
_ANSWER = "can't change the number your updates go to"


@pytest.mark.parametrize("text", [
    "can i change the phone number for delivery updates",
    "can you send the texts to my wifes phone instead",
    "i got a new number",
    "update my mobile number please",
    "send updates to 07700 900111 instead",
    "can you change my contact number",
    "ive got a new phone number, can the texts go there",
])
def test_a_new_number_for_the_texts_is_answered_not_an_opt_out_nor_an_address(runtime, demo, text):
    reply = text_of(talk(runtime, IN_TRANSIT, text))
    assert _ANSWER in reply and "AGENT" in reply, reply
    assert not opted_out(runtime, IN_TRANSIT) and "unsubscribed" not in reply and "new address" not in reply, reply


def test_a_us_shopper_updating_their_cell_number(runtime, demo):
    make_us(runtime)
    reply = text_of(talk(runtime, IN_TRANSIT, "update my cell number"))
    assert _ANSWER in reply and not opted_out(runtime, IN_TRANSIT), reply


def test_asked_during_an_address_change_the_question_is_asked_again(runtime, demo):
    talk(runtime, IN_TRANSIT, "change the address")
    reply = text_of(talk(runtime, IN_TRANSIT, "can i change my phone number too"))
    assert _ANSWER in reply and "What's the new address?" in reply, reply


@pytest.mark.parametrize("text", ["change the house number to 14", "change the number on the door",
                                  "leave it with number 12", "whats the drivers phone number", "call me on my mobile"])
def test_an_address_or_the_driver_is_not_the_texts_number(text):
    assert question_in(text) is not Question.PHONE_CHANGE, text


def test_a_stop_beside_a_new_number_still_unsubscribes(runtime, demo):
    reply = text_of(talk(runtime, IN_TRANSIT, "i got a new number so stop texting this one"))
    assert opted_out(runtime, IN_TRANSIT), reply


def test_the_answer_fits_two_gsm_segments(runtime):
    sms = cost(str(runtime.wording.render("utter_faq_phone_change", merchant=None)))
    assert sms.encoding == "GSM-7" and sms.segments <= 2, sms
