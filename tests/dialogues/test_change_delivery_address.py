"""New addresses: never proposed without a first line and a valid postcode; what's missing is asked for."""

from __future__ import annotations

from aftersales_kit import changes, latest_code, merchant_settings, shipment_row, talk, text_of
from sqlalchemy import func, select

from backend import models as m

OWN = "+447700900123"  # PB100000001GB, in transit to 12 Acacia Avenue, Manchester M1 4BT


def _codes_sent(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(m.OneTimeCode))


def test_an_invalid_postcode_is_never_proposed(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    reply = text_of(talk(runtime, OWN, "change my delivery address to 5 Oak Street, Manchester M1 4CX"))
    assert "doesn't look right" in reply and "What's the postcode" in reply and "Just to check" not in reply
    reply = text_of(talk(runtime, OWN, "M1 2AB"))
    assert "5 Oak Street, Manchester, M1 2AB" in reply and "Just to check" in reply


def test_the_first_line_is_asked_for_when_only_a_postcode_is_given(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    assert "What's the first line" in text_of(talk(runtime, OWN, "please change my address to M1 2AB"))
    assert "Just to check" not in text_of(talk(runtime, OWN, "hmm"))
    assert "9 Mill Lane, M1 2AB" in text_of(talk(runtime, OWN, "9 Mill Lane"))


def test_the_new_address_is_applied_after_the_code(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    talk(runtime, OWN, "can you send it to 5 Oak Street, Manchester M1 2AB instead")
    talk(runtime, OWN, "yes")
    done = text_of(talk(runtime, OWN, latest_code(runtime, OWN)))
    [change] = changes(runtime, "change_delivery_address")
    assert change.reference in done
    assert change.params == {"address": {"line1": "5 Oak Street", "city": "Manchester", "postcode": "M1 2AB"}}
    row = shipment_row(runtime, "PB100000001GB")
    assert (row.address_line1, row.city, row.postcode) == ("5 Oak Street", "Manchester", "M1 2AB")


def test_another_area_is_refused_by_the_carrier_with_its_rule(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    talk(runtime, OWN, "change my address to 10 Downing Street, London SW1A 2AA")
    talk(runtime, OWN, "yes")
    reply = text_of(talk(runtime, OWN, latest_code(runtime, OWN)))
    assert "same delivery area (M1)" in reply
    assert shipment_row(runtime, "PB100000001GB").postcode == "M1 4BT"


def test_after_the_cutoff_nothing_is_asked(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "00:00", "cutoff_days_before": 2})
    reply = text_of(talk(runtime, OWN, "change my delivery address to 5 Oak Street, Manchester M1 2AB"))
    assert "closed at" in reply and "Just to check" not in reply
    assert _codes_sent(runtime) == 0
