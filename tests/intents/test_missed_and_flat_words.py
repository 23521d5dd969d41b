"""The words that make a missed delivery a status question (intents/missed_delivery.py) and a flat's number an
address change (intents/flat_number.py) whatever the classifier heard, and the words that are neither: review 10."""

from __future__ import annotations

import pytest

from intents.flat_number import ADDRESS, flat_number
from intents.missed_delivery import STATUS, missed_delivery
from intents.types import OUT_OF_SCOPE, ParseResult


def _parse(text: str, intent: str = OUT_OF_SCOPE, confidence: float = 0.9) -> ParseResult:
    return ParseResult(text=text, intent=intent, confidence=confidence)


@pytest.mark.parametrize("text", [
    "they tried to deliver but i was out", "missed the driver", "got a card saying they called",
    "there was a card through my door", "I wasn't home when they came", "The courier came by while I was at work",
    "found a sorry we missed you card", "they left a card, whats the next step", "got one of those red cards",
    "what happened, why didnt it come", "why didnt my parcel come today", "how come it never came",
])
def test_a_missed_delivery_is_a_status_question(text):
    assert missed_delivery(_parse(text)).intent == STATUS
    assert missed_delivery(_parse(text, "add_delivery_note", 0.9)).intent == STATUS  # a story is no note


@pytest.mark.parametrize("text", ["leave a note for the driver saying im out", "i wont be in tomorrow",
                                  "what happened to my refund", "can you leave it in the porch"])
def test_other_words_are_left_alone(text):
    assert missed_delivery(_parse(text)).intent == OUT_OF_SCOPE


def test_a_sure_request_beside_the_story_is_the_classifiers():
    parsed = _parse("missed the driver, can you redeliver tomorrow", "reschedule_delivery", 0.9)
    assert missed_delivery(parsed).intent == "reschedule_delivery"


@pytest.mark.parametrize("text", ["the card says you tried to deliver but nobody knocked. anyway can you try again "
                                  "on wednesday", "missed the driver, could you leave it with number 3 next time"])
def test_a_story_with_a_request_asked_is_the_classifiers_however_unsure(text):
    assert missed_delivery(_parse(text, OUT_OF_SCOPE, 0.3)).intent == OUT_OF_SCOPE


def test_the_story_alone_is_not_sure_enough_to_be_a_request_beside_another():
    assert missed_delivery(_parse("they left a card")).confidence < 0.8  # requests.OWN_REQUEST_CONFIDENCE


@pytest.mark.parametrize("text", ["i forgot my flat number, it's 12", "flat number is 4b", "the unit number is 5",
                                  "forgot to put the apt number, its 7", "the flat number's missing, its 3a"])
def test_a_flat_number_given_is_an_address_change(text):
    assert flat_number(_parse(text)).intent == ADDRESS
    assert flat_number(_parse(text, "inform", 0.96)).confidence == pytest.approx(0.8)  # no surer than its rule


@pytest.mark.parametrize(("text", "unit"), [
    ("the suite number is 300", "Suite 300"), ("forgot the room number, its 12", "Room 12"),
    ("studio no. 4", "Studio 4"), ("block number is 7b", "Block 7B"), ("ste # 210", "Ste 210"),
    ("i left off the maisonette number - 3", "Maisonette 3"), ("APT NUMBER IS 9", "Apt 9"),
])
def test_the_rule_and_the_address_journey_read_the_same_unit_words(text, unit):
    """Every unit the address journey adds to the address on file is one this rule sends to it: the words are one
    table (intents/flat_number.UNIT), where "suite number is 300" had been out of scope for the rule alone."""
    from dialogues.kit.address_text import added_unit

    assert flat_number(_parse(text)).intent == ADDRESS, text
    assert added_unit(text) == unit, text


@pytest.mark.parametrize("text", ["my house number is 12", "12", "i forgot my flat number", "flat 3 is lovely"])
def test_no_flat_number_given_is_left_alone(text):
    assert flat_number(_parse(text)).intent == OUT_OF_SCOPE


@pytest.mark.parametrize("text", [
    "tell the driver if no one answers to put a card through the letterbox",
    "note for driver: if im out leave a note on the door and put it in the shed",
    "driver: if nobody is home leave it in the shed and a note through the door",
    "i got a gift card with the order",
])
def test_an_instruction_for_next_time_is_no_missed_delivery(text):
    """A note for the driver stays a note (a review of the rule found these turned into status questions)."""
    assert missed_delivery(_parse(text, "add_delivery_note", 0.9)).intent == "add_delivery_note"
