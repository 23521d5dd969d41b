"""Damaged parcels: the photo by MMS, the merchant's offer, one claim with its reference, a person on request."""

from __future__ import annotations

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
