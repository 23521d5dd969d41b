"""A correction to a value only another journey takes ("leave it with the neighbour, actually no, the porch") is that
journey's request: it had asked "Which neighbour?" and then refused "yes" as no neighbour (a third probe). A value the
first journey could take ("..., sorry i mean number 7") still corrects it (`requests._as_request`)."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

SHOPPER = "+447700900123"


@pytest.mark.parametrize(("text", "place"), [
    ("leave it with the neighbour, actually no, the porch", "the porch"),
    # paraphrases, UK and US
    ("leave it with the neighbour... actually no, the porch", "the porch"),
    ("leave it with next door. no wait, the porch", "the porch"),
    ("give it to my neighbor, actually scratch that, the back deck", "the back deck"),
    ("leave it with number 5, sorry i meant behind the shed", "behind the shed"),
])
def test_a_correction_to_a_safe_place_is_a_safe_place(runtime, demo, text, place):
    reply = text_of(talk(runtime, SHOPPER, text))
    assert f"in this safe place: {place}" in reply and "Which neighbour" not in reply, reply


@pytest.mark.parametrize(("text", "neighbour"), [
    ("leave it with number 5, sorry i mean number 7", "number 7"),
    ("leave it with number 6, make it number 8", "number 8"),
])
def test_a_correction_the_journey_takes_stays_in_it(runtime, demo, text, neighbour):
    reply = text_of(talk(runtime, SHOPPER, text))
    assert f"with {neighbour}" in reply, reply


def test_a_safe_place_corrected_to_another_stays_a_safe_place(runtime, demo):
    reply = text_of(talk(runtime, SHOPPER, "leave it in the shed, no wait, the garage"))
    assert "in this safe place: the garage" in reply, reply
