"""The address kit on its own: what a message says about a new address, what is missing or contradictory,
and when a question about the address is a check, not a change (dialogues/kit/address*.py)."""

from __future__ import annotations

import re

import pytest

from dialogues.kit.address import NewAddress, in_area, review, settle
from dialogues.kit.address_text import added_unit, asks_to_check, read_address, without_unit


def _skip(text: str) -> list[tuple[int, int]]:
    """Where the order or tracking number is, as the NLU would say."""
    return [m.span() for m in re.finditer(r"#?\b(?:\d{6}|PB\d{9}GB)\b", text)]


@pytest.mark.parametrize(("text", "line1", "line2", "town", "postcode"), [
    ("please change the delivery address for order 100236 to 20 Deansgate, Manchester M3 2BW",
     "20 Deansgate", None, "Manchester", "M3 2BW"),
    ("change the delivery address for PB100000006GB to 20 deansgate manchester m3 2bw instead pls",
     "20 Deansgate", None, "Manchester", "M3 2BW"),
    ("new address: Flat 9, 2 Canal St, Ancoats, Manchester M1 3HE", "Flat 9, 2 Canal St", "Ancoats", "Manchester",
     "M1 3HE"),
    ("send it to Rose Cottage, Mill Lane, Bath BA2 4QP", "Rose Cottage", "Mill Lane", "Bath", "BA2 4QP"),
    ("im at my sisters this wk, can u deliver there? 17 Hollow Lane, Bath BA2 4QP thx", "17 Hollow Lane", None,
     "Bath", "BA2 4QP"),
    ("deliver to my work instead: Unit 5, Riverside Park, Bristol BS1 6QH", "Unit 5, Riverside Park", None,
     "Bristol", "BS1 6QH"),
    ("Flat 3, 22 Acacia Avenue, Stockport, Greater Manchester, UK SK4 1AA", "Flat 3, 22 Acacia Avenue", None,
     "Stockport", "SK4 1AA"),
    ("redirect order #100236 to 4 Station Road Sale M33 7AA please", "4 Station Road", None, "Sale", "M33 7AA"),
    ("I need to change the address to 7 Mill Lane", "7 Mill Lane", None, None, None),
    ("change my address from 12 Acacia Avenue to 20 Deansgate M3 2BW", "20 Deansgate", None, None, "M3 2BW"),
    ("its 20 Deansgate, not 12 Acacia Ave, M3 2BW", "20 Deansgate", None, None, "M3 2BW"),
    ("the old address was 12 Acacia Avenue, the new one is 3 Elm Close CF5 1AB", "3 Elm Close", None, None,
     "CF5 1AB"),
    ("house number 5, Park Row, LS1 5HD", "5 Park Row", None, None, "LS1 5HD"),
    ("pls send to 3 The Crescent, Salford M5 4WT", "3 The Crescent", None, "Salford", "M5 4WT"),
    ("send it to 5 Park Row in Leeds LS1 5HD", "5 Park Row", None, "Leeds", "LS1 5HD"),
    ("Can you deliver my parcel to 14 Baker Street, London, NW1 6XE instead of my home address?",
     "14 Baker Street", None, "London", "NW1 6XE"),
])
def test_the_address_is_read_without_the_words_around_it(text, line1, line2, town, postcode):
    found = read_address(text, skip=_skip(text)).address
    assert (found.line1, found.line2, found.town, found.postcode) == (line1, line2, town, postcode)


@pytest.mark.parametrize(("text", "line1", "town", "state", "zip_code"), [
    ("change address to 55 Market St, Boston, MA 02109", "55 Market St", "Boston", "MA", "02109"),
    ("ship to 1200 Elm Ave Apt 4, Austin TX 78701", "1200 Elm Ave Apt 4", "Austin", "TX", "78701"),
    ("742 evergreen terrace springfield il 62704", "742 Evergreen Terrace", "Springfield", "IL", "62704"),
    ("send it to 350 5th Ave, New York, New York 10118-0110", "350 5th Ave", "New York", "NY", "10118-0110"),
    ("Please ship to 1600 Pennsylvania Ave NW, Washington, DC 20500", "1600 Pennsylvania Ave NW", "Washington", "DC",
     "20500"),
    ("deliver to 500 Oak Street Apt 3B, Portland, OR 97205 please", "500 Oak Street Apt 3B", "Portland", "OR",
     "97205"),
])
def test_us_addresses_are_read_with_their_state(text, line1, town, state, zip_code):
    found = read_address(text, country="US").address
    assert (found.line1, found.town, found.state, found.postcode, found.country) == (line1, town, state, zip_code,
                                                                                     "US")


@pytest.mark.parametrize("text", [
    "I want to change my delivery address", "asdf qwer", "can you change it", "i want to check its got my house "
    "number right", "deliver it in 2 days please", "change my address, i'll be out for 3 weeks",
])
def test_no_address_is_read_where_there_is_none(text):
    assert read_address(text).address.empty


def test_a_postcode_shaped_mistake_is_caught_not_used():
    reading = read_address("change my delivery address to 5 Oak Street, Manchester M1 4CX")
    assert reading.bad_postcode == "M1 4CX" and reading.address.postcode is None
    assert reading.address.line1 == "5 Oak Street"


def test_a_town_named_before_the_address_is_a_hint():
    reading = read_address("can u send it to my mums in Leeds instead, 5 Park Row M3 2BW")
    assert reading.town_hint == "Leeds" and reading.address.town is None
    checked = review(reading.address, country="GB", town_hint=reading.town_hint)
    assert (checked.expected, checked.given, checked.place) == ("Manchester", "Leeds", "M3")


def test_an_answer_to_a_question_is_read_as_that_part():
    assert read_address("Leeds", expect="town").address.town == "Leeds"
    assert read_address("The Old Mill", expect="line1").address.line1 == "The Old Mill"
    assert read_address("m3 2bw", expect="postcode").address.postcode == "M3 2BW"


def test_review_completes_the_town_from_the_postcode():
    checked = review(NewAddress(line1="5 Park Row", postcode="LS1 5HD"), country="GB")
    assert checked.complete and checked.address.one_line() == "5 Park Row, Leeds LS1 5HD"


def test_review_asks_one_missing_part_at_a_time():
    assert review(NewAddress(), country="GB").need == "address"
    assert review(NewAddress(line1="20 Deansgate", town="Manchester"), country="GB").need == "postcode"
    assert review(NewAddress(postcode="M3 2BW"), country="GB").need == "line1"
    assert review(NewAddress(line1="1 High St", postcode="EH99 1AA"), country="GB").need == "town"
    assert review(NewAddress(line1="5 Elm St", postcode="78701", country="US"), country="US").need == "town"


def test_review_catches_a_town_of_another_area_and_keeps_a_district():
    wrong = review(NewAddress(line1="5 Park Row", town="Manchester", postcode="LS1 5HD"), country="GB")
    assert (wrong.expected, wrong.given, wrong.place) == ("Leeds", "Manchester", "LS1")
    district = review(NewAddress(line1="5 Park Row", town="Didsbury", postcode="M20 2AB"), country="GB")
    assert district.complete and district.address.one_line() == "5 Park Row, Didsbury, Manchester M20 2AB"


def test_review_catches_a_state_that_isnt_the_zip_codes():
    checked = review(NewAddress("742 Evergreen Terrace", None, "Springfield", "62704", "US", "MO"), country="US")
    assert (checked.expected, checked.given) == ("Illinois", "Missouri")


def test_settling_a_contradiction_keeps_one_side_and_drops_the_other():
    given = NewAddress(line1="5 Park Row", town="Manchester", postcode="LS1 5HD", country="GB")
    assert settle(given, keep_postcode=True, expected="Leeds").town == "Leeds"
    dropped = settle(given, keep_postcode=False, expected="Leeds")
    assert (dropped.town, dropped.postcode) == ("Manchester", None)


def test_a_line_too_long_for_a_label_is_caught():
    assert review(NewAddress(line1="1 " + "Long " * 30 + "Road", postcode="M1 2AB"), country="GB").too_long


def test_the_address_params_follow_the_carrier_contract():
    uk = NewAddress("Flat 2, 18 Park Row", None, "Leeds", "LS1 5HD", "GB")
    assert uk.params() == {"line1": "Flat 2, 18 Park Row", "city": "Leeds", "postcode": "LS1 5HD", "country": "GB"}
    us = NewAddress("5 Elm St", None, "Austin", "78701", "US", "TX")
    assert us.params()["city"] == "Austin, TX" and us.one_line() == "5 Elm St, Austin, TX 78701"


def test_the_last_word_wins_and_nothing_given_is_forgotten():
    first = NewAddress(line1="20 Deansgate", town="Manchester")
    assert first.merged(NewAddress(postcode="M3 2BW")).to_slots() == {"line1": "20 Deansgate", "town": "Manchester",
                                                                       "postcode": "M3 2BW"}
    assert first.merged(NewAddress(line1="22 Deansgate")).line1 == "22 Deansgate"


def test_in_area():
    assert in_area("M1 2AB", "M1") and not in_area("M12 2AB", "M1") and not in_area("M3 2BW", "M1")


@pytest.mark.parametrize("text", [
    "what address is it going to? i want to check its got my house number right", "is my address right",
    "can you check the address you've got for me", "Could you please confirm the delivery address you hold?",
    "is it going to the right address??", "has it got my flat number on",
    "can u double check the addy, i think the house number might be wrong",
])
def test_a_question_about_the_address_is_a_check(text):
    assert asks_to_check(text)


@pytest.mark.parametrize("text", [
    "my address is wrong", "I want to change my delivery address", "check my address and change it to 5 High St",
    "can you send it to my work instead", "where is my parcel",
])
def test_a_request_to_change_it_is_not_a_check(text):
    assert not asks_to_check(text)


@pytest.mark.parametrize(("text", "unit"), [
    ("add flat 3 to the address", "Flat 3"), ("it's flat 3", "Flat 3"), ("can you add apartment 2B", "Apartment 2B"),
    ("put unit 5 on it", "Unit 5"), ("Could you add Apt 4C to my address please?", "Apt 4C"),
    ("can u add flat 3 to the address, they left it off", "Flat 3"), ("flat no. 7 pls", "Flat 7"),
    # a flat corrected: the one refused is the one on file (replaced), not a second unit of a new address
    ("its flat 4 not flat 14", "Flat 4"), ("apt 4b, not 4a", "Apt 4B"),
])
def test_a_flat_named_alone_is_a_line_added_to_the_address_on_file(text, unit):
    assert added_unit(text) == unit


@pytest.mark.parametrize("text", [
    "its flat 3, 12 acacia avenue", "flat 3 in leeds", "deliver to flat 2B, 12 Acacia Avenue instead",
    "i've moved to flat 3", "send it to my new flat, flat 9",
    "can you leave it with number 5", "flat 3, M1 4BT",
])
def test_a_flat_with_more_of_an_address_or_a_move_is_no_added_line(text):
    assert added_unit(text) is None


def test_a_flat_already_on_file_is_replaced_not_doubled():
    assert without_unit("Flat 1, 12 Acacia Avenue") == "12 Acacia Avenue"
    assert without_unit("12 Acacia Avenue") == "12 Acacia Avenue"
