"""Return and refund status: one clear answer per stage, the right parcel unasked, nothing for a stranger."""

from __future__ import annotations

import pytest
from aftersales_kit import DELIVERED, OWN_DELIVERED, STRANGER, edit_shipment, talk, text_of


def _with_return(runtime, tracking: str, status: str) -> None:  # noqa: ANN001
    ret = {"reference": "RTN-TEST0001", "status": status, "items": ["SKU"], "reason": "It doesn't fit",
           "method": "drop_off", "drop_off_options": ["Any Post Office counter"]}
    edit_shipment(runtime, tracking, instructions={"return": ret})


@pytest.mark.parametrize(("status", "words"), [
    ("created", "haven't had it back yet"),
    ("in_transit", "on its way back to us"),
    ("received", "We've received your return"),
    ("refunded", "has been paid"),
    ("rejected", "wasn't accepted"),
    ("lost_in_space", "is being handled"),
])
def test_each_stage_has_its_own_words(runtime, demo, status, words):
    _with_return(runtime, DELIVERED, status)
    text = text_of(talk(runtime, OWN_DELIVERED, "where's my refund"))
    assert words in text and "RTN-TEST0001" in text


def test_the_parcel_with_a_return_is_meant_without_asking(runtime, demo):
    _with_return(runtime, "PB100000005GB", "in_transit")
    text = text_of(talk(runtime, "+447700900654", "where's my refund"))
    assert "on its way back to us" in text and "Which one" not in text


def test_a_stranger_sees_no_return_before_the_postcode_matches(runtime, demo):
    _with_return(runtime, DELIVERED, "refunded")
    for text in (f"has my refund for {DELIVERED} been processed", "SW1A 1AA"):
        reply = text_of(talk(runtime, STRANGER, text))
        assert "RTN-" not in reply and "paid" not in reply and "Camping" not in reply
    talk(runtime, STRANGER, f"has my refund for {DELIVERED} been processed")
    assert "RTN-TEST0001" in text_of(talk(runtime, STRANGER, "M1 4BT"))
