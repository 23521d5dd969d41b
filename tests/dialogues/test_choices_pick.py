"""A pick from a numbered list as shoppers type it: the number with pointing words round it is that option; a
number with anything else beside it (a count, a reason) is no pick. Pure functions: no database, no model."""

from __future__ import annotations

import pytest

from dialogues.kit.choices import pick, picks_all

OPTIONS = ["Headtorch", "Wool socks (3 pairs)"]


@pytest.mark.parametrize(("text", "index"), [
    ("2", 1), ("the 2", 1), ("the 2 pls", 1), ("2 please", 1), ("Number 2, thanks", 1), ("its the no.2 one", 1),
    ("the 2 one", 1), ("two", 1), ("number one", 0), ("one", 0), ("the first one", 0), ("the socks", 1),
])
def test_a_number_with_pointing_words_round_it_is_that_option(text, index):
    assert pick(text, OPTIONS) == index


@pytest.mark.parametrize("text", ["the 5", "2 of them", "no thanks", "thank you", "2 days late", "ok"])
def test_anything_else_beside_the_number_is_no_pick(text):
    assert pick(text, OPTIONS) is None


def test_the_two_of_them_is_still_both():
    assert picks_all("the two of them", 2) and picks_all("both", 2) and not picks_all("the 2", 2)
