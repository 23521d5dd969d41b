"""Service rules about time and status: cut-off, out for delivery, delivered, holds, reschedule windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from backend_testkit import ALL, NOW, REFERENCE, apply, option, options

from backend.reasons import because
from backend.types import ActionKind, ResultStatus, ShipmentStatus, TimeWindow

K = ActionKind


def test_in_transit_parcel_well_before_cutoff_offers_every_kind(make_row, merchant):
    row = make_row()
    available = {o.kind for o in options(row, merchant) if o.available}
    assert available == set(ActionKind) - {K.CANCEL_ORDER}  # cancelling needs the parcel not yet sent


def test_kind_the_carrier_does_not_support_is_unavailable_with_reason(make_row, merchant):
    row = make_row()
    supported = ALL - {K.HOLD}
    hold = option(row, merchant, K.HOLD, supported=supported)
    assert not hold.available
    assert hold.reason_code == because("carrier_does_not_offer", action="hold_delivery")
    result = apply(row, merchant, K.HOLD, {"days": 3}, supported=supported)
    assert result.status is ResultStatus.REJECTED and result.reason_code == hold.reason_code
    assert row.status == "in_transit"


def test_cutoff_closes_day_changes_at_22_the_evening_before(make_row, merchant):
    row = make_row()  # due Monday 23 Nov; cut-off Sunday 22 Nov 22:00 London
    before = datetime(2026, 11, 22, 21, 59, tzinfo=UTC)
    after = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
    assert option(row, merchant, K.RESCHEDULE, now=before).available
    assert option(row, merchant, K.RESCHEDULE, now=before).cutoff == after
    closed = option(row, merchant, K.PICKUP_POINT, now=after)
    assert not closed.available
    assert closed.reason_code == because("cutoff_passed", cutoff="22:00 on Sunday 22 November")
    # Driver instructions stay open after the cut-off.
    assert option(row, merchant, K.LEAVE_IN_SAFE_PLACE, now=after).available


def test_cutoff_is_in_the_merchant_timezone(make_row, merchant):
    merchant.timezone = "Europe/Berlin"  # 22:00 in Berlin is 21:00 UTC in November
    row = make_row()
    at = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)
    assert not option(row, merchant, K.HOLD, now=at).available
    merchant.timezone = "Europe/London"
    assert option(row, merchant, K.HOLD, now=at).available


def test_cutoff_time_is_merchant_configurable(make_row, merchant):
    merchant.settings = {"rules": {"cutoff_time": "18:00"}}
    row = make_row()
    at = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
    assert not option(row, merchant, K.CHANGE_ADDRESS, now=at).available
    merchant.settings = {}
    assert option(row, merchant, K.CHANGE_ADDRESS, now=at).available


def test_failed_attempt_has_no_cutoff_so_it_can_be_rearranged(make_row, merchant):
    row = make_row(status="failed_attempt", eta_start=NOW - timedelta(days=1), eta_end=NOW - timedelta(hours=20))
    assert option(row, merchant, K.RESCHEDULE).available


def test_out_for_delivery_allows_only_safe_place_neighbour_or_note(make_row, merchant):
    row = make_row(status="out_for_delivery")
    by_kind = {o.kind: o for o in options(row, merchant)}
    assert {k for k, o in by_kind.items() if o.available} == {
        K.LEAVE_IN_SAFE_PLACE,
        K.LEAVE_WITH_NEIGHBOUR,
        K.ADD_DELIVERY_NOTE,
    }
    assert by_kind[K.RESCHEDULE].reason_code == because("out_for_delivery_late_only")
    assert apply(row, merchant, K.ADD_DELIVERY_NOTE, {"note": "Ring twice"}).accepted


def test_delivered_parcel_cannot_be_changed(make_row, merchant):
    row = make_row(status="delivered")
    assert not any(o.available for o in options(row, merchant))
    result = apply(row, merchant, K.LEAVE_WITH_NEIGHBOUR, {"neighbour": "No. 14"})
    assert result.status is ResultStatus.REJECTED
    assert result.reason_code == because("already_delivered")
    assert "neighbour" not in row.instructions


def test_returned_parcel_cannot_be_changed(make_row, merchant):
    row = make_row(status="returned_to_sender")
    note = option(row, merchant, K.ADD_DELIVERY_NOTE)
    assert not note.available and note.reason_code == because("returning_to_sender")


def test_hold_is_allowed_up_to_14_days(make_row, merchant):
    row = make_row()
    assert option(row, merchant, K.HOLD).max_hold_days == 14
    too_long = apply(row, merchant, K.HOLD, {"until": (NOW.date() + timedelta(days=15)).isoformat()})
    assert too_long.status is ResultStatus.REJECTED
    assert too_long.reason_code == because("hold_too_long", days=14, latest="Friday 4 December")
    ok = apply(row, merchant, K.HOLD, {"until": "2026-12-04"})  # exactly 14 days, a Friday
    assert ok.accepted and REFERENCE.match(ok.reference)
    assert row.status == ShipmentStatus.HELD.value
    assert row.instructions["hold"] == {"until": "2026-12-04"}
    assert row.eta_start.date() == date(2026, 12, 4)


def test_hold_until_a_weekend_delivers_the_next_working_day(make_row, merchant):
    row = make_row()
    assert apply(row, merchant, K.HOLD, {"until": "2026-11-28"}).accepted  # Saturday
    assert row.eta_start.date() == date(2026, 11, 30)  # Monday


def test_reschedule_offers_next_five_working_days_in_utc(make_row, merchant):
    summer = datetime(2026, 6, 5, 9, 0, tzinfo=UTC)  # Friday; London is on BST (UTC+1)
    row = make_row(eta_start=summer + timedelta(days=3), eta_end=summer + timedelta(days=3, hours=4))
    free = option(row, merchant, K.RESCHEDULE, now=summer)
    days = sorted({w.start.date() for w in free.windows})
    assert days == [date(2026, 6, d) for d in (8, 9, 10, 11, 12)]  # Mon-Fri, no weekend, not today
    first = min(free.windows, key=lambda w: w.start)
    assert first == TimeWindow(datetime(2026, 6, 8, 7, 0, tzinfo=UTC), datetime(2026, 6, 8, 11, 0, tzinfo=UTC))
    assert all(w.start.tzinfo is not None and w.start.utcoffset() == timedelta(0) for w in free.windows)


def test_evening_window_is_a_separate_paid_option(make_row, merchant):
    row = make_row()
    resched = [o for o in options(row, merchant) if o.kind is K.RESCHEDULE]
    assert [o.fee for o in resched] == [None, Decimal("3.50")]
    free, evening = resched
    assert len(free.windows) == 10 and len(evening.windows) == 5
    assert all(w.start.hour == 17 for w in evening.windows)


def test_paid_option_needs_the_fee_accepted(make_row, merchant):
    row = make_row()
    evening = [o for o in options(row, merchant) if o.kind is K.RESCHEDULE][1].windows[0]
    params = {"window": {"start": evening.start.isoformat(), "end": evening.end.isoformat()}}
    refused = apply(row, merchant, K.RESCHEDULE, params)
    assert refused.status is ResultStatus.REJECTED
    assert refused.reason_code == because("fee_needs_confirmation", fee="£3.50")
    assert row.eta_start != evening.start and row.changes_count == 0
    booked = apply(row, merchant, K.RESCHEDULE, params, fee_accepted=True)
    assert booked.accepted
    assert (row.eta_start, row.eta_end) == (evening.start, evening.end)
    assert row.instructions["charges"][0]["amount"] == "3.50"


def test_reschedule_to_a_window_not_offered_is_rejected(make_row, merchant):
    row = make_row()
    sunday = {"start": "2026-11-29T08:00:00+00:00", "end": "2026-11-29T12:00:00+00:00"}
    result = apply(row, merchant, K.RESCHEDULE, {"window": sunday})
    assert result.status is ResultStatus.REJECTED and result.reason_code == because("slot_not_offered")


def test_rescheduling_a_held_parcel_releases_the_hold(make_row, merchant):
    row = make_row()
    assert apply(row, merchant, K.HOLD, {"days": 3}).accepted
    window = option(row, merchant, K.RESCHEDULE).windows[0]
    params = {"start": window.start.isoformat(), "end": window.end.isoformat()}
    assert apply(row, merchant, K.RESCHEDULE, params).accepted
    assert row.status == "in_transit" and "hold" not in row.instructions


def test_working_days_and_windows_are_configurable(make_row, merchant):
    merchant.settings = {
        "rules": {"working_days": ["mon", "sat"], "windows": [{"start": "10:00", "end": "14:00"}], "reschedule_days": 2}
    }
    row = make_row()
    windows = option(row, merchant, K.RESCHEDULE).windows
    assert [(w.start.date(), w.start.hour) for w in windows] == [(date(2026, 11, 21), 10), (date(2026, 11, 23), 10)]


def test_a_us_merchants_reasons_say_the_day_the_american_way(make_row, merchant):
    """ "Friday 4 December" reads "Friday, December 4" to a US merchant's shoppers (backend/local_time); it was the
    British form for everyone."""
    merchant.settings = {**(merchant.settings or {}), "region": "US"}
    row = make_row()
    too_long = apply(row, merchant, K.HOLD, {"until": (NOW.date() + timedelta(days=15)).isoformat()})
    assert too_long.reason_code == because("hold_too_long", days=14, latest="Friday, December 4")


def test_a_us_merchants_cutoff_reads_the_american_way(make_row, merchant):
    merchant.settings = {**(merchant.settings or {}), "region": "US"}
    row = make_row()  # due Monday 23 Nov; cut-off Sunday 22 Nov 22:00 London (the merchant's zone here)
    closed = option(row, merchant, K.PICKUP_POINT, now=datetime(2026, 11, 22, 22, 0, tzinfo=UTC))
    assert closed.reason_code == because("cutoff_passed", cutoff="10pm on Sunday, November 22")
