"""Every kind of change, asked for by someone who proved only number + postcode: the code goes to the
recipient on file, and no YES, however often repeated, changes anything without it."""

from __future__ import annotations

import pytest

from backend import models as m
from tests.security.security_kit import STRANGER, codes_sent_to, count, sent_to, talk

CHANGES = {
    "leave_with_neighbour": ("+447700900123", ["please leave parcel PB100000001GB with my neighbour at number 22",
                                               "M1 4BT", "yes"]),
    "leave_in_safe_place": ("+447700900456", ["can you leave PB100000002GB in a safe place", "M1 4BT",
                                              "in the porch", "yes"]),
    "add_delivery_note": ("+447700900123", ["add a note for the driver on PB100000001GB: ring twice", "M1 4BT",
                                            "yes"]),
    "reschedule_delivery": ("+447700900123", ["reschedule PB100000001GB", "M1 4BT", "1", "yes"]),
    "deliver_to_pickup_point": ("+447700900123", ["send PB100000001GB to a pickup point", "M1 4BT", "1", "yes"]),
    "hold_delivery": ("+447700900123", ["hold PB100000001GB at the depot", "M1 4BT", "until friday", "yes"]),
    "change_delivery_address": ("+447700900654", ["change the delivery address for PB100000006GB", "M1 4BT",
                                                  "14 Acacia Avenue, Manchester M1 4BT", "yes"]),
    "cancel_order": ("+447700900654", ["cancel order 100236", "M1 4BT", "yes"]),
    "start_return": ("+447700900789", ["I want to return PB100000003GB", "M1 4BT", "1", "1", "yes"]),
}


@pytest.mark.parametrize("journey", sorted(CHANGES))
def test_a_stranger_with_number_and_postcode_changes_nothing_without_the_code(runtime, demo, journey):
    recipient, script = CHANGES[journey]
    replies = [talk(runtime, STRANGER, text) for text in script]
    assert "code" in replies[-1] and recipient[-3:] in replies[-1], replies
    for more in ("yes", "YES", "yes please", "confirm", "123456", "000000"):
        assert "Done" not in talk(runtime, STRANGER, more)
    assert count(runtime, m.DeliveryChange) == 0
    assert len(codes_sent_to(runtime, recipient)) == 1
    assert sent_to(runtime, STRANGER) == []
