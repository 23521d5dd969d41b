"""A shopper who says they have the parcel ("got it but its broken") about one the carrier still has out for delivery
or in transit is believed: the carrier's delivered event can come after the doorstep. The report goes on as for a
delivered parcel, and the claim notes the carrier's status for the team, who check every claim before anything is
paid. It had been refused flatly ("Our records show it hasn't been delivered yet, so there's nothing to report as
damaged"), contradicting the shopper (`claims.says_in_hand`, `status.delivered_shipment_for(in_hand=...)`). A worry
("what if it arrives damaged?") or the carrier's word ("the tracking says damaged") is no report of one in hand."""

from __future__ import annotations

import pytest
from aftersales_kit import changes, talk, text_of

OUT_FOR_DELIVERY = "+447700900456"  # PB100000002GB, Rain jacket
IN_TRANSIT = "+447700900123"  # PB100000001GB, Trail running shoes
FAILED_ATTEMPT = "+447700900321"  # PB100000004GB, Hiking boots


@pytest.mark.parametrize(("phone", "text", "parcel"), [
    (OUT_FOR_DELIVERY, "got it but its broken", "Rain jacket"),
    # paraphrases, UK and US
    (IN_TRANSIT, "got it but its broken", "Trail running shoes"),
    (OUT_FOR_DELIVERY, "it arrived smashed", "Rain jacket"),
    (OUT_FOR_DELIVERY, "just opened the box and the jacket is ripped", "Rain jacket"),
    (OUT_FOR_DELIVERY, "the box is all crushed", "Rain jacket"),
    (FAILED_ATTEMPT, "the package came but it's all crushed", "Hiking boots"),
])
def test_a_parcel_the_shopper_has_is_reported_damaged(runtime, demo, phone, text, parcel):
    reply = text_of(talk(runtime, phone, text))
    assert f"I'm sorry your {parcel} arrived damaged." in reply, reply
    assert "hasn't been delivered" not in reply


def test_the_claim_notes_the_carriers_status(runtime, demo):
    talk(runtime, OUT_FOR_DELIVERY, "got it but its broken")
    talk(runtime, OUT_FOR_DELIVERY, "SKIP")
    talk(runtime, OUT_FOR_DELIVERY, "1")
    assert "opened damage claim" in text_of(talk(runtime, OUT_FOR_DELIVERY, "yes"))
    [claim] = changes(runtime, "claim_damaged")
    assert claim.tracking_number == "PB100000002GB"
    assert claim.params["carrier_status"] == "out_for_delivery"


@pytest.mark.parametrize("text", ["what if it arrives damaged?", "the tracking says damaged"])
def test_a_worry_or_the_carriers_word_is_no_parcel_in_hand(runtime, demo, text):
    reply = text_of(talk(runtime, OUT_FOR_DELIVERY, text))
    assert "arrived damaged" not in reply, reply
    assert changes(runtime, "claim_damaged") == []
