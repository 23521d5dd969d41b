"""Which parcel, as shoppers name it: by the item ("the socks"), never a cancelled order, two parcels with the
same item told apart by their numbers, and a number or postcode given earlier in the chat remembered so only
what is still missing is asked (reviews: shopper conversations, classes 3 and 4)."""

from __future__ import annotations

import pytest

from tests.dialogues.aftersales_kit import edit_shipment, talk, text_of
from tests.security.security_kit import POSTCODE, TWO, audits, rest


@pytest.mark.parametrize("text", ["leave the socks in the porch please", "can the wool socks go in the porch",
                                  "put my sock order in the porch"])
def test_the_item_named_picks_the_parcel(runtime, demo, text):
    reply = text_of(talk(runtime, TWO, text))
    assert "Wool socks" in reply and "Headtorch" not in reply and "Which" not in reply


def test_an_item_both_parcels_share_still_asks(runtime, demo):
    edit_shipment(runtime, "PB100000006GB", items=[{"sku": "X", "name": "Wool socks (3 pairs)", "quantity": 1}])
    reply = text_of(talk(runtime, TWO, "leave the socks in the porch"))
    # Same item twice: each is told apart by its tracking number.
    assert "PB100000005GB" in reply and "PB100000006GB" in reply


def test_a_cancelled_order_is_not_offered(runtime, demo):
    edit_shipment(runtime, "PB100000006GB", instructions={"cancelled": True})
    reply = text_of(talk(runtime, TWO, "where's my parcel"))
    assert "Wool socks" in reply and "Headtorch" not in reply


def test_the_postcode_given_first_is_used_when_the_number_comes(client, runtime, demo):
    asked = rest(client, "pc-first", "hi my postcode is M1 4BT, where's my parcel")
    assert "Rain jacket" not in asked  # nothing shown yet: no number
    shown = rest(client, "pc-first", "PB100000002GB")
    assert "Rain jacket" in shown and "postcode?" not in shown


def test_a_wrong_postcode_given_first_is_one_counted_miss(client, runtime, demo):
    rest(client, "pc-wrong", "my postcode is M9 9ZZ")
    reply = rest(client, "pc-wrong", "where is PB100000002GB")
    assert "Rain jacket" not in reply and "couldn't match" in reply
    assert len(audits(runtime, "identify", result="no_match")) == 1


def test_the_number_given_earlier_is_not_asked_again(client, runtime, demo):
    rest(client, "num-first", "PB100000003GB is the number, it's about a delivery")
    assert "postcode?" in rest(client, "num-first", "where's my parcel")
    assert "Camping stove" in rest(client, "num-first", POSTCODE)


def test_a_destination_postcode_is_not_remembered_as_proof(client, runtime, demo):
    rest(client, "dest-first", "are there any lockers near M2 5DB")
    reply = rest(client, "dest-first", "where is PB100000002GB")
    assert "postcode?" in reply and "couldn't match" not in reply


@pytest.mark.parametrize("then", ["leave it in the porch", "can you leave them in the porch please"])
def test_the_parcel_just_talked_about_is_the_one_a_request_means(runtime, demo, then):
    """Before: the socks' status, then "leave it in the porch", asked "Which one?" of both parcels again."""
    assert "Wool socks" in text_of(talk(runtime, TWO, "wheres the socks"))
    reply = text_of(talk(runtime, TWO, then))
    assert "Wool socks" in reply and "Headtorch" not in reply and "Which one" not in reply, reply


def test_the_other_one_is_the_parcel_not_talked_about(runtime, demo):
    talk(runtime, TWO, "wheres the socks")
    reply = text_of(talk(runtime, TWO, "and whats happening with the other one"))
    assert "Headtorch" in reply and "Which one" not in reply, reply


def test_after_both_were_shown_a_request_still_asks_which(runtime, demo):
    talk(runtime, TWO, "wheres the socks and the headtorch")
    reply = text_of(talk(runtime, TWO, "leave it in the porch"))
    assert "Which one" in reply, reply


@pytest.mark.parametrize("text", ["what about the other one", "and the other one?"])
def test_what_about_the_other_one_is_its_status(runtime, demo, text):
    """Before: the help text (the NLU knows no request in it)."""
    talk(runtime, TWO, "wheres the socks")
    reply = text_of(talk(runtime, TWO, text))
    assert "Headtorch" in reply and "delivery assistant" not in reply, reply
