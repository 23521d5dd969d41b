"""A correction that switches journey and carries its value starts the new journey WITH that value: "in the porch,
actually no, with number 8" had got the help text (both halves read as bare values, neither a request), and "leave it
in the porch, actually no, with number 8" had asked "Where should the driver leave it?" (a house number could be a
neighbour or an address, so it stayed with the safe place). A number the parcel is left "with" or given "to" is a
neighbour (`requests._valued`, `_bare_switch`); "no. 8" is no full stop (`discourse._SPLIT`)."""

from __future__ import annotations

import pytest
from aftersales_kit import changes, latest_code, talk, text_of

SHOPPER = "+447700900123"  # in transit


@pytest.mark.parametrize(("text", "neighbour"), [
    ("in the porch, actually no, with number 8", "number 8"),
    # paraphrases, UK and US
    ("leave it in the porch, actually no, with number 8", "number 8"),
    ("the porch, no wait, leave it with no. 8", "number 8"),
    ("on the back deck. actually scratch that, give it to number 22", "number 22"),
    ("behind the bins, sorry i mean with house number 3", "number 3"),
    ("in the shed - actually next door at 14", "next door at 14"),  # only a neighbour takes both values
])
def test_a_correction_to_a_neighbour_starts_with_that_neighbour(runtime, demo, text, neighbour):
    reply = text_of(talk(runtime, SHOPPER, text))
    assert f"leave your Trail running shoes with {neighbour}" in reply, reply
    assert "safe place" not in reply and "Where should" not in reply


def test_the_corrected_value_is_the_one_stored(runtime, demo):
    talk(runtime, SHOPPER, "in the porch, actually no, with number 8")
    talk(runtime, SHOPPER, "yes")
    assert "Done" in text_of(talk(runtime, SHOPPER, latest_code(runtime, SHOPPER)))
    [change] = changes(runtime, "leave_with_neighbour")
    assert change.params == {"neighbour": "number 8"}
    assert changes(runtime, "leave_in_safe_place") == []


def test_a_correction_of_the_same_kind_stays_the_answer(runtime, demo):
    talk(runtime, SHOPPER, "leave it in the porch")
    reply = text_of(talk(runtime, SHOPPER, "the shed, no wait, the garage"))
    assert "in this safe place: the garage" in reply, reply
