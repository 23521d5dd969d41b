"""Two neighbours, either of which will do ("leave it with number 12 or 14"), are both the driver's: read back and
stored as "number 12, or number 14 if no answer", the first tried first. Only the first had been kept, so the driver
had nowhere to go when 12 was out and the shopper's second choice was never read back (`leave_with_neighbour._either`:
the carrier takes one neighbour field, which the driver reads as written). "or in the porch" is no neighbour."""

from __future__ import annotations

import pytest
from aftersales_kit import changes, latest_code, talk, text_of

SHOPPER = "+447700900123"  # in transit


@pytest.mark.parametrize(("text", "who"), [
    ("leave it with number 12 or 14", "number 12, or number 14"),
    # paraphrases, UK and US
    ("leave it with 12 or 14 if im out", "number 12, or number 14"),
    ("can you leave it with no. 5 or no. 7, whoever is in", "no. 5, or no. 7"),
    ("give it to my neighbor at 22 or 24", "neighbor at 22, or number 24"),
    ("leave it with sue at number 10 or dave at 12", "sue at number 10, or dave at 12"),
])
def test_both_neighbours_are_read_back(runtime, demo, text, who):
    reply = text_of(talk(runtime, SHOPPER, text))
    assert f"leave your Trail running shoes with {who} if no answer." in reply, reply


@pytest.mark.parametrize("answer", ["12 or 14", "try number 12 or number 14 please"])
def test_both_in_the_answer_to_which_neighbour(runtime, demo, answer):
    talk(runtime, SHOPPER, "leave it with a neighbour")
    reply = text_of(talk(runtime, SHOPPER, answer))
    assert "with number 12, or number 14 if no answer." in reply, reply


def test_both_reach_the_driver(runtime, demo):
    talk(runtime, SHOPPER, "leave it with number 12 or 14")
    talk(runtime, SHOPPER, "yes")
    assert "Done" in text_of(talk(runtime, SHOPPER, latest_code(runtime, SHOPPER)))
    [change] = changes(runtime, "leave_with_neighbour")
    assert change.params == {"neighbour": "number 12, or number 14 if no answer"}
