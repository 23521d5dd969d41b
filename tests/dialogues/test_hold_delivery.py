"""Holds: a past day, today, or a day past the carrier's limit never reaches the carrier, and says why."""

from __future__ import annotations

from aftersales_kit import changes, latest_code, merchant_settings, shipment_row, talk, text_of
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
