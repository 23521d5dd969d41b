"""Safe places: parcels that need a signature or are worth too much are refused before anything is asked or sent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aftersales_kit import changes, edit_shipment, latest_code, talk, text_of
from sqlalchemy import func, select

from backend import models as m

OWN = "+447700900123"  # PB100000001GB, in transit, worth 49.99
SIGNED = "+447700900987"  # PB100000007GB, signature required, worth 399


def _codes_sent(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(m.OneTimeCode))


def test_signature_parcel_is_refused_up_front_with_alternatives(runtime, demo):
    reply = text_of(talk(runtime, SIGNED, "leave it in the porch"))
    assert "needs a signature" in reply and "Reply 1" in reply
    assert "Just to check" not in reply and "Where should" not in reply
    talk(runtime, SIGNED, "yes")
    assert _codes_sent(runtime) == 0 and changes(runtime, "leave_in_safe_place") == []


def test_high_value_parcel_is_refused_even_without_a_signature(runtime, demo):
    edit_shipment(runtime, "PB100000001GB", value_amount=Decimal("300.00"))
    reply = text_of(talk(runtime, OWN, "please leave it in the shed"))
    assert "worth more than £250.00" in reply and "Just to check" not in reply
    assert _codes_sent(runtime) == 0


def test_the_place_reaches_the_carrier_cleaned(runtime, demo):
    talk(runtime, OWN, "can you leave it in a safe place")
    assert "Just to check" in text_of(talk(runtime, OWN, "under   the <b>mat</b> by the back door"))
    talk(runtime, OWN, "yes")
    talk(runtime, OWN, latest_code(runtime, OWN))
    [change] = changes(runtime, "leave_in_safe_place")
    assert change.params == {"safe_place": "under the mat by the back door"}


def test_a_place_too_long_for_the_driver_is_asked_again(runtime, demo):
    talk(runtime, OWN, "can you leave it in a safe place")
    long = "behind the blue recycling bin next to the side gate at the far end of the garden past the shed"
    reply = text_of(talk(runtime, OWN, long))
    assert "under 80 characters" in reply and "Just to check" not in reply


@pytest.mark.parametrize(("said", "back"), [
    ("in my porch", "in your porch"), ("behind our bins", "behind your bins"), ("My shed", "Your shed"),
    ("with my mum", "with your mum"), ("by the US mailbox", "by the US mailbox"), ("mystery box", "mystery box"),
])
def test_the_shoppers_words_are_said_back_in_the_second_person(said, back):
    from dialogues.kit.formatting import said_back

    assert said_back(said) == back


def test_the_place_is_said_back_as_theirs_and_kept_in_their_words_for_the_driver(runtime, demo):
    """Before: "the driver will leave your Trail running shoes in this safe place: in my porch"."""
    ask = text_of(talk(runtime, OWN, "leave it in my porch"))
    assert "in this safe place: in your porch." in ask and "my porch" not in ask, ask
    talk(runtime, OWN, "yes")
    done = text_of(talk(runtime, OWN, latest_code(runtime, OWN)))
    assert "in your porch" in done, done
    [change] = changes(runtime, "leave_in_safe_place")
    assert change.status == "accepted"
    again = text_of(talk(runtime, OWN, "actually leave it behind our bins"))
    assert "behind your bins" in again and "(in your porch)" in again, again
