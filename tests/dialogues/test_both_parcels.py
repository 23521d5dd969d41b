"""'Which one?' answered with "both" / "all of them": every parcel's status for a status question; a change (or
anything else about one parcel) is done one parcel at a time and says so, instead of "didn't catch that"."""

from __future__ import annotations

import pytest

from dialogues.kit.choices import picks_all
from tests.helpers import say

TWO_PARCELS = "+447700900654"  # PB100000005GB socks, PB100000006GB headtorch


@pytest.mark.parametrize("text", ["both", "Both pls", "both of them", "all of them", "all", "all of em thanks",
                                  "both parcels", "each of them", "everything please"])
def test_answers_that_take_every_parcel(text):
    assert picks_all(text, 2)


@pytest.mark.parametrize("text", ["2", "the first one", "the socks", "both the socks", "not both", "all done",
                                  "that's all", "no"])
def test_answers_that_do_not(text):
    assert not picks_all(text, 2)


def test_both_is_not_every_one_of_three():
    assert not picks_all("both", 3) and picks_all("all of them", 3)


@pytest.mark.parametrize("answer", ["both", "all of them pls"])
def test_a_status_question_answered_with_both_gets_both(runtime, demo, answer):
    say(runtime, "where are my parcels", sender=TWO_PARCELS)
    reply = "\n".join(say(runtime, answer, sender=TWO_PARCELS))
    assert "Headtorch" in reply and "Wool socks" in reply and "Which one" not in reply, reply


def test_both_at_a_change_is_asked_one_at_a_time(runtime, demo):
    say(runtime, "can u leave it in the porch", sender=TWO_PARCELS)
    reply = "\n".join(say(runtime, "both", sender=TWO_PARCELS))
    assert "one delivery at a time" in reply and "Which one" in reply and "didn't catch" not in reply, reply
    reply = "\n".join(say(runtime, "2", sender=TWO_PARCELS))
    assert "Wool socks" in reply and "porch" in reply, reply
