"""Pickup points: the carrier's nearest points with their hours, picked by number or name; "open now" is read
from the hours and never guessed."""

from __future__ import annotations

from datetime import datetime

import pytest
from aftersales_kit import changes, latest_code, merchant_settings, shipment_row, talk, text_of

from dialogues.kit.pickup_hours import open_now

OWN = "+447700900123"  # PB100000001GB, in transit, M1 4BT


@pytest.mark.parametrize(
    ("hours", "when", "expected"),
    [
        ("Mon-Sat 07:00-22:00, Sun 09:00-18:00", datetime(2026, 11, 23, 7, 0), True),  # Monday, opening
        ("Mon-Sat 07:00-22:00, Sun 09:00-18:00", datetime(2026, 11, 23, 22, 0), False),  # closing time
        ("Mon-Sat 07:00-22:00, Sun 09:00-18:00", datetime(2026, 11, 22, 8, 59), False),  # Sunday, early
        ("Mon-Sat 07:00-22:00, Sun 09:00-18:00", datetime(2026, 11, 22, 12, 0), True),
        ("Mon-Fri 09:00-17:30, Sat 09:00-13:00", datetime(2026, 11, 28, 13, 30), False),  # Saturday afternoon
        ("Every day 00:00-24:00 (locker)", datetime(2026, 11, 22, 3, 0), True),
        ("Sat-Mon 10:00-12:00", datetime(2026, 11, 22, 11, 0), True),  # a range across the week's end
        ("Sat-Mon 10:00-12:00", datetime(2026, 11, 25, 11, 0), False),
        ("ask in store", datetime(2026, 11, 22, 11, 0), None),
    ],
)
def test_open_now_reads_opening_hours(hours, when, expected):
    assert open_now(hours, when) is expected


def test_points_are_listed_with_hours_and_picked_by_name(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    listed = text_of(talk(runtime, OWN, "can I collect it from a pickup point"))
    assert "1) Piccadilly Corner Shop" in listed and "Every day 00:00-24:00" in listed and "0.8 km" in listed
    assert "Ancoats Parcel Locker" in text_of(talk(runtime, OWN, "the locker one"))
    talk(runtime, OWN, "yes")
    talk(runtime, OWN, latest_code(runtime, OWN))
    [change] = changes(runtime, "deliver_to_pickup_point")
    assert change.params == {"pickup_point_id": "PP-M-002"}
    assert shipment_row(runtime, "PB100000001GB").instructions["pickup_point"]["name"] == "Ancoats Parcel Locker"


def test_a_number_not_on_the_list_is_not_a_choice(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    talk(runtime, OWN, "can I collect it from a pickup point")
    reply = text_of(talk(runtime, OWN, "7"))
    assert "Just to check" not in reply and "Reply with its number" in reply
