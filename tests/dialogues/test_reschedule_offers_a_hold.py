"""Away past the carrier's last slot ("im away till the 30th" when slots end sooner): where the carrier holds parcels
that long, a hold until the first day they are back is offered beside the nearest slots ("reply HOLD"), and HOLD
goes to the hold's confirmation; else it is said plainly that no slot exists from that day, with the nearest slots
(reschedule_delivery._offer_hold).

Before: the nearest slots only, all of them days the shopper had said they were away."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aftersales_kit import EVERY_DAY, changes, merchant_settings, talk, text_of
from day_kit import nth as _nth
from day_kit import today as _today

OWN = "+447700900123"  # PB100000001GB, in transit, due tomorrow; the demo carrier holds a parcel up to 14 days


def _label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


# (message, days after the day named of the first day they are back)
AWAY = [("im away till the {nth}, can you deliver after that", 1),
        ("I'm on vacation until the {nth}, can you reschedule my delivery", 1),
        ("can you deliver it when im back on the {nth}", 0)]


@pytest.mark.parametrize(("message", "then"), AWAY)
def test_away_past_the_last_slot_offers_a_hold_until_they_are_back(runtime, every_day, message, then):
    named = _today() + timedelta(days=10)
    back = named + timedelta(days=then)
    reply = text_of(talk(runtime, OWN, message.format(nth=_nth(named))))
    assert f"no delivery slot from {_label(back)} on" in reply, reply
    assert f"hold your Trail running shoes at the depot until {_label(back)}" in reply and "reply HOLD" in reply, reply
    assert "1) " in reply, reply  # the nearest slots still listed
    ask = text_of(talk(runtime, OWN, "HOLD"))
    assert "Just to check: we'll hold your Trail running shoes at the depot until" in ask, ask
    assert _label(back) in ask, ask
    assert changes(runtime, "hold_delivery") == []  # nothing until confirmed


def test_a_plain_yes_takes_the_hold_and_a_number_still_takes_a_slot(runtime, every_day):
    named = _today() + timedelta(days=10)
    talk(runtime, OWN, f"im away till the {_nth(named)}, can you deliver after that")
    assert "hold your Trail running shoes" in text_of(talk(runtime, OWN, "yes please"))
    talk(runtime, OWN, "no")
    talk(runtime, OWN, f"im away till the {_nth(named)}, can you deliver after that")
    slot = text_of(talk(runtime, OWN, "2"))
    assert "will be delivered" in slot and "hold" not in slot, slot


def test_past_the_longest_hold_it_says_plainly_there_is_no_slot(runtime, every_day):
    """Further away than the carrier holds a parcel (14 days): no hold offered, the miss said plainly."""
    named = _today() + timedelta(days=20)
    reply = text_of(talk(runtime, OWN, f"im away till the {_nth(named)}, can you deliver after that"))
    assert f"no delivery slot from {_label(named + timedelta(days=1))} on" in reply, reply
    assert "hold" not in reply.lower() and "1) " in reply, reply


def test_no_hold_where_the_carrier_does_not_hold(runtime, demo):
    merchant_settings(runtime, rules={**EVERY_DAY, "disabled_actions": ["hold_delivery"]})
    named = _today() + timedelta(days=10)
    reply = text_of(talk(runtime, OWN, f"im away till the {_nth(named)}, can you deliver after that"))
    assert "no delivery slot from" in reply and "hold" not in reply.lower(), reply


def test_a_first_day_with_slots_offers_no_hold(runtime, every_day):
    named = _today() + timedelta(days=3)
    reply = text_of(talk(runtime, OWN, f"im away till the {_nth(named)}, can you deliver after that"))
    assert "hold" not in reply.lower() and "no delivery slot" not in reply, reply
