"""The words that make a collection-point request whatever the classifier heard (intents/collecting.py), and a
change of mind beside a request read as its reason (intents/discourse.is_reason): review 9."""

from __future__ import annotations

import pytest

from intents.collecting import PICKUP, collecting
from intents.discourse import is_reason
from intents.types import OUT_OF_SCOPE, ParseResult


def _parse(text: str, intent: str = OUT_OF_SCOPE, confidence: float = 0.9) -> ParseResult:
    return ParseResult(text=text, intent=intent, confidence=confidence)


@pytest.mark.parametrize("text", ["can I grab it from the rusholme store", "can i get them from the piccadilly store",
                                  "can i just nip to the rusholme store and get it",
                                  "could I collect my parcel at the Ancoats locker?"])
def test_the_parcel_collected_from_a_named_place_is_a_pickup_point(text):
    assert collecting(_parse(text)).intent == PICKUP


@pytest.mark.parametrize("text", ["has the manchester store got the chelsea boots in",
                                  "can I get the boots from the leeds store", "what time does the leeds store shut",
                                  "can you send it again"])
def test_a_question_about_the_shop_itself_stays_as_read(text):
    assert collecting(_parse(text)).intent == OUT_OF_SCOPE


def test_a_sure_reading_of_another_request_stands():
    parsed = _parse("can i pick it up from the post office when it's ready", "hold_delivery", 0.9)
    assert collecting(parsed).intent == "hold_delivery"


@pytest.mark.parametrize(("part", "reason"), [
    ("I don't need it anymore", True), ("dont need it any more", True), ("I don't want them anymore", True),
    ("don't need this now", True), ("i dont want the locker", False), ("I don't want it left outside", False),
    ("dont need a signature", False), ("don't want it delivered tomorrow", False),
])
def test_a_change_of_mind_is_a_reason_and_a_refusal_is_not(part, reason):
    assert is_reason(part) is reason
