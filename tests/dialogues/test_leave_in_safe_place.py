"""Safe places: parcels that need a signature or are worth too much are refused before anything is asked or sent."""

from __future__ import annotations

from decimal import Decimal

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
