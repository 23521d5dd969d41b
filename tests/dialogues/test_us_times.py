"""American shoppers read days and times the American way: "Mon Dec 14 8am-12pm", not "Mon 14 Dec 08:00-12:00"
(backend/local_time, by the merchant's region). Found by a probe: a US shop's slots, ETAs and code waits were all
in the 24-hour clock with the day before the month, while its support hours already read "9am-5pm"."""

from __future__ import annotations

import re
from datetime import datetime, time

import pytest
from aftersales_kit import talk, text_of

from backend import local_time
from tests.review.voice_kit import make_us

OWN = "+447700900123"  # PB100000001GB (an Austin ZIP code once make_us has run), in transit
US_CLOCK = r"\d{1,2}(?::\d\d)?[ap]m"
US_SLOT = re.compile(rf"^\d\) (?:tomorrow|[A-Z][a-z]{{2}} [A-Z][a-z]{{2}} \d{{1,2}}) {US_CLOCK}-{US_CLOCK}")
UK_SLOT = re.compile(r"^\d\) (?:tomorrow|[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2}) \d\d:\d\d-\d\d:\d\d")


def _slots(reply: str) -> list[str]:
    return [line for line in reply.splitlines() if line[:1].isdigit() and ") " in line]


@pytest.mark.parametrize(("value", "us", "gb"), [
    (time(8, 0), "8am", "08:00"), (time(12, 0), "12pm", "12:00"), (time(17, 30), "5:30pm", "17:30"),
    (time(0, 0), "midnight", "00:00"),
])
def test_a_clock_time_in_each_region(value, us, gb):
    assert local_time.clock(value, "US") == us and local_time.clock(value, "GB") == gb


def test_a_day_in_each_region():
    day = datetime(2026, 12, 10)
    assert local_time.day(day, "US") == "Thu Dec 10" and local_time.day(day, "GB") == "Thu 10 Dec"


@pytest.mark.parametrize(("settings", "region"), [
    ({"region": "us"}, "US"), ({"region": "GB"}, "GB"), ({}, "GB"), (None, "GB"), ({"region": ""}, "GB"),
    (["region", "US"], "GB"), ("US", "GB"),  # settings that aren't a mapping: the default, not a crash
])
def test_the_region_is_read_one_way_from_the_row_and_the_config(settings, region):
    from types import SimpleNamespace

    from bot.core.merchant_config import MerchantConfig

    row = SimpleNamespace(id=1, slug="s", name="S", timezone="Europe/London", settings=settings)
    assert local_time.region_of(row) == region
    assert MerchantConfig.of(row).region == region  # type: ignore[arg-type]


def test_us_slots_read_the_american_way(runtime, demo):
    make_us(runtime)
    slots = _slots(text_of(talk(runtime, OWN, "can you deliver it another day")))
    assert slots and all(US_SLOT.match(line) for line in slots), slots
    ask = text_of(talk(runtime, OWN, "2"))
    assert re.search(r"\d{1,2}(?::\d\d)?[ap]m-\d{1,2}(?::\d\d)?[ap]m", ask) and ":00-" not in ask, ask


def test_us_status_eta_reads_the_american_way(runtime, demo):
    make_us(runtime)
    reply = text_of(talk(runtime, OWN, "where is my package"))
    assert re.search(r"Expected: tomorrow \d{1,2}(?::\d\d)?[ap]m-\d{1,2}(?::\d\d)?[ap]m", reply), reply


def test_british_slots_are_unchanged(runtime, demo):
    slots = _slots(text_of(talk(runtime, OWN, "can you deliver it another day")))
    assert slots and all(UK_SLOT.match(line) for line in slots), slots


def test_a_us_time_refused_is_said_the_american_way(runtime, demo):
    """ "OK, not ... 08:00-12:00" had kept the 24-hour clock in the US form."""
    make_us(runtime)
    reply = text_of(talk(runtime, OWN, "not tomorrow morning, can you change the day"))
    assert "OK, not" in reply and "8am-12pm" in reply and "08:00" not in reply, reply
