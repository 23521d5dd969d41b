"""A neighbour's name beside the house is the driver's too: "leave it with sue at number 10" had been read back as
"number 10" (a name in lower case was no name) and "give it to dave next door at 14" as "next door at 14"; "my
neighbor Mike at 22" lost the house. Shoppers text names in lower case: one after "with" / "give it to" or a neighbour
word is a name where a house or a locator follows it (`intents/entities/neighbour._LOWER_NAMED`, and the house after
it: `house_number`)."""

from __future__ import annotations

import pytest
from aftersales_kit import changes, latest_code, talk, text_of

from intents.entities import extract_entities

SHOPPER = "+447700900123"  # in transit


@pytest.mark.parametrize(("text", "who"), [
    ("leave it with sue at number 10", "sue at number 10"),
    ("give it to Dave next door at 14", "Dave next door at 14"),
    # paraphrases, UK and US
    ("give it to dave next door at 14", "dave next door at 14"),
    ("leave it with mike at 22 please", "mike at 22"),
    ("give it to my neighbor Mike at 22", "neighbor Mike at 22"),
    ("can you leave it with my neighbour jo at 4", "neighbour jo at 4"),
    ("drop it with pat across the road", "pat across the road"),
])
def test_the_name_beside_the_house_is_read_back(runtime, demo, text, who):
    reply = text_of(talk(runtime, SHOPPER, text))
    assert f"leave your Trail running shoes with {who}." in reply, reply


def test_the_name_reaches_the_driver(runtime, demo):
    talk(runtime, SHOPPER, "leave it with sue at number 10")
    talk(runtime, SHOPPER, "yes")
    assert "Done" in text_of(talk(runtime, SHOPPER, latest_code(runtime, SHOPPER)))
    [change] = changes(runtime, "leave_with_neighbour")
    assert change.params == {"neighbour": "sue at number 10"}


@pytest.mark.parametrize("text", ["leave it with them at number 10", "move it to tuesday at 10",
                                  "can you deliver it with the van at 10", "leave it with number 10"])
def test_no_name_where_there_is_none(text):
    names = [e.value for e in extract_entities(text) if e.entity == "neighbour"]
    assert names == [], names
