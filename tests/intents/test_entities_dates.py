"""Dates and time windows, resolved against a fixed merchant clock (and across DST changes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from intents.context import ParseContext
from intents.entities import extract_entities
from intents.types import Entity

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # Tuesday 24 November 2026
GB = ParseContext(timezone="Europe/London", now=NOW, region="GB")
US = ParseContext(timezone="America/New_York", now=NOW, region="US")


def only(text: str, entity: str, context: ParseContext = GB) -> list[Entity]:
    return [e for e in extract_entities(text, context) if e.entity == entity]


def date_of(text: str, context: ParseContext = GB) -> str:
    (d,) = only(text, "date", context)
    return d.value


# --- dates -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("today please", "2026-11-24"),
        ("tomorrow", "2026-11-25"),
        ("tmrw", "2026-11-25"),
        ("can it come 2moro", "2026-11-25"),
        ("the day after tomorrow", "2026-11-26"),
        ("thurs", "2026-11-26"),
        ("fri", "2026-11-27"),
        ("Monday", "2026-11-30"),
        ("tuesday", "2026-12-01"),  # said on a Tuesday: the next one, not today
        ("this tuesday", "2026-11-24"),
        ("this saturday", "2026-11-28"),
        ("next Fri", "2026-12-04"),
        ("wednesday next week", "2026-12-02"),
        ("friday week", "2026-12-04"),
        ("last thursday", "2026-11-19"),
        ("the 28th", "2026-11-28"),
        ("on the 3rd", "2026-12-03"),
        ("28/11", "2026-11-28"),
        ("28th nov", "2026-11-28"),
        ("nov 28", "2026-11-28"),
        ("28 November 2027", "2027-11-28"),
        ("the 14th of August", "2027-08-14"),
        ("in 3 days", "2026-11-27"),
        ("in a week", "2026-12-01"),
        ("the weekend", "2026-11-28"),
        ("next week", "2026-11-30"),
        ("2026-12-01", "2026-12-01"),
        ("christmas eve", "2026-12-24"),
        ("yesterday", "2026-11-23"),
    ],
)
def test_dates_resolve_from_the_merchant_today(text: str, iso: str) -> None:
    assert date_of(text) == iso


def test_surface_span_of_a_date_in_a_sentence() -> None:
    text = "Could you deliver next Fri instead?"
    (d,) = only(text, "date")
    assert text[d.start : d.end] == "next Fri"
    assert d.resolved == {"date": "2026-12-04", "alternative": "2026-11-27"}


def test_year_rollover_for_january_asked_in_november() -> None:
    assert date_of("28th jan") == "2027-01-28"
    assert date_of("jan 5") == "2027-01-05"
    assert date_of("the 2nd") == "2026-12-02"


def test_recently_passed_date_rolls_forward_but_keeps_the_past_reading() -> None:
    (d,) = only("it was due 21/11", "date")
    assert d.value == "2027-11-21"
    assert d.resolved is not None and d.resolved["recent_past"] == "2026-11-21"


@pytest.mark.parametrize(
    ("text", "gb", "us"),
    [
        ("03/04", "2027-04-03", "2027-03-04"),
        ("05/12", "2026-12-05", "2027-05-12"),
        ("1/12/26", "2026-12-01", "2026-01-12"),
    ],
)
def test_ambiguous_numeric_dates_follow_the_region(text: str, gb: str, us: str) -> None:
    (gb_date,) = only(text, "date", GB)
    (us_date,) = only(text, "date", US)
    assert (gb_date.value, us_date.value) == (gb, us)
    assert gb_date.resolved is not None and gb_date.resolved["alternative"] == us
    assert us_date.resolved is not None and us_date.resolved["alternative"] == gb


def test_impossible_reading_falls_back_to_the_other_order() -> None:
    assert date_of("28/11", US) == "2026-11-28"
    assert date_of("12/25", GB) == "2026-12-25"


@pytest.mark.parametrize(
    "text", ["£49.99", "at 10:30", "2/3 parcels came", "reception on the 3rd floor", "I sat on it", "march 2026"]
)
def test_not_dates(text: str) -> None:
    assert only(text, "date") == []


def test_weekend_said_on_sunday_means_today() -> None:
    sunday = replace(GB, now=datetime(2026, 11, 29, 9, 0, tzinfo=ZoneInfo("Europe/London")))
    (d,) = only("this weekend", "date", sunday)
    assert (d.value, d.resolved and d.resolved["end_date"]) == ("2026-11-29", "2026-11-29")


def test_naive_now_is_read_as_merchant_local_time() -> None:
    naive = replace(GB, now=datetime(2026, 11, 24, 23, 30))
    assert date_of("tomorrow", naive) == "2026-11-25"


# --- DST-safe resolution ---------------------------------------------------------------------------------


def test_london_spring_forward_keeps_days_and_offsets_right() -> None:
    # 23:30 UTC on Sat 28 March 2026 is still Saturday in London; clocks go forward that night.
    london = replace(GB, now=datetime(2026, 3, 28, 23, 30, tzinfo=UTC))
    (d,) = only("tomorrow morning", "date", london)
    (w,) = only("tomorrow morning", "time_window", london)
    assert d.value == "2026-03-29"
    assert w.resolved is not None
    assert w.resolved["start_at"] == "2026-03-29T08:00:00+01:00"
    assert w.resolved["end_at"] == "2026-03-29T12:00:00+01:00"


def test_new_york_fall_back_uses_local_not_utc_date() -> None:
    # 03:30 UTC on 1 November 2026 is 23:30 on Saturday 31 October in New York (EDT, ends that night).
    new_york = ParseContext(timezone="America/New_York", now=datetime(2026, 11, 1, 3, 30, tzinfo=UTC), region="US")
    assert date_of("today", new_york) == "2026-10-31"
    (w,) = only("tomorrow after 5", "time_window", new_york)
    assert w.resolved is not None
    assert w.resolved["date"] == "2026-11-01"
    assert w.resolved["start_at"] == "2026-11-01T17:00:00-05:00"


def test_same_instant_differs_by_merchant_zone() -> None:
    instant = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    london = ParseContext(timezone="Europe/London", now=instant)
    new_york = ParseContext(timezone="America/New_York", now=instant)
    assert (date_of("today", london), date_of("today", new_york)) == ("2026-11-25", "2026-11-24")


def test_unknown_zone_does_not_break_parsing() -> None:
    broken = replace(GB, timezone="Mars/Olympus_Mons")
    assert date_of("tomorrow", broken) == "2026-11-25"


# --- time windows ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "window", "surface"),
    [
        ("morning", "08:00-12:00", "morning"),
        ("in the afternoon please", "12:00-17:00", "in the afternoon"),
        ("evening", "17:00-21:00", "evening"),
        ("after 5", "17:00-21:00", "after 5"),
        ("after 5pm", "17:00-21:00", "after 5pm"),
        ("after 10am", "10:00-21:00", "after 10am"),
        ("before noon", "08:00-12:00", "before noon"),
        ("before 2:30", "08:00-14:30", "before 2:30"),
        ("between 2 and 4", "14:00-16:00", "between 2 and 4"),
        ("between 11 and 1pm", "11:00-13:00", "between 11 and 1pm"),
        ("9-12 works", "09:00-12:00", "9-12"),
        ("12-2", "12:00-14:00", "12-2"),
        ("3-5pm", "15:00-17:00", "3-5pm"),
        ("8am to 10am", "08:00-10:00", "8am to 10am"),
        ("anytime after 2pm", "14:00-21:00", "anytime after 2pm"),
        # out until a time: free from it (a probe: "I won't be home til 6pm" found no window at all)
        ("I won't be home til 6pm", "18:00-21:00", "won't be home til 6pm"),
        ("at work until 5:30", "17:30-21:00", "at work until 5:30"),
        ("we're out till 4", "16:00-21:00", "out till 4"),
        ("busy until noon", "12:00-21:00", "busy until noon"),
        ("i'm not home until after 6", "18:00-21:00", "not home until after 6"),
        ("i dont get home until 6pm", "18:00-21:00", "dont get home until 6pm"),
    ],
)
def test_time_windows(text: str, window: str, surface: str) -> None:
    (w,) = only(text, "time_window")
    assert (w.value, text[w.start : w.end]) == (window, surface)
    start, end = window.split("-")
    assert w.resolved is not None and (w.resolved["start"], w.resolved["end"]) == (start, end)


@pytest.mark.parametrize(
    "text", ["3-4 days", "10-12 working days", "2 to 4", "after 2 days", "call 555-0118", "I am out", "by 14",
             "i need to wait till 5 for my code", "away until 3 weeks from now"]
)
def test_not_time_windows(text: str) -> None:
    assert only(text, "time_window") == []


def test_date_plus_window() -> None:
    text = "can you deliver Saturday morning instead?"
    (d,) = only(text, "date")
    (w,) = only(text, "time_window")
    assert (text[d.start : d.end], d.value) == ("Saturday", "2026-11-28")
    assert (text[w.start : w.end], w.value) == ("morning", "08:00-12:00")
    assert w.resolved is not None
    assert (w.resolved["date"], w.resolved["start"], w.resolved["end"]) == ("2026-11-28", "08:00", "12:00")
    assert w.resolved["start_at"] == "2026-11-28T08:00:00+00:00"


def test_window_takes_the_adjacent_date_not_the_first() -> None:
    (w,) = only("not tomorrow, friday afternoon", "time_window")
    assert w.resolved is not None and w.resolved["date"] == "2026-11-27"


def test_window_without_any_date_has_none() -> None:
    (w,) = only("after 5 is best", "time_window")
    assert w.resolved == {"start": "17:00", "end": "21:00"}


def test_tonight_is_today_evening() -> None:
    (w,) = only("tonight", "time_window")
    assert w.resolved is not None and (w.value, w.resolved["date"]) == ("17:00-21:00", "2026-11-24")


@pytest.mark.parametrize(
    ("text", "iso", "end_date"),
    [
        ("last week", "2026-11-16", "2026-11-22"),
        ("last month", "2026-10-01", "2026-10-31"),
        ("next month", "2026-12-01", "2026-12-31"),
        ("next weekend", "2026-12-05", "2026-12-06"),
    ],
)
def test_ranges_carry_an_end_date(text: str, iso: str, end_date: str) -> None:
    (d,) = only(text, "date")
    assert (d.value, d.resolved and d.resolved["end_date"]) == (iso, end_date)


@pytest.mark.parametrize(("text", "iso"), [("3 days ago", "2026-11-21"), ("two weeks ago", "2026-11-10")])
def test_past_offsets(text: str, iso: str) -> None:
    assert date_of(text) == iso


@pytest.mark.parametrize(
    "text", ["when does black friday start", "is it still sat at the depot", "its 101 W 14th St", "bank holiday monday"]
)
def test_weekday_and_ordinal_words_that_are_not_dates(text: str) -> None:
    assert only(text, "date") == []


@pytest.mark.parametrize(
    "text",
    ["good morning", "morning all", "evening, how are you", "hey, afternoon", "I was home all morning"],
)
def test_greetings_and_durations_are_not_windows(text: str) -> None:
    assert only(text, "time_window") == []


def test_out_until_a_time_is_free_from_it_not_a_window_that_ends_there() -> None:
    """ "out till 6" was kept out of windows (it is no window ending at 6); read now as what it tells a driver:
    free from 18:00 (intents/entities/time_window._OUT_UNTIL)."""
    assert [w.value for w in only("out till 6", "time_window")] == ["18:00-21:00"]


def test_bare_part_of_day_answer_is_a_window() -> None:
    assert [w.value for w in only("morning", "time_window")] == ["08:00-12:00"]
    assert [w.value for w in only("2moro b4 noon pls", "time_window")] == ["08:00-12:00"]


# --- windows that narrow each other ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("can u deliver sat morning after 10", "morning after 10"),
        ("sat after 10 before 12", "after 10 before 12"),
        ("sat after 10, but before 12", "after 10, but before 12"),
    ],
)
def test_side_by_side_windows_on_one_day_are_intersected(text: str, surface: str) -> None:
    (w,) = only(text, "time_window")
    assert (w.value, text[w.start : w.end]) == ("10:00-12:00", surface)
    assert w.resolved is not None
    assert (w.resolved["date"], w.resolved["start_at"]) == ("2026-11-28", "2026-11-28T10:00:00+00:00")
    assert w.resolved["end_at"] == "2026-11-28T12:00:00+00:00"


def test_tonight_after_six_keeps_todays_date() -> None:
    (w,) = only("tonight after 6", "time_window")
    assert w.resolved is not None and (w.value, w.resolved["date"]) == ("18:00-21:00", "2026-11-24")


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("mon morning or tue afternoon", [("08:00-12:00", "2026-11-30"), ("12:00-17:00", "2026-12-01")]),
        ("tomorrow morning or afternoon", [("08:00-12:00", "2026-11-25"), ("12:00-17:00", "2026-11-25")]),
        ("fri morning after 5", [("08:00-12:00", "2026-11-27"), ("17:00-21:00", "2026-11-27")]),  # no overlap
    ],
)
def test_separate_or_contradictory_windows_stay_apart(text: str, windows: list[tuple[str, str]]) -> None:
    got = [(w.value, w.resolved and w.resolved["date"]) for w in only(text, "time_window")]
    assert got == windows


# --- "at 5": a one-hour window -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "window", "day", "surface"),
    [
        ("tomorrow at 5", "17:00-18:00", "2026-11-25", "at 5"),  # bare 1-7 is pm, as everywhere else
        ("tomorrow at 8", "08:00-09:00", "2026-11-25", "at 8"),
        ("at 5 on friday", "17:00-18:00", "2026-11-27", "at 5"),
        ("fri at 10:30", "10:30-11:30", "2026-11-27", "at 10:30"),
        ("tomorrow at 5pm please", "17:00-18:00", "2026-11-25", "at 5pm"),
        ("sat morning at 10", "10:00-11:00", "2026-11-28", "morning at 10"),  # narrowed by the morning
    ],
)
def test_at_a_time_with_a_date_is_a_one_hour_window(text: str, window: str, day: str, surface: str) -> None:
    (w,) = only(text, "time_window")
    assert w.resolved is not None
    assert (w.value, w.resolved["date"], text[w.start : w.end]) == (window, day, surface)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [("at 5pm", "17:00", "18:00"), ("at 10:30", "10:30", "11:30"), ("at noon", "12:00", "13:00")],
)
def test_at_with_am_pm_or_minutes_needs_no_date(text: str, start: str, end: str) -> None:
    (w,) = only(text, "time_window")
    assert (w.value, text[w.start : w.end], w.resolved) == (f"{start}-{end}", text, {"start": start, "end": end})


@pytest.mark.parametrize(
    "text",
    [
        "at 5 acacia avenue",
        "tomorrow at 5 acacia avenue",
        "tomorrow at 12 main st",
        "at number 5",
        "tomorrow at number 5",
        "come at 5",  # bare hour, no date: could be anything
        "leave it with mrs patel at 12 tomorrow",  # where she lives
        "tomorrow at 5 parcels came",
    ],
)
def test_at_a_bare_number_that_is_not_a_time(text: str) -> None:
    assert only(text, "time_window") == []


def test_at_lunchtime_stays_the_lunchtime_part_of_day() -> None:
    assert [w.value for w in only("tomorrow at lunchtime", "time_window")] == ["12:00-14:00"]


# --- weekdays in past phrases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("since monday", "2026-11-23"),
        ("been waiting since tuesday", "2026-11-17"),  # said on a Tuesday: a week ago, never today
        ("it was due friday", "2026-11-20"),
        ("they were due on thursday", "2026-11-19"),
        ("it was supposed to arrive tue", "2026-11-17"),
        ("should have come on wed", "2026-11-18"),
        ("should've arrived thurs", "2026-11-19"),
        ("I ordered it on monday", "2026-11-23"),
        ("it says delivered on sat", "2026-11-21"),
    ],
)
def test_weekday_in_a_past_phrase_is_the_most_recent_one(text: str, iso: str) -> None:
    assert date_of(text) == iso


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("next fri", "2026-12-04"),
        ("on friday", "2026-11-27"),
        ("friday", "2026-11-27"),
        ("can it be delivered on friday", "2026-11-27"),
        ("get it delivered on friday", "2026-11-27"),
    ],
)
def test_weekday_requests_stay_in_the_future(text: str, iso: str) -> None:
    assert date_of(text) == iso


def test_past_and_future_weekdays_in_one_message() -> None:
    assert [d.value for d in only("it was due friday, can it come monday", "date")] == ["2026-11-20", "2026-11-30"]


def test_since_monday_said_on_a_monday_is_a_week_ago() -> None:
    monday = replace(GB, now=datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/London")))
    assert date_of("since monday", monday) == "2026-11-23"
