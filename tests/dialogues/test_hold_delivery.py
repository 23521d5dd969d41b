"""Holds: a past day, today, or a day past the carrier's limit never reaches the carrier, and says why."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from aftersales_kit import LONDON, changes, latest_code, merchant_settings, shipment_row, talk, text_of
from day_kit import nth
from sqlalchemy import func, select

from backend import models as m

OWN = "+447700900123"  # PB100000001GB, in transit, due tomorrow
RULES = {"cutoff_time": "23:59", "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}


def _codes_sent(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(m.OneTimeCode))


def test_past_today_and_too_late_are_refused_with_the_reason(runtime, demo):
    merchant_settings(runtime, rules={**RULES, "max_hold_days": 3})
    assert "up to" in text_of(talk(runtime, OWN, "please hold my parcel at the depot"))
    assert "already passed" in text_of(talk(runtime, OWN, "yesterday"))
    assert "after today" in text_of(talk(runtime, OWN, "today"))
    too_late = text_of(talk(runtime, OWN, "for a week"))
    assert "up to 3 days" in too_late and "the latest is" in too_late
    assert _codes_sent(runtime) == 0 and changes(runtime, "hold_delivery") == []


def test_a_day_within_the_limit_is_held(runtime, demo):
    merchant_settings(runtime, rules={**RULES, "max_hold_days": 3})
    ask = text_of(talk(runtime, OWN, "can you hold it for 2 days"))
    assert "Just to check" in ask
    talk(runtime, OWN, "yes")
    done = text_of(talk(runtime, OWN, latest_code(runtime, OWN)))
    [change] = changes(runtime, "hold_delivery")
    assert change.reference in done
    row = shipment_row(runtime, "PB100000001GB")
    assert row.status == "held" and row.instructions["hold"]["until"] == change.params["until"]


def _proposed_day(reply: str) -> str:
    assert "Just to check" in reply and "until " in reply, reply
    return reply.split("until ", 1)[1].split(",", 1)[0]


def _label(day) -> str:  # noqa: ANN001
    """How the read-back names a day: tomorrow says so ("tomorrow (Mon 14 Dec)", on a Sunday)."""
    named = f"{day:%a} {day.day} {day:%b}"
    return f"tomorrow ({named})" if day == datetime.now(LONDON).date() + timedelta(days=1) else named


@pytest.mark.parametrize("text", ["im on holiday next week can you hold it",
                                  "we're away next week, please hold it till we're back",
                                  "hold it while im away next week", "we are on vacation next week, hold it"])
def test_away_next_week_is_held_through_the_week(runtime, demo, text):
    """A probe: "on holiday next week, can you hold it" held it until next week's Monday, the first day away, so
    it would have been delivered while they were gone. Held through: until the Monday after."""
    merchant_settings(runtime, rules={**RULES, "max_hold_days": 21})
    today = datetime.now(LONDON).date()
    next_monday = today + timedelta(days=7 - today.weekday())
    assert _proposed_day(text_of(talk(runtime, OWN, text))) == _label(next_monday + timedelta(days=7))


def test_away_between_two_days_is_held_to_the_day_after(runtime, demo):
    merchant_settings(runtime, rules={**RULES, "max_hold_days": 21})
    first = datetime.now(LONDON).date() + timedelta(days=3)
    last = first + timedelta(days=4)
    text = f"can you hold it, away from the {nth(first)} to the {nth(last)}"
    assert _proposed_day(text_of(talk(runtime, OWN, text))) == _label(last + timedelta(days=1))


@pytest.mark.parametrize(("text", "days_on"), [("hold it till monday", 0), ("away until monday, hold it please", 1)])
def test_a_named_day_is_that_day_and_away_till_a_day_the_day_after(runtime, demo, text, days_on):
    merchant_settings(runtime, rules={**RULES, "max_hold_days": 21})
    today = datetime.now(LONDON).date()
    monday = today + timedelta(days=7 - today.weekday())
    assert _proposed_day(text_of(talk(runtime, OWN, text))) == _label(monday + timedelta(days=days_on))


def test_away_from_a_day_with_no_end_asks_until_when(runtime, demo):
    merchant_settings(runtime, rules={**RULES, "max_hold_days": 21})
    reply = text_of(talk(runtime, OWN, "hold it please, im away from friday"))
    assert "Until which day" in reply and "Just to check" not in reply, reply
