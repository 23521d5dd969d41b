"""An answer that rules options out instead of naming one (dialogues/kit/choices.excluding): review 10."""

from __future__ import annotations

import pytest

from dialogues.kit.choices import excluding, pick

POINTS = ["Piccadilly Corner Shop 3 Tib Lane Yard", "Ancoats Parcel Locker Cotton Works",
          "Rusholme Late Store 118 Wilmslow Rd"]


@pytest.mark.parametrize(("text", "left"), [
    ("anything except the corner shop", [1, 2]), ("any of them apart from piccadilly", [1, 2]),
    ("any but the first", [1, 2]), ("not the first one", [1, 2]), ("not 1, any other", [1, 2]),
    ("Any one except Piccadilly is fine", [1, 2]), ("all except rusholme", [0, 1]),
    ("anything but piccadilly or the locker", [2]), ("any apart from 1 and 2", [2]),
    ("not the first two... any other", [2]), ("not the last one", [0, 1]),
])
def test_what_an_exclusion_leaves(text, left):
    assert excluding(text, POINTS) == left


@pytest.mark.parametrize("text", ["not that one, any other", "Not that one - a different one please",
                                  "anywhere except there"])
def test_that_one_is_the_option_proposed(text):
    assert excluding(text, POINTS) is None  # nothing proposed: nothing to point at
    assert excluding(text, POINTS, referent=0) == [1, 2]


@pytest.mark.parametrize("text", ["the locker", "2", "no, the locker", "no not 3, 2", "not sure", "no thanks",
                                  "not the post office"])
def test_no_exclusion(text):
    assert excluding(text, POINTS) is None


def test_pick_never_takes_what_is_ruled_out():
    assert pick("any but the first", POINTS) is None  # two left: no one pick
    assert pick("not the socks", ["Wool socks (3 pairs)", "Headtorch"]) == 1
