"""New slots: a paid window is never booked without the fee being accepted; words pick the exact window."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from aftersales_kit import (
    LONDON,
    changes,
    latest_code,
    merchant_settings,
    shipment_row,
    talk,
    text_of,
    texted,
)

OWN = "+447700900123"  # PB100000001GB, in transit, due tomorrow
TRACKING = "PB100000001GB"


def test_a_paid_window_asks_for_the_fee_and_no_means_no(runtime, every_day):
    assert "3) tomorrow 17:00-21:00 (£3.50 extra)" in text_of(talk(runtime, OWN, "I need to reschedule"))
    ask = text_of(talk(runtime, OWN, "3"))
    assert "costs £3.50" in ask and "accept the fee" in ask
    assert "haven't changed anything" in text_of(talk(runtime, OWN, "no"))
    assert changes(runtime, "reschedule_delivery") == []


def test_an_accepted_fee_is_charged_with_the_change(runtime, client, every_day):
    """Paid by link first (docs/payments.md): nothing is booked until the payment is in."""
    talk(runtime, OWN, "I need to reschedule")
    talk(runtime, OWN, "3")
    talk(runtime, OWN, "yes")
    link = text_of(talk(runtime, OWN, latest_code(runtime, OWN))).split("Pay here: ")[1].split()[0]
    assert changes(runtime, "reschedule_delivery") == []
    client.post(link.removeprefix(runtime.links.base_url), data={"choice": "pay"})  # the sandbox's Pay button
    [change] = changes(runtime, "reschedule_delivery")
    [done] = [b for b in texted(runtime, OWN) if "Done:" in b]
    assert change.status == "accepted" and change.reference in done
    [charge] = shipment_row(runtime, TRACKING).instructions["charges"]
    assert charge["amount"] == "3.50" and charge["reference"] == change.reference


def test_a_free_window_asks_no_fee(runtime, every_day):
    talk(runtime, OWN, "I need to reschedule")
    ask = text_of(talk(runtime, OWN, "2"))
    assert "tomorrow (" in ask and "12:00-17:00" in ask and "costs" not in ask


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
    assert "no delivery slot" in reply and f"{sunday:%a} {sunday.day} {sunday:%b}" in reply and "1) " in reply
    assert changes(runtime, "reschedule_delivery") == []


# -- the day named first, never a day they're not in (issue 12, class 10) --------------------------------
def _weekday(days_ahead: int) -> tuple[str, object]:
    day = datetime.now(LONDON).date() + timedelta(days=days_ahead)
    return day.strftime("%A").lower(), day


def _slot_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1].isdigit() and ") " in line]


@pytest.mark.parametrize("template", [
    "im not in tmrw can u deliver on {day} instead",
    "Not home tomorrow - could you bring it {day}?",
    "tmrw's no good, {day} pls",
    "i'm at work tomorrow so can it be {day}",
])
def test_not_in_tomorrow_but_a_named_day_lists_that_day_only(runtime, every_day, template):
    name, day = _weekday(3)
    reply = text_of(talk(runtime, OWN, template.format(day=name)))
    lines = _slot_lines(reply)
    label = f"{day:%a} {day.day} {day:%b}"
    assert "Which of these" in reply and len(lines) == 3, reply
    assert all(label in line for line in lines) and "tomorrow" not in reply
    assert "no delivery slot" not in reply


@pytest.mark.parametrize("template", [
    "im not in tmrw, can you change the day",
    "tomorrow doesn't work, another day please",
    "I'm away tomorrow. Can I pick a different day?",
])
def test_a_day_they_are_not_in_is_never_offered(runtime, every_day, template):
    reply = text_of(talk(runtime, OWN, template))
    lines = _slot_lines(reply)
    assert lines and not any("tomorrow" in line for line in lines), reply
    assert "not tomorrow" in reply


def test_a_time_said_after_the_day_keeps_the_day(runtime, every_day):
    name, day = _weekday(4)
    talk(runtime, OWN, f"not in tomorrow, can u do {name} instead")
    ask = text_of(talk(runtime, OWN, "morning if poss"))
    assert "Just to check" in ask and f"{day:%a} {day.day} {day:%b} 08:00-12:00" in ask


@pytest.mark.parametrize("words", ["after work, like 6pm", "around 7pm", "after work"])
def test_an_evening_time_lands_on_the_paid_evening_slot(runtime, every_day, words):
    name, day = _weekday(2)
    ask = text_of(talk(runtime, OWN, f"can you deliver on {name} {words}?"))
    assert f"{day:%a} {day.day} {day:%b} 17:00-21:00" in ask and "costs £3.50" in ask, ask


def test_when_the_day_named_has_no_slot_the_nearest_lead(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59", "working_days": ["mon", "tue", "wed", "thu", "fri"],
                                      "reschedule_days": 5})
    today = datetime.now(LONDON).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    friday, monday = saturday - timedelta(days=1), saturday + timedelta(days=2)
    nearest = friday if friday > today else monday
    label = "tomorrow" if nearest == today + timedelta(days=1) else f"{nearest:%a} {nearest.day} {nearest:%b}"
    reply = text_of(talk(runtime, OWN, "can you deliver it saturday afternoon"))
    assert "no delivery slot" in reply
    assert _slot_lines(reply)[0] == f"1) {label} 12:00-17:00", reply


def test_a_week_is_every_day_of_it_and_a_refused_day_within_it_is_left_out():
    """ "next week" resolves to its Monday with the Sunday as its end: a wish for the whole week, not its first
    day (kit/when_wanted.fits); "not monday" inside it still rules Monday out."""
    from datetime import datetime

    from dialogues.kit.when_wanted import fits, is_refused

    week = {"date": "2026-12-14", "to_date": "2026-12-20", "start": None, "end": None}
    tuesday, next_monday = datetime(2026, 12, 15, 8), datetime(2026, 12, 21, 8)
    assert fits(week, tuesday, tuesday.replace(hour=12))
    assert not fits(week, next_monday, next_monday.replace(hour=12))
    monday = datetime(2026, 12, 14, 8)
    assert is_refused([{"date": "2026-12-14", "start": None, "end": None}], monday, monday.replace(hour=12))
