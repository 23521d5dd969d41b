"""Damaged parcels: the photo by MMS, the merchant's offer, one claim with its reference, a person on request."""

from __future__ import annotations

import pytest
from aftersales_kit import OWN_DELIVERED, audits, changes, conversation_of, merchant_settings, talk, text_of

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


def test_photo_in_the_next_message_then_refund(runtime, demo):
    assert "photo" in text_of(talk(runtime, OWN_DELIVERED, "my parcel arrived damaged"))
    offer = text_of(talk(runtime, OWN_DELIVERED, "", media=(PHOTO,)))
    assert "Thanks for the photo" in offer and "Refund me" in offer
    talk(runtime, OWN_DELIVERED, "2")
    assert changes(runtime, "claim_damaged") == []  # nothing until confirmed
    done = text_of(talk(runtime, OWN_DELIVERED, "yes"))
    [claim] = changes(runtime, "claim_damaged")
    assert claim.reference in done
    assert claim.params["choice"] == "refund" and claim.params["photos"] == [PHOTO]
    assert audits(runtime, "claim_damaged")[0].reference == claim.reference


def test_a_photo_sent_just_before_isnt_asked_for_again(runtime, demo):
    talk(runtime, OWN_DELIVERED, "", media=(PHOTO,))
    offer = text_of(talk(runtime, OWN_DELIVERED, "my parcel arrived damaged"))
    assert "What would you like us to do" in offer and "send a photo" not in offer


def test_merchant_policy_limits_the_offer(runtime, demo):
    merchant_settings(runtime, damage_policy={"offer": ["replacement"]})
    talk(runtime, OWN_DELIVERED, "my parcel arrived damaged")
    offer = text_of(talk(runtime, OWN_DELIVERED, "skip"))
    assert "Send a replacement" in offer and "Refund" not in offer
    assert "replacement" in text_of(talk(runtime, OWN_DELIVERED, "1"))


def test_nothing_on_offer_goes_straight_to_a_person(runtime, demo):
    merchant_settings(runtime, damage_policy={"offer": []})
    talk(runtime, OWN_DELIVERED, "my parcel arrived damaged")
    handed = text_of(talk(runtime, OWN_DELIVERED, "skip"))
    [claim] = changes(runtime, "claim_damaged")
    assert claim.reference in handed and claim.params["choice"] == "agent"
    assert conversation_of(runtime, OWN_DELIVERED).handed_off


# -- not damage: the wrong item, or part of the order missing ----------------------------------------------------


@pytest.mark.parametrize(("text", "problem", "said"), [
    ("they sent the wrong thing", "wrong_item", "the wrong item came"),
    ("this is not what i ordered", "wrong_item", "the wrong item came"),
    ("you sent me the wrong colour", "wrong_item", "the wrong item came"),
    ("half of my order is missing", "missing_item", "something's missing"),
    ("only got one of the two things i ordered", "missing_item", "something's missing"),
    ("there's a piece missing", "missing_item", "something's missing"),
])
def test_a_wrong_or_short_delivery_is_said_as_what_happened(runtime, demo, text, problem, said):
    """Before: "wrong item sent" and "half my order is missing" were told "your Camping stove arrived damaged" and
    asked for a photo of the damage. The claim is the same (a person checks it); the words say what happened."""
    asked = text_of(talk(runtime, OWN_DELIVERED, text))
    assert said in asked and "damage" not in asked, asked
    talk(runtime, OWN_DELIVERED, "SKIP")
    confirm = text_of(talk(runtime, OWN_DELIVERED, "1"))
    assert "damaged" not in confirm and "Just to check" in confirm, confirm
    done = text_of(talk(runtime, OWN_DELIVERED, "yes"))
    [claim] = changes(runtime, "claim_damaged")
    assert claim.params["problem"] == problem and claim.reference in done, (claim.params, done)
    assert "damage claim" not in done, done


def test_damage_is_still_damage(runtime, demo):
    asked = text_of(talk(runtime, OWN_DELIVERED, "the box was soaking wet and the stove is dented"))
    assert "arrived damaged" in asked, asked
    talk(runtime, OWN_DELIVERED, "SKIP")
    talk(runtime, OWN_DELIVERED, "2")
    talk(runtime, OWN_DELIVERED, "yes")
    [claim] = changes(runtime, "claim_damaged")
    assert claim.params["problem"] == "damaged"


@pytest.mark.parametrize("text", ["it arrived damaged, looks like they threw it",
                                  "my parcel arrived damaged, it went in a puddle",
                                  "ordered 2 chairs, one arrived broken and i cant get one of the legs to fit"])
def test_a_damage_story_still_asks_for_the_photo(runtime, demo, text):
    """ "threw", "it went", "can't get one" tell the damage, not that there is no photo (a review found them skipping
    the photo step); "no photo sorry" in the first message still does."""
    reply = text_of(talk(runtime, OWN_DELIVERED, text))
    assert "photo" in reply and "reply SKIP" in reply, reply


@pytest.mark.parametrize("text", ["wrong size box, everything inside smashed",
                                  "the lid is cracked and a bit is missing"])
def test_damage_named_beside_a_wrong_or_missing_word_is_damage(text):
    from dialogues.journeys.report_damaged import _problem

    assert _problem(text) is None
