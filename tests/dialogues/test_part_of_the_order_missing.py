"""Part of a delivery missing, told in a shopper's words (a third probe, 2026-12-07): "some of my order is missing"
got the missing-parcel report ("Have you found it? ... ask your neighbours") about a parcel the shopper is holding,
"there should be 3 items but only 2 came" a refusal menu (heard as an address change), "the box was open and stuff
was missing" and "only one of the two boxes came" the damage wording. Each is the claim for what came, worded for a
missing part (`intents/part_missing.py`, read by the rule that routes it and by `report_damaged._problem`)."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

DELIVERED = "+447700900789"
IN_TRANSIT = "+447700900123"
TWO_PARCELS = "+447700900654"
MISSING_PART = "something's missing from your Camping stove delivery"


@pytest.mark.parametrize("text", [
    "some of my order is missing",
    # paraphrases, UK and US
    "there should be 3 items but only 2 came",
    "only one of the two boxes came",
    "the box was open when i got it and stuff was missing",
    "half my order didnt come",
    "i ordered 2 but only got 1",
    "the box was empty",
    "the socks werent in the box",
    "one of my items never showed up",
    "theres something missing from my package",
    "only 2 of the 3 bags arrived",
])
def test_part_of_the_order_missing_is_the_claim_for_what_came(runtime, demo, text):
    reply = text_of(talk(runtime, DELIVERED, text))
    assert MISSING_PART in reply and "photo" in reply, reply
    assert "ask your neighbours" not in reply and "arrived damaged" not in reply, reply


@pytest.mark.parametrize("text", ["my parcel is missing", "its not here", "it never arrived"])
def test_the_whole_parcel_missing_is_still_the_missing_parcel_report(runtime, demo, text):
    reply = text_of(talk(runtime, DELIVERED, text))
    assert "Have you found it?" in reply and MISSING_PART not in reply, reply


def test_damage_named_beside_it_is_damage(runtime, demo):
    reply = text_of(talk(runtime, DELIVERED, "the box is smashed and half the stuff is missing"))
    assert "arrived damaged" in reply, reply


def test_not_delivered_yet_says_so_in_its_own_words(runtime, demo):
    reply = text_of(talk(runtime, IN_TRANSIT, "some of my order is missing"))
    assert "hasn't been delivered yet, so nothing is missing from it yet" in reply and "damaged" not in reply, reply
    assert "PB100000001GB" in reply, reply


@pytest.mark.parametrize("text", ["one of my parcels hasnt come", "only one arrived so far, wheres the other parcel"])
def test_one_parcel_of_two_is_that_parcels_status_not_a_part_missing(runtime, demo, text):
    reply = text_of(talk(runtime, TWO_PARCELS, text))
    assert "missing from" not in reply and ("Wool socks" in reply or "Headtorch" in reply), reply


@pytest.mark.parametrize("text", ["i only have one day free", "ive only got one day off", "i only got one text",
                                  "my inbox was empty", "leave it in the box by the door"])
def test_words_that_are_not_a_part_missing(text):
    from intents.part_missing import says_part_missing

    assert not says_part_missing(text), text
