"""After a failed attempt: the best next step for this shopper (their neighbour, else a point open now, else the
next free slot), accepted with YES and still confirmed and verified."""

from __future__ import annotations

from aftersales_kit import changes, latest_code, merchant_settings, talk, text_of
from sqlalchemy import select

from backend import models as m
from backend.db import transaction

FAILED = "+447700900321"  # PB100000004GB, delivery attempted
RULES = {"cutoff_time": "23:59", "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}


def _set_neighbour(runtime, value: str) -> None:  # noqa: ANN001
    talk(runtime, FAILED, "hi")  # creates the contact
    with transaction(runtime.sessions) as s:
        contact = s.scalar(select(m.Contact).where(m.Contact.phone == FAILED))
        contact.preferences = {"neighbour": {"value": value, "since": "2026-01-01T00:00:00+00:00"}}


def test_the_standing_neighbour_comes_first(runtime, demo):
    merchant_settings(runtime, rules=RULES)
    _set_neighbour(runtime, "number 14")
    reply = text_of(talk(runtime, FAILED, "where is my parcel"))
    assert "number 14, your usual neighbour" in reply and "pickup point" not in reply
    assert "Just to check" in text_of(talk(runtime, FAILED, "yes"))
    talk(runtime, FAILED, "yes")
    talk(runtime, FAILED, latest_code(runtime, FAILED))
    [change] = changes(runtime, "leave_with_neighbour")
    assert change.params == {"neighbour": "number 14"} and change.status == "accepted"


def test_a_pickup_point_open_now_comes_next(runtime, demo):
    merchant_settings(runtime, rules=RULES)
    reply = text_of(talk(runtime, FAILED, "where is my parcel"))
    assert "pickup point open now" in reply  # the 24-hour locker nearby is always open


def test_without_pickup_points_the_next_free_slot_is_suggested(runtime, demo):
    merchant_settings(runtime, rules={**RULES, "disabled_actions": ["deliver_to_pickup_point"]})
    reply = text_of(talk(runtime, FAILED, "where is my parcel"))
    assert "next free delivery slot is tomorrow (" in reply and "08:00-12:00" in reply
    talk(runtime, FAILED, "yes")
    assert "haven't changed anything" in text_of(talk(runtime, FAILED, "no"))
    assert changes(runtime, "reschedule_delivery") == []


def test_yes_alone_changes_nothing_before_the_confirmation_and_code(runtime, demo):
    merchant_settings(runtime, rules=RULES)
    talk(runtime, FAILED, "where is my parcel")
    talk(runtime, FAILED, "yes")
    assert changes(runtime, "deliver_to_pickup_point") == []
