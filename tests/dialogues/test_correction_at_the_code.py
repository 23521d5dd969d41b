"""A correction while the code is asked for: "wrong number sorry, 16 not 14" after YES, at the one-time code prompt,
got "Please reply with the 6-digit code" and the correction was lost (the shopper then had to confirm the wrong
house with the code, or give up). Now the change the code was for is amended and read back first, and nothing is
stored until the new proposal is confirmed and the code given (`subflows/verify._corrects_the_change`,
`change.amends_at_the_code`)."""

from __future__ import annotations

import pytest
from aftersales_kit import changes, latest_code, talk, text_of

OWN = "+447700900123"  # PB100000001GB, in transit


@pytest.mark.parametrize(("correction", "house"), [
    ("wrong number sorry, 16 not 14", "number 16"),
    ("actually make it number 8", "number 8"),
    ("oh no i meant 41", "number 41"),
    ("sorry, should be number 4 not 14", "number 4"),
])
def test_a_new_house_at_the_code_prompt_is_read_back_then_done(runtime, demo, correction, house):
    talk(runtime, OWN, "leave it with number 14")
    assert "code" in text_of(talk(runtime, OWN, "yes"))
    reread = text_of(talk(runtime, OWN, correction))
    assert "Just to check" in reread and house in reread and "number 14" not in reread, reread
    assert changes(runtime, "leave_with_neighbour") == []
    talk(runtime, OWN, "yes")
    done = text_of(talk(runtime, OWN, latest_code(runtime, OWN)))
    [change] = changes(runtime, "leave_with_neighbour")
    assert "Done" in done and house in done and change.reference in done, done


def test_another_journey_at_the_code_prompt_replaces_the_proposal(runtime, demo):
    talk(runtime, OWN, "leave it in the porch")
    talk(runtime, OWN, "yes")
    reply = text_of(talk(runtime, OWN, "no wait, leave it with number 5 instead"))
    assert "Just to check" in reply and "number 5" in reply and "porch" not in reply, reply
    assert changes(runtime, "leave_in_safe_place") == []


@pytest.mark.parametrize("text", ["no", "12345", "hang on"])
def test_anything_else_at_the_code_prompt_still_asks_for_the_code(runtime, demo, text):
    talk(runtime, OWN, "leave it with number 14")
    talk(runtime, OWN, "yes")
    reply = text_of(talk(runtime, OWN, text))
    assert "code" in reply and "Just to check" not in reply, reply


@pytest.mark.parametrize("text", ["should be number 4", "sorry, should be number 4 not 14", "no its number 4"])
def test_a_bare_house_at_the_read_back_is_the_neighbours_not_a_new_address(runtime, demo, text):
    """ "should be number 4" at a neighbour's read-back asked for a whole new address (the classifier hears an
    address change): a new value of the proposal's own kind, in correcting words only, amends the proposal."""
    talk(runtime, OWN, "leave it with number 14")
    reply = text_of(talk(runtime, OWN, text))
    assert "Just to check" in reply and "with number 4." in reply and "new address" not in reply, reply


def test_a_street_with_the_number_is_still_an_address(runtime, demo):
    talk(runtime, OWN, "leave it with number 14")
    reply = text_of(talk(runtime, OWN, "should be 41 high street"))
    assert "41 High Street" in reply and "with number" not in reply, reply
