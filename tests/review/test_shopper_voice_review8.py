"""Review 8: the shopper conversations left open after review 7 (docs/shoppers.md). Each test drives the real engine
with the real model, in the shoppers' own words and a few paraphrases, UK and US: a flat or apartment added to the
address on file, a second request after the one-time code, "the 2" at a which-one list, and the value after a
refusal said with a subject ("it can go in the shed")."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from backend import models as m
from tests.review.voice_kit import instructions as _instructions
from tests.review.voice_kit import make_us
from tests.review.voice_kit import talk as _talk

DUE_TOMORROW = "+447700900123"  # PB100000001GB, Trail running shoes, in transit, 12 Acacia Avenue M1 4BT
TWO_PARCELS = "+447700900654"  # PB100000005GB socks (listed 2nd), PB100000006GB headtorch (listed 1st)


def _us(runtime) -> None:  # noqa: ANN001
    make_us(runtime)


def _address(runtime, tracking: str) -> tuple[str, str]:  # noqa: ANN001
    """The address on file now: its lines joined, and its postcode."""
    with runtime.sessions() as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        return ", ".join(p for p in (row.address_line1, row.address_line2) if p), row.postcode


# --- a flat added to the address on file ----------------------------------------------------------------------

@pytest.mark.parametrize(("us", "text", "unit"), [
    (False, "add flat 3 to the address", "flat 3"),
    (False, "it's flat 3", "flat 3"),
    (True, "can you add apartment 2B", "apartment 2b"),
    (False, "put unit 5 on it", "unit 5"),
    (True, "Could you add Apt 4C to my address please?", "apt 4c"),
])
def test_a_flat_given_alone_is_added_to_the_address_on_file(runtime, demo, us, text, unit):
    if us:
        _us(runtime)
    street, postcode = ("742 Maple Street", "78701") if us else ("12 Acacia Avenue", "M1 4BT")
    asked, _, done = _talk(runtime, DUE_TOMORROW, text, "yes", "{code}")
    assert "postcode" not in asked.lower() and "zip" not in asked.lower(), asked
    assert unit in asked.lower() and street.split()[1] not in asked, asked  # the address on file in part only
    lines, now = _address(runtime, "PB100000001GB")
    assert unit in lines.lower() and street in lines and now == postcode, (done, lines, now)


# --- a second request after the one-time code -------------------------------------------------------------------

def _a_weekday_ahead() -> date:
    """Three days on (never a Sunday): a day that is neither today nor the delivery day, whatever the date."""
    day = date.today() + timedelta(days=3)
    return day + timedelta(days=1) if day.weekday() == 6 else day


@pytest.mark.parametrize("typed", ["{code} and can u make it {day}", "{code}, could you make it {day} instead?",
                                   "{code} pls make it {day}", "{code} - and can we make that {day}",
                                   "{code} also can you please make it {day}"])
def test_a_request_after_the_code_is_taken_up_once_the_code_is_accepted(runtime, demo, typed):
    day = _a_weekday_ahead()
    replies = _talk(runtime, DUE_TOMORROW, "leave it in the shed", "yes", typed.replace("{day}", f"{day:%A}".lower()))
    assert _instructions(runtime, "PB100000001GB").get("safe_place") == "in the shed", replies
    assert re.search(rf"\b{day:%a}\b", replies[-1]), replies[-1]  # the new day asked about, or proposed


# --- "the 2" at "Which one?" ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("first", "answer"), [
    ("where are my parcels", "the 2"),
    ("leave it in the shed", "the 2"),
    ("where r my parcels", "the 2 pls"),
    ("can you leave it in the porch", "2 please"),
    ("Where are my packages?", "Number 2, thanks"),
    ("where are my parcels", "its the no.2 one"),
])
def test_a_number_said_with_words_around_it_picks_that_parcel(runtime, demo, first, answer):
    _, reply = _talk(runtime, TWO_PARCELS, first, answer)
    assert "Which one" not in reply and "didn't catch" not in reply, reply
    assert "Wool socks" in reply and "Headtorch" not in reply, reply


# --- a value after a refusal, said with a subject --------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("dont leave it outside, it can go in the shed", "shed"),
    ("don't leave it on the doorstep, you can put it in the garage", "garage"),
    ("Please don't leave it on the porch, it can go behind the side gate", "side gate"),
    ("dont leave it in the porch, you could give it to number 12", "12"),
])
def test_a_value_with_a_subject_after_a_refusal_is_the_one_proposed(runtime, demo, text, value):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "Just to check" in reply and value in reply, reply
    assert "What would you like instead" not in reply, reply


@pytest.mark.parametrize("text", ["dont leave it outside, it'll get nicked",
                                  "don't leave it on the porch, it will get stolen",
                                  "please dont leave it outside, it gets wet"])
def test_a_reason_after_a_refusal_stays_a_refusal(runtime, demo, text):
    (reply,) = _talk(runtime, DUE_TOMORROW, text)
    assert "Just to check" not in reply, reply  # nothing proposed: the words after the refusal are why
