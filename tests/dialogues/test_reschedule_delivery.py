"""New slots: a paid window is never booked without the fee being accepted; words pick the exact window."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aftersales_kit import changes, latest_code, merchant_settings, shipment_row, talk, text_of

OWN = "+447700900123"  # PB100000001GB, in transit, due tomorrow
TRACKING = "PB100000001GB"
LONDON = ZoneInfo("Europe/London")
EVERY_DAY = {"cutoff_time": "23:59", "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
             "reschedule_days": 7}


@pytest.fixture
def every_day(runtime, demo):  # noqa: ANN001, ANN201
    merchant_settings(runtime, rules=EVERY_DAY)


def test_a_paid_window_asks_for_the_fee_and_no_means_no(runtime, every_day):
    assert "3) tomorrow 17:00-21:00 (£3.50 extra)" in text_of(talk(runtime, OWN, "I need to reschedule"))
    ask = text_of(talk(runtime, OWN, "3"))
    assert "costs £3.50" in ask and "accept the fee" in ask
    assert "haven't changed anything" in text_of(talk(runtime, OWN, "no"))
    assert changes(runtime, "reschedule_delivery") == []


def test_an_accepted_fee_is_charged_with_the_change(runtime, every_day):
    talk(runtime, OWN, "I need to reschedule")
    talk(runtime, OWN, "3")
    talk(runtime, OWN, "yes")
    done = text_of(talk(runtime, OWN, latest_code(runtime, OWN)))
    [change] = changes(runtime, "reschedule_delivery")
    assert change.status == "accepted" and change.reference in done
    [charge] = shipment_row(runtime, TRACKING).instructions["charges"]
    assert charge["amount"] == "3.50" and charge["reference"] == change.reference


def test_a_free_window_asks_no_fee(runtime, every_day):
    talk(runtime, OWN, "I need to reschedule")
    ask = text_of(talk(runtime, OWN, "2"))
    assert "tomorrow 12:00-17:00" in ask and "costs" not in ask


def test_friday_afternoon_books_that_exact_window(runtime, every_day):
    talk(runtime, OWN, "can you deliver it another day")
    talk(runtime, OWN, "friday afternoon")
    talk(runtime, OWN, "yes")
    talk(runtime, OWN, latest_code(runtime, OWN))
    row = shipment_row(runtime, TRACKING)
    start, end = row.eta_start.astimezone(LONDON), row.eta_end.astimezone(LONDON)
    today = datetime.now(LONDON).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    assert (start.date(), start.hour, end.hour) == (friday, 12, 17)


def test_a_day_with_no_slot_says_so_and_lists_what_there_is(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59", "working_days": ["mon", "tue", "wed", "thu", "fri"]})
    talk(runtime, OWN, "can you deliver it another day")
    reply = text_of(talk(runtime, OWN, "sunday"))
    today = datetime.now(LONDON).date()
    sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    assert f"no delivery slot {sunday:%a} {sunday.day} {sunday:%b}" in reply and "1) " in reply
    assert changes(runtime, "reschedule_delivery") == []
