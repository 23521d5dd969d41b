"""At the pickup point list, "whichever is open latest" / "the one that closes last" / "the earliest opening one"
picks by the points' opening hours (kit/pickup_hours.pick_by_hours), with why; hours that can't be read are said
plainly and no pick is claimed.

Before: "whichever is open latest" picked Rusholme Late Store by the word "late" in its name, whatever its hours."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

OWN = "+447700900123"  # PB100000001GB, in transit to M1: Piccadilly Corner Shop, Ancoats Parcel Locker, Rusholme


def _list_without_the_locker(runtime) -> None:  # noqa: ANN001
    """The demo's nearest three, less the 24-hour locker (open latest and earliest of all): two shops to tell apart,
    Piccadilly Corner Shop (Mon-Sat 07:00-22:00, Sun 09:00-18:00) and Rusholme Late Store (Mon-Sun 08:00-23:00)."""
    assert "Ancoats Parcel Locker" in text_of(talk(runtime, OWN, "can i collect it from a pickup point"))
    again = text_of(talk(runtime, OWN, "not the locker"))
    assert "Ancoats" not in again and "Rusholme" in again, again


@pytest.mark.parametrize("message", ["whichever is open latest", "the one that closes last please",
                                     "Which one stays open the latest?", "the latest closing one"])
def test_open_latest_picks_by_closing_time(runtime, every_day, message):
    _list_without_the_locker(runtime)
    reply = text_of(talk(runtime, OWN, message))
    assert "Rusholme Late Store is open latest: Mon-Sun 08:00-23:00." in reply and "Just to check" in reply, reply


@pytest.mark.parametrize("message", ["the earliest opening one", "whichever opens first",
                                     "which one opens earliest? I leave for work at 7:30"])
def test_opening_earliest_picks_by_opening_time(runtime, every_day, message):
    """Not the first word of a name or a number: Piccadilly opens at 07:00 on six days, Rusholme at 08:00."""
    _list_without_the_locker(runtime)
    reply = text_of(talk(runtime, OWN, message))
    assert "Piccadilly Corner Shop opens earliest" in reply and "Piccadilly Corner Shop, 3 Tib Lane" in reply, reply


def test_a_request_that_picks_by_hours_goes_straight_to_that_point(runtime, every_day):
    reply = text_of(talk(runtime, OWN, "can you send it to whichever pickup point is open latest"))
    assert "Ancoats Parcel Locker is open latest" in reply and "Just to check" in reply, reply


@pytest.mark.parametrize(("message", "point"), [("the late store", "Rusholme Late Store"), ("2", "Ancoats"),
                                                ("is the rusholme one open late?", "Rusholme Late Store")])
def test_a_name_or_a_number_still_picks_that_point(runtime, every_day, message, point):
    talk(runtime, OWN, "can i collect it from a pickup point")
    reply = text_of(talk(runtime, OWN, message))
    assert f"will go to {point}" in reply and "is open latest" not in reply, reply


def test_hours_that_cannot_be_read_pick_nothing():
    """A point whose hours are unknown (a carrier may send none): no pick is claimed on a guess; the journey says so
    plainly and lists them again (utter_pickup_hours_unknown_*)."""
    from dialogues.kit.pickup_hours import EARLIEST, LATEST, pick_by_hours

    assert pick_by_hours(["Mon-Sun 08:00-23:00", ""], LATEST) is None
    assert pick_by_hours(["Mon-Sun 08:00-23:00", "ask in store"], EARLIEST) is None
    assert pick_by_hours(["Mon-Sat 07:00-22:00, Sun 09:00-18:00", "Mon-Sun 08:00-23:00"], LATEST) == 1
    assert pick_by_hours(["Mon-Fri 09:00-17:30, Sat 09:00-13:00", "Mon-Sat 07:00-22:00"], EARLIEST) == 1


@pytest.mark.parametrize("text", ["the late store", "is the corner shop open late?", "the first one", "the latest one",
                                  "which is nearest", "is it open now"])
def test_words_near_hours_are_no_pick_by_hours(text):
    from dialogues.kit.pickup_hours import by_hours_wanted

    assert by_hours_wanted(text) is None
