"""Service rules about the parcel itself: unattended delivery, address, locks, change cap, pickup points."""

from __future__ import annotations

from decimal import Decimal

import pytest
from backend_testkit import REFERENCE, apply, option, options

from backend.reasons import CODES, because
from backend.rules_config import RulesConfigError, parse_rules
from backend.types import ActionKind, ResultStatus
from bot.core.wording import Wording

K = ActionKind


def test_signature_required_parcel_is_never_left_unattended(make_row, merchant):
    row = make_row(signature_required=True)
    safe = option(row, merchant, K.LEAVE_IN_SAFE_PLACE)
    neighbour = option(row, merchant, K.LEAVE_WITH_NEIGHBOUR)
    assert not safe.available and safe.reason_code.code == "needs_signature_unattended"
    assert not neighbour.available and neighbour.reason_code.code == "needs_signature_neighbour"
    # The reason suggests what *is* possible.
    assert safe.reason_code.also.code == "alt_pickup_or_later"
    result = apply(row, merchant, K.LEAVE_IN_SAFE_PLACE, {"safe_place": "porch"})
    assert result.status is ResultStatus.REJECTED and "safe_place" not in row.instructions


def test_high_value_parcel_not_left_in_safe_place_but_neighbour_allowed(make_row, merchant):
    row = make_row(value_amount=Decimal("300.00"))
    safe = option(row, merchant, K.LEAVE_IN_SAFE_PLACE)
    assert not safe.available and safe.reason_code.code == "too_valuable_unattended"
    assert safe.reason_code.params == {"limit": "£250.00"}
    assert apply(row, merchant, K.LEAVE_WITH_NEIGHBOUR, {"neighbour": "Pat at No. 14"}).accepted
    assert row.instructions["neighbour"] == "Pat at No. 14"


def test_high_value_threshold_is_configurable(make_row, merchant):
    row = make_row(value_amount=Decimal("300.00"))
    merchant.settings = {"rules": {"high_value_threshold": "500"}}
    assert option(row, merchant, K.LEAVE_IN_SAFE_PLACE).available


def test_unattended_reason_offers_no_alternatives_that_are_closed(make_row, merchant):
    row = make_row(status="out_for_delivery", signature_required=True)
    reason = option(row, merchant, K.LEAVE_IN_SAFE_PLACE).reason_code
    assert reason.code == "needs_signature_unattended" and reason.also.code == "alt_someone_in"


def test_safe_place_replaces_neighbour_instruction(make_row, merchant):
    row = make_row()
    assert apply(row, merchant, K.LEAVE_WITH_NEIGHBOUR, {"house_number": "14"}).accepted
    assert row.instructions["neighbour"] == "No. 14"
    assert apply(row, merchant, K.LEAVE_IN_SAFE_PLACE, {"safe_place": "  behind the  side gate "}).accepted
    assert row.instructions == {**row.instructions, "safe_place": "behind the side gate"}
    assert "neighbour" not in row.instructions


def test_instruction_details_are_required_and_bounded(make_row, merchant):
    row = make_row()
    assert apply(row, merchant, K.LEAVE_WITH_NEIGHBOUR, {}).reason_code.code == "neighbour_missing"
    long_note = apply(row, merchant, K.ADD_DELIVERY_NOTE, {"note": "x" * 201})
    assert long_note.status is ResultStatus.REJECTED and long_note.reason_code == because("note_too_long", limit=200)
    assert row.changes_count == 0


def test_address_change_before_dispatch_may_go_anywhere(make_row, merchant):
    row = make_row(status="label_created")
    new = {"line1": "5 Harbour St", "city": "Bristol", "postcode": "bs15ll"}
    result = apply(row, merchant, K.CHANGE_ADDRESS, {"address": new})
    assert result.accepted
    assert (row.address_line1, row.city, row.postcode) == ("5 Harbour St", "Bristol", "BS1 5LL")
    assert row.instructions["previous_address"]["postcode"] == "M1 4BT"


def test_address_change_after_dispatch_within_same_district(make_row, merchant):
    row = make_row(instructions={"safe_place": "porch"})
    result = apply(row, merchant, K.CHANGE_ADDRESS, {"address": {"line1": "40 Oxford Rd", "postcode": "M1 7ED"}})
    assert result.accepted and row.postcode == "M1 7ED" and row.city == "Manchester"
    assert "safe_place" not in row.instructions  # a safe place at the old address means nothing at the new one


def test_address_change_after_dispatch_to_another_area_is_rejected(make_row, merchant):
    row = make_row()
    result = apply(row, merchant, K.CHANGE_ADDRESS, {"address": {"line1": "1 Deansgate", "postcode": "M3 1AZ"}})
    assert result.status is ResultStatus.REJECTED
    assert result.reason_code == because("redirect_outside_area", area="M1", also=because("alt_pickup"))
    assert row.postcode == "M1 4BT"


def test_address_with_invalid_postcode_is_rejected(make_row, merchant):
    row = make_row(status="label_created")
    result = apply(row, merchant, K.CHANGE_ADDRESS, {"address": {"line1": "1 Nowhere", "postcode": "12345"}})
    assert result.status is ResultStatus.REJECTED
    assert result.reason_code == because("postcode_invalid", postcode="12345")


@pytest.mark.parametrize(
    ("lock", "words"),
    [
        ("prescription", "prescription medicine"),
        ("perishable", "fresh or chilled food"),
        ("age_restricted", "adult who shows ID"),
        ("high_value", "high-value item"),
    ],
)
def test_sender_lock_blocks_changes_in_plain_words(make_row, merchant, lock, words):
    row = make_row(locked_reason=lock)
    note = option(row, merchant, K.ADD_DELIVERY_NOTE)
    assert not note.available
    assert note.reason_code.code == "sender_locked" and words in note.reason_code.params["why"]
    shown = Wording().voice(merchant).reason(note.reason_code, note.reason)
    assert shown.startswith("The sender has locked this parcel") and words in shown
    assert "_" not in shown  # codes like age_restricted never leak to the shopper


def test_lock_wording_can_be_overridden_by_the_merchant(make_row, merchant):
    merchant.settings = {"rules": {"lock_reasons": {"perishable": "it's ice cream and it will melt"}}}
    row = make_row(locked_reason="perishable")
    assert option(row, merchant, K.HOLD).reason_code == because("sender_locked", why="it's ice cream and it will melt")


def test_a_lock_the_merchant_has_no_words_for_says_so_without_its_code(make_row, merchant):
    reason = option(make_row(locked_reason="something_new"), merchant, K.HOLD).reason_code
    assert reason == because("sender_locked_as_arranged") and not reason.params


def test_changes_are_capped_per_parcel(make_row, merchant):
    row = make_row()
    for note in ("one", "two", "three"):
        assert apply(row, merchant, K.ADD_DELIVERY_NOTE, {"note": note}).accepted
    assert row.changes_count == 3
    fourth = apply(row, merchant, K.ADD_DELIVERY_NOTE, {"note": "four"})
    assert fourth.status is ResultStatus.REJECTED and fourth.reason_code == because("too_many_changes", count=3)
    assert row.instructions["note"] == "three"


def test_change_cap_is_configurable(make_row, merchant):
    merchant.settings = {"rules": {"max_changes": 5}}
    row = make_row(changes_count=4)
    assert option(row, merchant, K.ADD_DELIVERY_NOTE).available


def test_a_cap_of_one_change_says_once(make_row, merchant):
    merchant.settings = {"rules": {"max_changes": 1}}
    row = make_row(changes_count=1)
    assert option(row, merchant, K.ADD_DELIVERY_NOTE).reason_code == because("too_many_changes_once")


def test_pickup_points_near_the_address_nearest_first_with_hours(make_row, merchant):
    row = make_row(postcode="M14 5TQ")
    pickup = option(row, merchant, K.PICKUP_POINT)
    assert pickup.available
    points = pickup.pickup_points
    assert points[0].id == "PP-M-003"  # Rusholme, in M14 itself
    assert [p.distance_km for p in points] == sorted(p.distance_km for p in points)
    assert all(p.opening_hours for p in points) and len(points) == 3


def test_choosing_a_pickup_point_records_it(make_row, merchant):
    row = make_row(instructions={"neighbour": "No. 14"})
    assert apply(row, merchant, K.PICKUP_POINT, {"pickup_point_id": "PP-M-999"}).status is ResultStatus.REJECTED
    assert apply(row, merchant, K.PICKUP_POINT, {"pickup_point_id": "PP-M-001"}).accepted
    assert row.instructions["pickup_point"]["name"] == "Piccadilly Corner Shop"
    assert "neighbour" not in row.instructions


def test_no_pickup_points_in_area_is_unavailable_with_reason(make_row, merchant):
    row = make_row(postcode="IV2 3AA")
    pickup = option(row, merchant, K.PICKUP_POINT)
    assert not pickup.available and pickup.reason_code == because("no_pickup_points", area="IV2")


def test_accepted_results_carry_a_carrier_reference(make_row, merchant):
    row = make_row()
    result = apply(row, merchant, K.ADD_DELIVERY_NOTE, {"note": "Dog is friendly"})
    assert result.accepted and REFERENCE.match(result.reference)
    assert row.instructions["last_reference"] == result.reference


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"status": "label_created"},
        {"status": "out_for_delivery", "signature_required": True},
        {"status": "delivered"},
        {"status": "exception"},
        {"locked_reason": "something_new"},
        {"changes_count": 3},
        {"value_amount": Decimal("999"), "postcode": "ZE1 0AA"},
    ],
)
def test_every_unavailable_option_says_why(make_row, merchant, overrides):
    row = make_row(**overrides)
    for opt in options(row, merchant):
        assert opt.available or opt.reason_code.code in CODES, opt
        assert opt.reason is None, opt  # the reference carrier gives codes, never English


def test_merchant_can_switch_an_action_off(make_row, merchant):
    merchant.settings = {"rules": {"disabled_actions": ["hold_delivery"]}}
    hold = option(make_row(), merchant, K.HOLD)
    assert not hold.available
    assert hold.reason_code == because("merchant_does_not_offer", action="hold_delivery")


def test_merchant_can_charge_for_an_action(make_row, merchant):
    merchant.settings = {"rules": {"fees": {"change_delivery_address": "2.00"}}}
    row = make_row()
    assert option(row, merchant, K.CHANGE_ADDRESS).fee == Decimal("2.00")
    params = {"address": {"line1": "40 Oxford Rd", "postcode": "M1 7ED"}}
    assert apply(row, merchant, K.CHANGE_ADDRESS, params).reason_code == because("fee_needs_confirmation", fee="£2.00")
    assert apply(row, merchant, K.CHANGE_ADDRESS, params, fee_accepted=True).accepted


def test_cancel_only_before_dispatch(make_row, merchant):
    sent = make_row()
    assert option(sent, merchant, K.CANCEL_ORDER).reason_code == because("left_warehouse_return_later")
    waiting = make_row(status="label_created")
    assert option(waiting, merchant, K.CANCEL_ORDER).available


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"cutof_time": "21:00"}, "unknown setting(s) cutof_time"),
        ({"cutoff_time": "late"}, "expected a time"),
        ({"working_days": ["funday"]}, "not a weekday"),
        ({"windows": [{"start": "12:00", "end": "08:00"}]}, "ends before it starts"),
        ({"disabled_actions": ["teleport"]}, "expected a list of"),
        ({"max_changes": -1}, "whole number"),
    ],
)
def test_invalid_rules_are_reported_not_ignored(rules, message):
    with pytest.raises(RulesConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_rules(rules)


def test_clock_defaults_to_now_and_must_be_aware(make_row, merchant):
    from datetime import datetime

    row = make_row()
    assert options(row, merchant, now=None)  # real clock: the Monday ETA is long gone, still answers
    with pytest.raises(ValueError, match="aware"):
        options(row, merchant, now=datetime(2026, 11, 20, 10, 0))  # noqa: DTZ001
