"""The reference carrier's address rules and the postal table behind them: the area a dispatched parcel may be
redirected within is offered up front, and a new address never goes out with a town that isn't its own."""

from __future__ import annotations

import pytest
from backend_testkit import apply, option

from backend import postal
from backend.reasons import because
from backend.rules_pickup import delivery_area, outward_code
from backend.serialize import option_from_json, option_to_json
from backend.types import ActionKind

K = ActionKind


@pytest.mark.parametrize(("postcode", "town"), [
    ("M3 2BW", "Manchester"), ("M5 4WT", "Salford"), ("M33 7AA", "Sale"), ("LS1 5HD", "Leeds"),
    ("LS21 3AB", "Otley"), ("SW1A 2AA", "London"), ("EC1A 1BB", "London"), ("B91 3QL", "Solihull"),
    ("CV8 1AA", "Kenilworth"), ("G1 1AA", "Glasgow"), ("BT1 1AA", "Belfast"),
])
def test_post_town_of_a_postcode(postcode, town):
    assert postal.post_town_for(postcode) == town


def test_a_town_is_guessed_only_where_the_table_is_sure():
    assert postal.post_town_for("ZZ1 1AA") is None  # no such area
    assert postal.post_town_for("EH99 1AA") is None  # a district the table doesn't list


@pytest.mark.parametrize(("name", "postcode", "spelled"), [
    ("manchester", "M1 1AA", "Manchester"), ("Newcastle", "NE1 4ST", "Newcastle upon Tyne"),
    ("stoke", "ST4 1AA", "Stoke-on-Trent"), ("Saint Albans", "AL1 1AA", "St Albans"),
    ("southend", "SS1 1AA", "Southend-on-Sea"), ("Manchester", "LS1 5HD", None), ("Leeds", "M1 1AA", None),
])
def test_a_town_named_for_a_postcode(name, postcode, spelled):
    assert postal.town_in_area(name, postcode) == spelled


@pytest.mark.parametrize(("zip_code", "state"), [
    ("10001", "NY"), ("02109", "MA"), ("62704", "IL"), ("78701", "TX"), ("94105", "CA"), ("99501", "AK"),
    ("20500", "DC"), ("96813", "HI"), ("33101", "FL"), ("85001", "AZ"),
])
def test_state_of_a_zip_code(zip_code, state):
    assert postal.state_for_zip(zip_code) == state


def test_uk_postcodes_must_be_real_ones():
    assert postal.uk_postcode("ls15hd") == "LS1 5HD"
    assert postal.uk_postcode("M1 4CX") is None  # C is never an inward letter
    assert postal.uk_postcode("12345") is None


def test_the_area_a_dispatched_parcel_may_go_to_is_offered_up_front(make_row, merchant):
    assert option(make_row(status="in_transit"), merchant, K.CHANGE_ADDRESS).address_area == "M1"
    assert option(make_row(status="label_created"), merchant, K.CHANGE_ADDRESS).address_area is None


def test_the_area_travels_through_the_carrier_contract(make_row, merchant):
    offered = option(make_row(status="in_transit"), merchant, K.CHANGE_ADDRESS)
    assert option_from_json(option_to_json(offered)).address_area == "M1"


def test_without_a_town_the_postcode_gives_it_not_the_old_address(make_row, merchant):
    row = make_row(status="label_created")
    assert apply(row, merchant, K.CHANGE_ADDRESS, {"address": {"line1": "5 Park Row", "postcode": "LS1 5HD"}}).accepted
    assert (row.city, row.postcode) == ("Leeds", "LS1 5HD")


def test_a_town_of_another_area_is_refused(make_row, merchant):
    row = make_row(status="label_created")
    new = {"line1": "5 Park Row", "city": "Manchester", "postcode": "LS1 5HD"}
    result = apply(row, merchant, K.CHANGE_ADDRESS, {"address": new})
    assert result.reason_code == because("address_town_mismatch", town="Manchester", postcode="LS1 5HD")
    assert row.postcode == "M1 4BT"


def test_a_district_the_table_doesnt_know_is_kept_as_written(make_row, merchant):
    row = make_row(status="label_created")
    new = {"line1": "5 Park Row", "city": "Didsbury", "postcode": "M20 2AB"}
    assert apply(row, merchant, K.CHANGE_ADDRESS, {"address": new}).accepted
    assert row.city == "Didsbury"


def test_a_town_the_table_cant_give_must_be_given(make_row, merchant):
    row = make_row(status="label_created")
    result = apply(row, merchant, K.CHANGE_ADDRESS, {"address": {"line1": "1 High St", "postcode": "EH99 1AA"}})
    assert result.reason_code == because("address_town_missing", postcode="EH99 1AA")


@pytest.mark.parametrize(("postcode", "outward", "area"), [
    ("M1 4BT", "M1", "M1"), ("sw1a2aa", "SW1A", "SW1A"), ("78701", "", "787"), ("78701-1234", "", "787"),
    ("02109", "", "021"), ("", "", ""),
])
def test_a_zip_code_has_no_outward_code_but_has_an_area(postcode, outward, area):
    """UK outward-code logic never cuts a ZIP into 'an area called 78'; a ZIP's area is its first three digits."""
    assert (outward_code(postcode), delivery_area(postcode)) == (outward, area)


def test_a_us_parcel_is_redirected_within_its_zip_area(make_row, merchant):
    row = make_row(status="in_transit", address_line1="742 Maple Street", city="Austin", postcode="78701",
                   country="US")
    assert option(row, merchant, K.CHANGE_ADDRESS).address_area == "787"
    far = {"line1": "1 Main St", "city": "Houston", "postcode": "77002", "country": "US"}
    assert apply(row, merchant, K.CHANGE_ADDRESS, {"address": far}).reason_code == because(
        "redirect_outside_area", area="787", also=because("alt_pickup"))


def test_no_pickup_points_near_a_zip_says_near_this_address(make_row, merchant):
    row = make_row(address_line1="742 Maple Street", city="Austin", postcode="78701", country="US")
    assert option(row, merchant, K.PICKUP_POINT).reason_code == because("no_pickup_points_here")
