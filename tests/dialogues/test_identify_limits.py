"""Limits of the postcode proof, found in review: a postcode meant as a destination is not a guess, an order
number is never its own postcode, one parcel has one budget of misses whichever number names it, and a
code typed in other digits is read as the digits it is.

Driven through the REST channel (a session id, never a phone) and the engine, as the reviewer did.
"""

from __future__ import annotations

import pytest

from dialogues.subflows.identify import MAX_FAILED_MATCHES, MAX_REFERENCE_MISSES
from tests.security.security_kit import (
    POSTCODE,
    audits,
    edit_shipment,
    latest_code,
    merchant_settings,
    rest,
)

JACKET_OWNER = "+447700900456"  # PB100000002GB, order 100232, postcode M1 4BT
RULES = {"cutoff_time": "23:59", "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}


def _misses(runtime) -> int:  # noqa: ANN001
    return len(audits(runtime, "identify", result="no_match"))


# -- 1. a destination postcode is not the proof -----------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "please change the delivery address for PB100000001GB to 5 High Street, Manchester M2 5DB",
        "any pickup points for PB100000002GB near M2 5DB?",
        "deliver PB100000002GB to 10 Downing Street, London SW1A 2AA",
        "can you send PB100000002GB to my new postcode M2 5DB",
        "please send PB100000002GB to my postcode M2 5DB instead",
    ],
)
def test_a_destination_postcode_is_not_checked_or_counted(client, runtime, demo, text):
    asked = rest(client, "dest", text)
    assert "couldn't match" not in asked and "postcode?" in asked
    assert _misses(runtime) == 0
    assert "couldn't match" not in rest(client, "dest", POSTCODE)  # the real proof still works after it
    assert _misses(runtime) == 0


@pytest.mark.parametrize("text", ["deliver PB100000002GB to 94107", "new address for PB100000002GB, ship it to 94107",
                                  "any lockers near 94107 for PB100000002GB"])
def test_a_us_destination_zip_is_not_checked_or_counted(client, runtime, demo, text):
    merchant_settings(runtime, region="US")
    edit_shipment(runtime, "PB100000002GB", postcode="94105")
    asked = rest(client, "usdest", text)
    assert "couldn't match" not in asked and "ZIP code?" in asked  # a US merchant's shopper has a ZIP code
    assert _misses(runtime) == 0


@pytest.mark.parametrize(
    "text",
    ["PB100000002GB M1 4BT", "where is PB100000002GB, postcode M1 4BT", "my postcode is M1 4BT, PB100000002GB",
     "where is PB100000002GB pc M1 4BT", "PB100000002GB, post code: M1 4BT"],
)
def test_number_and_postcode_together_is_still_the_proof(client, runtime, demo, text):
    shown = rest(client, "both", text)
    assert "Rain jacket" in shown and "postcode?" not in shown


def test_a_wrong_postcode_with_a_cue_is_still_a_counted_guess(client, runtime, demo):
    assert "couldn't match" in rest(client, "cue", "PB100000002GB postcode M2 5DB")
    assert "couldn't match" in rest(client, "cue", "PB100000002GB M3 5DB")
    assert _misses(runtime) == 2


def test_a_us_zip_with_a_cue_is_the_proof(client, runtime, demo):
    merchant_settings(runtime, region="US")
    edit_shipment(runtime, "PB100000002GB", postcode="94105")
    assert "Rain jacket" in rest(client, "uszip", "where is PB100000002GB, zip 94105")


# -- 2. the order number is never taken as its own postcode -----------------------------------------------
@pytest.mark.parametrize(("region", "postcode"), [("IE", "D02 X285"), ("DE", "10115")])
def test_a_bare_order_number_answer_is_not_a_postcode_guess(client, runtime, demo, region, postcode):
    merchant_settings(runtime, region=region)
    edit_shipment(runtime, "PB100000002GB", postcode=postcode)
    assert "tracking" in rest(client, "bare", "where's my parcel")
    asked = rest(client, "bare", "100232")
    assert "couldn't match" not in asked and "postcode?" in asked
    assert _misses(runtime) == 0
    again = rest(client, "bare", "100232")  # the number sent again is not a guess either
    assert "couldn't match" not in again and _misses(runtime) == 0
    assert "Rain jacket" in rest(client, "bare", postcode)


@pytest.mark.parametrize("text", ["100232 D02 X285", "it's 100232, eircode D02 X285"])
def test_elsewhere_a_number_then_a_postal_code_in_one_answer_is_checked(client, runtime, demo, text):
    merchant_settings(runtime, region="IE")
    edit_shipment(runtime, "PB100000002GB", postcode="D02 X285")
    rest(client, "ie2", "where's my parcel")
    assert "Rain jacket" in rest(client, "ie2", text)


def test_elsewhere_a_destination_after_the_number_is_not_a_guess(client, runtime, demo):
    merchant_settings(runtime, region="IE")
    edit_shipment(runtime, "PB100000002GB", postcode="D02 X285")
    asked = rest(client, "ie3", "please deliver PB100000002GB to 5 Main Street, Cork T12 AB34")
    assert "couldn't match" not in asked and _misses(runtime) == 0


# -- 3. budgets of misses: per sender, and per number as typed ----------------------------------------------
# (Issue 16's review: one budget per parcel let strangers lock the recipient out, and told a guesser whether
# an order number and a tracking number were the same parcel. dialogues/subflows/identify.py has the why.)
def test_a_sender_that_missed_five_times_is_paused_whatever_number_it_names(client, runtime, demo):
    for n in range(MAX_FAILED_MATCHES):
        rest(client, "one-guesser", "where is PB100000002GB")
        assert "couldn't match" in rest(client, "one-guesser", f"M{n + 2} 5DB")
    rest(client, "one-guesser", "where is order 100232")
    locked = rest(client, "one-guesser", POSTCODE)
    assert "paused" in locked and "Rain jacket" not in locked
    assert _misses(runtime) == MAX_FAILED_MATCHES


def test_misses_by_many_senders_at_one_number_pause_that_number_only(client, runtime, demo):
    for n in range(MAX_REFERENCE_MISSES):
        rest(client, f"mix-{n}", "where is PB100000002GB")
        rest(client, f"mix-{n}", f"M{n % 9 + 2} 5DB")
    rest(client, "mix-last", "where is PB100000002GB")
    assert "paused" in rest(client, "mix-last", POSTCODE)
    rest(client, "real", "where is order 100232")  # the same parcel by its other number: its own count
    assert "Rain jacket" in rest(client, "real", POSTCODE)
    assert _misses(runtime) == MAX_REFERENCE_MISSES


def test_an_unknown_number_keeps_its_own_count(client, runtime, demo):
    for n in range(MAX_REFERENCE_MISSES):
        rest(client, f"made-{n}", "where is PB100000099GB")
        rest(client, f"made-{n}", f"M{n % 9 + 2} 5DB")
    rest(client, "made-x", "where is PB100000099GB")
    assert "paused" in rest(client, "made-x", POSTCODE)
    rest(client, "real", "where is order 100232")
    assert "Rain jacket" in rest(client, "real", POSTCODE)


# -- 4. a code typed in other digits ----------------------------------------------------------------------
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _asked_for_a_code(client, runtime, sender: str) -> str:  # noqa: ANN001
    merchant_settings(runtime, rules=RULES)
    rest(client, sender, "leave PB100000002GB with number 22")
    assert "Just to check" in rest(client, sender, POSTCODE)
    assert "code" in rest(client, sender, "yes")
    return latest_code(runtime, JACKET_OWNER)


@pytest.mark.parametrize("digits", [_FULL_WIDTH, _ARABIC_INDIC])
def test_a_code_in_other_digits_is_read_as_those_digits(client, runtime, demo, digits):
    code = _asked_for_a_code(client, runtime, "digits")
    assert "Done" in rest(client, "digits", code.translate(digits))
    assert audits(runtime, "otp_check", result="wrong") == []


def test_superscript_digits_are_not_a_code_and_cost_no_try(client, runtime, demo):
    code = _asked_for_a_code(client, runtime, "super")
    again = rest(client, "super", "¹²³⁴⁵⁶")
    assert "6-digit code" in again and audits(runtime, "otp_check", result="wrong") == []
    assert "Done" in rest(client, "super", code)
