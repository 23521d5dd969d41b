"""A part of the address on file corrected on its own. The postcode (a US ZIP code): "my postcode is wrong, its M1
4BU not M1 4BT" is the address on file with that postcode, read back in part; a probe found it proposed "M1 4BU,
Manchester M1 4BT" (the new postcode read as the first line, the old one kept), which the shopper could have
confirmed (`address_corrections.corrected_postcode`, `change_delivery_address._propose_amended`). A flat: "it should
be flat 2 not flat 3" is that flat on the address on file (`address_text.added_unit` leaves the refused one out)."""

from __future__ import annotations

import pytest
from aftersales_kit import latest_code, talk, text_of
from sqlalchemy import select

from backend import models as m
from tests.review.voice_kit import make_us

SHOPPER = "+447700900123"


def _change(runtime) -> dict:  # noqa: ANN001
    with runtime.sessions() as s:
        (change,) = s.scalars(select(m.DeliveryChange)).all()
        return dict(change.params["address"])


def _line1(runtime) -> str:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Shipment.address_line1).where(m.Shipment.tracking_number == "PB100000001GB"))


@pytest.mark.parametrize("text", [
    "my postcode is wrong, its M1 4BU not M1 4BT",
    # paraphrases
    "wrong postcode on my order, should be m14bu",
    "the postcode should be M1 4BU",
    "i put the wrong post code, it's m1 4bu",
])
def test_a_postcode_corrected_keeps_the_rest_of_the_address(runtime, demo, text):
    line1 = _line1(runtime)
    reply = text_of(talk(runtime, SHOPPER, text))
    assert "the address we have (12 ***, M1 ***), with the postcode M1 4BU" in reply, reply
    talk(runtime, SHOPPER, "yes")
    done = text_of(talk(runtime, SHOPPER, latest_code(runtime, SHOPPER)))
    assert "Done" in done, done
    address = _change(runtime)
    assert address["postcode"] == "M1 4BU" and address["line1"] == line1, address


def test_asked_for_the_new_address_a_postcode_alone_corrects_it(runtime, demo):
    talk(runtime, SHOPPER, "change the address")
    reply = text_of(talk(runtime, SHOPPER, "the postcode should be M1 4BU"))
    assert "with the postcode M1 4BU" in reply, reply


def test_a_postcode_outside_the_area_is_refused(runtime, demo):
    reply = text_of(talk(runtime, SHOPPER, "my postcode is wrong, its LS1 1AA not M1 4BT"))
    assert "same delivery area" in reply and "LS1 1AA" not in reply.split("area")[0], reply


@pytest.mark.parametrize("text", ["the zip should be 78702", "my zip code changed, its 78702 now"])
def test_a_us_zip_code_corrected(runtime, demo, text):
    make_us(runtime)
    reply = text_of(talk(runtime, SHOPPER, text))
    assert "the address we have (742 ***, 78 ***), with the ZIP code 78702" in reply, reply


@pytest.mark.parametrize(("text", "on_file"), [
    ("5 new street manchester m1 1aa", "M1 4BT"),  # a whole new address
    ("postcode m1 4bu, 14 oak road", "M1 4BT"),
    ("where is it, my postcode is M1 4BT", "M1 4BT"),  # the one on file, said as proof
])
def test_what_is_not_a_postcode_alone_corrected(text, on_file):
    from dialogues.kit.address_corrections import corrected_postcode

    assert corrected_postcode(text, on_file) is None, text


@pytest.mark.parametrize(("text", "unit"), [
    ("wrong address on the order, it should be flat 2 not flat 3", "Flat 2"),
    ("it should be flat 2 instead of flat 3", "Flat 2"),
    ("the apartment number is wrong, its apt 4b not apt 4a", "Apt 4B"),
])
def test_a_flat_corrected_is_that_flat_on_the_address_on_file(runtime, demo, text, unit):
    """It had asked "What's the postcode for Flat 2?": the unit refused was read as a second unit, so a new address."""
    reply = text_of(talk(runtime, SHOPPER, text))
    assert f"the address we have (12 ***, M1 ***), with {unit} added" in reply, reply
