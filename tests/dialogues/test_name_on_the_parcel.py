"""The name on the parcel, not where it goes: "can you change the name on the parcel" started an address change
("What's the new address?", a probe). It can't be changed here and needn't match for a delivery: said, with AGENT
for when it matters (`faq.NAME_CHANGE`)."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

from dialogues.kit.faq import Question, question_in


@pytest.mark.parametrize("text", [
    "can you change the name on the parcel",
    "the name on my order is spelt wrong",
    "wrong name on the label",
    "can i update the recipient name",
    "can u change the name to my husbands",
])
def test_the_name_on_the_parcel_is_answered_not_an_address_change(runtime, demo, text):
    reply = text_of(talk(runtime, "+447700900123", text))
    assert "can't change the name on the parcel" in reply and "new address" not in reply, reply


@pytest.mark.parametrize("text", ["can you change the delivery address", "change the name of the street",
                                  "my neighbours name is sue", "put my name on the list"])
def test_what_is_not_the_name_on_the_parcel(text):
    assert question_in(text) is not Question.NAME_CHANGE, text
